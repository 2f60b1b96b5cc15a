from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cryoview.core"
    label = "core"
    verbose_name = "Core"
