from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "cryoview.reviews"
    label = "reviews"
    verbose_name = "Reviews"
