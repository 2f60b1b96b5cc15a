from django.urls import path

from cryoview.videos import views

app_name = "videos"
urlpatterns = [
    path("videos/new/", views.upload_page, name="upload"),
    path("videos/<uuid:video_id>/", views.player, name="player"),
    path("videos/<uuid:video_id>/embed/", views.embed, name="embed"),
    path("media/videos/<uuid:video_id>/<str:name>", views.media, name="media"),
]
