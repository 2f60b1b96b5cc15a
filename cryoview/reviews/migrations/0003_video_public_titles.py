from django.db import migrations


def name_published_videos(apps, schema_editor):
    """Videos published before videos had a public title are named after their review, as new ones are."""
    Review = apps.get_model("reviews", "Review")
    Video = apps.get_model("videos", "Video")
    published = Review.objects.filter(status="published", video__isnull=False).select_related("procedure")
    for review in published.iterator(chunk_size=500):
        title = review.title.strip() or f"Video review of {review.procedure.name}"
        Video.objects.filter(pk=review.video_id, public_title="").update(public_title=title[:200])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0002_flags"),
        ("videos", "0004_video_public_title"),
    ]

    operations = [migrations.RunPython(name_published_videos, migrations.RunPython.noop)]
