"""The account pages that span apps. config/urls.py mounts them under /account/ in the `accounts` namespace,
beside accounts' own pages, so their names (accounts:export, accounts:delete) and addresses stay."""

from django.urls import path

from cryoview.journeys import views

account_urlpatterns = [
    path("export/", views.export_data, name="export"),
    path("delete/", views.delete_account, name="delete"),
]
