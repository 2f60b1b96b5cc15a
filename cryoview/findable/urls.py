from django.urls import path

from cryoview.findable import feeds, oembed_views, views

app_name = "findable"

urlpatterns = [
    # Embeds: the oEmbed endpoint (the embeddable player itself is videos:embed).
    path("oembed", oembed_views.oembed, name="oembed"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", views.sitemap_xml, name="sitemap"),
]

# Atom feeds of newly published reviews (cryoview/findable/feeds.py).
urlpatterns += [
    path("feeds/reviews.atom", feeds.reviews_feed, name="reviews-feed"),
    path("procedures/<str:slug>/reviews.atom", feeds.procedure_reviews_feed, name="procedure-reviews-feed"),
]
