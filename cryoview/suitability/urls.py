from django.urls import path

from cryoview.suitability import views

app_name = "suitability"
urlpatterns = [
    path("procedures/<slug:slug>/check/", views.check, name="check"),
    path("account/checks/<int:check_id>/delete/", views.delete_saved, name="delete_saved"),
]
