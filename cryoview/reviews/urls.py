from django.urls import path

from cryoview.reviews import views

app_name = "reviews"
urlpatterns = [
    path("procedures/<slug:slug>/reviews/", views.review_list, name="list"),
    path("procedures/<slug:slug>/reviews/new/", views.review_new, name="create"),
    path("reviews/<int:review_id>/", views.review_detail, name="detail"),
    path("reviews/<int:review_id>/edit/", views.review_edit, name="edit"),
    path("reviews/<int:review_id>/withdraw/", views.review_withdraw_view, name="withdraw"),
    path("reviews/<int:review_id>/followups/", views.followup_new, name="followup"),
]
