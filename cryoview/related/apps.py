from django.apps import AppConfig


class RelatedConfig(AppConfig):
    name = "cryoview.related"
    label = "related"
    verbose_name = "Related reading"
