from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "cryoview.reviews"
    label = "reviews"
    verbose_name = "Reviews"

    def ready(self) -> None:
        from cryoview.reviews.selectors import review_video_use
        from cryoview.videos.selectors import register_video_use

        # The video's page names the review it belongs to and links back to it (videos cannot import reviews).
        register_video_use(review_video_use)
