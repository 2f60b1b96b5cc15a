from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "cryoview.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete

        from cryoview.comments.models import Comment
        from cryoview.core.visibility import register_visibility_listener
        from cryoview.procedures.models import Procedure
        from cryoview.reviews.models import FollowUp, Review
        from cryoview.search.services import owner_deleted, search_item_changed
        from cryoview.videos.models import Video

        # The apps below say when what everyone sees changed; the index follows in the same transaction.
        register_visibility_listener(search_item_changed)
        # A deletion needs no call (the rows cascade) but the kept pages of results must go with them.
        for owner in (Review, FollowUp, Comment, Video, Procedure, get_user_model()):
            post_delete.connect(owner_deleted, sender=owner, dispatch_uid=f"cryoview.search.deleted.{owner.__name__}")
