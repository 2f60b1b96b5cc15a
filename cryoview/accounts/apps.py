from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cryoview.accounts"
    label = "accounts"
    verbose_name = "Accounts"
