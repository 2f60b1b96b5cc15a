from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "cryoview.clinics"
    label = "clinics"
    verbose_name = "Clinics and practitioners"
