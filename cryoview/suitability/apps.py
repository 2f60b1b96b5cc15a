from django.apps import AppConfig


class SuitabilityConfig(AppConfig):
    name = "cryoview.suitability"
    label = "suitability"
    verbose_name = "Suitability self-check"
