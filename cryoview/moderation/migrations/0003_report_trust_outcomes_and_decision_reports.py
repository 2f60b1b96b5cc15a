"""Reports say how far they may be trusted (only established members' reports can hide an item) and how they
ended (kept, taken down, dismissed); decisions name the reports they resolved.

Existing reports get the trust their reporter has now (verified e-mail, account age at the time of the report,
first report on the item) and their old resolution mapped: approve -> kept, reject/spam/delete -> taken down."""

from datetime import timedelta

from django.db import migrations, models

OLD_TO_NEW = {"approve": "kept", "reject": "taken_down", "spam": "taken_down", "delete": "taken_down"}
TRUSTED_ACCOUNT_DAYS = 7  # the default of CRYOVIEW_REPORTS_TRUSTED_ACCOUNT_DAYS when this migration was written


def forwards(apps, schema_editor):
    Report = apps.get_model("moderation", "Report")
    EmailAddress = apps.get_model("account", "EmailAddress")
    verified = set(EmailAddress.objects.filter(verified=True).values_list("user_id", flat=True))
    for old, new in OLD_TO_NEW.items():
        Report.objects.filter(resolution=old).update(resolution=new)
    for report in Report.objects.select_related("reporter", "review", "comment").order_by("created_at", "id"):
        reporter = report.reporter
        item = report.review or report.comment
        if reporter is None:
            trust = "visitor"
        elif item is not None and item.author_id == reporter.pk:
            trust = "author"
        elif reporter.pk not in verified:
            trust = "unverified"
        elif reporter.date_joined > report.created_at - timedelta(days=TRUSTED_ACCOUNT_DAYS):
            trust = "new_account"
        else:
            trust = "trusted"
        Report.objects.filter(pk=report.pk).update(trust=trust)


def backwards(apps, schema_editor):
    Report = apps.get_model("moderation", "Report")
    Report.objects.filter(resolution="kept").update(resolution="approve")
    Report.objects.filter(resolution__in=["taken_down", "dismissed"]).update(resolution="reject")


class Migration(migrations.Migration):

    dependencies = [
        ('moderation', '0002_report_comment_alter_moderationdecision_decision_and_more'),
        ('account', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='moderationdecision',
            name='reports',
            field=models.ManyToManyField(blank=True, help_text='the reports this decision resolved', related_name='decisions', to='moderation.report'),
        ),
        migrations.AddField(
            model_name='report',
            name='trust',
            field=models.CharField(choices=[('trusted', 'Established member'), ('visitor', 'Visitor (no account)'), ('unverified', 'Member without a verified e-mail address'), ('new_account', 'New account'), ('repeat', 'Reported this item before'), ('author', 'The author')], default='visitor', help_text='only trusted reports count towards hiding an item before a moderator decides', max_length=12),
        ),
        migrations.AlterField(
            model_name='moderationdecision',
            name='decision',
            field=models.CharField(choices=[('approve', 'Approve'), ('reject', 'Reject'), ('spam', 'Mark as spam'), ('delete', 'Delete'), ('dismiss', 'Dismiss the reports')], max_length=8),
        ),
        migrations.AlterField(
            model_name='report',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, db_index=True),
        ),
        migrations.AlterField(
            model_name='report',
            name='resolution',
            field=models.CharField(blank=True, choices=[('kept', 'Kept: the item stays'), ('taken_down', 'Taken down'), ('dismissed', 'Report dismissed')], max_length=12),
        ),
        migrations.RunPython(forwards, backwards),
    ]
