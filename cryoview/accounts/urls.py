from django.urls import path

from cryoview.accounts import views

# /account/export/ and /account/delete/ span every app: cryoview/journeys/urls.py, mounted in this namespace.
app_name = "accounts"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("tokens/", views.token_create, name="token_create"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
]
