"""Stats stored before breakdowns existed (e.g. reviews counted by label, registered by clinics) lack them: mark
every stored set stale long enough ago that the workers' upkeep (stats_refresh_lost) recounts it on its next
round. Pages keep showing the stored numbers until then; nothing is lost."""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone


def mark_stale(apps, schema_editor):
    review_stats = apps.get_model("reviews", "ReviewStats")
    review_stats.objects.filter(stale_since__isnull=True).update(stale_since=timezone.now() - timedelta(days=1))


class Migration(migrations.Migration):
    dependencies = [("reviews", "0005_review_list_lowest_index")]

    operations = [migrations.RunPython(mark_stale, migrations.RunPython.noop)]
