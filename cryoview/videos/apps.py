from django.apps import AppConfig


class VideosConfig(AppConfig):
    name = "cryoview.videos"
    label = "videos"
    verbose_name = "Videos"
