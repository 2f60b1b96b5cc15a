from django.urls import path

from cryoview.comments import views

app_name = "comments"
urlpatterns = [
    path("procedures/<slug:slug>/comments/", views.guide_post, name="guide_post"),
    path("reviews/<int:review_id>/comments/", views.review_post, name="review_post"),
    path("comments/<int:comment_id>/edit/", views.edit, name="edit"),
    path("comments/<int:comment_id>/delete/", views.delete, name="delete"),
    path("comments/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("comments/review-mail/unsubscribe/<str:token>/", views.review_unsubscribe, name="review_unsubscribe"),
]
