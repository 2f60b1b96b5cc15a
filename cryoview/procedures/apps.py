from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "cryoview.procedures"
    label = "procedures"
    verbose_name = "Guides"
