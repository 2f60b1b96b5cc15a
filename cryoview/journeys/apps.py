from django.apps import AppConfig


class JourneysConfig(AppConfig):
    """Work that spans several apps, above all of them: a person's data export and account deletion, and the
    guides' import that also refreshes related reading. It owns no table of its own."""

    name = "cryoview.journeys"
    label = "journeys"
    verbose_name = "Journeys across apps"
