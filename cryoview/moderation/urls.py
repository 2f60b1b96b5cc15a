from django.urls import path

from cryoview.moderation import views

app_name = "moderation"
urlpatterns = [
    path("moderation/", views.queue, name="queue"),
    path("moderation/log/", views.log, name="log"),
    path("moderation/stats/", views.stats, name="stats"),
    path("moderation/reviews/<int:review_id>/decision", views.review_decision, name="review_decision"),
    path("moderation/followups/<int:followup_id>/decision", views.followup_decision, name="followup_decision"),
    path("reviews/<int:review_id>/report/", views.report, name="report"),
    path("moderation/spam/", views.spam, name="spam"),
    path("moderation/comment-rules/", views.comment_rules_edit, name="comment_rules"),
    path("moderation/comments/<int:comment_id>/decision", views.comment_decision, name="comment_decision"),
    path("comments/<int:comment_id>/report/", views.comment_report, name="comment_report"),
]
