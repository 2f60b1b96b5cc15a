from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "cryoview.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from cryoview.core.visibility import register_visibility_listener
        from cryoview.search.services import search_item_changed

        # The apps below say when what everyone sees changed; the index follows in the same transaction.
        register_visibility_listener(search_item_changed)
