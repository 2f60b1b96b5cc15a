from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "cryoview.moderation"
    label = "moderation"
    verbose_name = "Moderation"
