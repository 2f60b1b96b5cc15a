from django.urls import path

from cryoview.procedures import views

app_name = "procedures"
urlpatterns = [
    path("<slug:slug>/", views.detail, name="detail"),
]
