from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "cryoview.comments"
    label = "comments"
    verbose_name = "Comments"

    def ready(self) -> None:
        from cryoview.comments.selectors import has_comments_in_scope, thread_authors_scope
        from cryoview.core.pagecache import register_personal_check

        register_personal_check("comments", has_comments_in_scope, scopes=lambda scope: (thread_authors_scope(scope),))
