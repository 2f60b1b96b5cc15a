from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "cryoview.comments"
    label = "comments"
    verbose_name = "Comments"
