from django.urls import path

from cryoview.findable import oembed_views, views

app_name = "findable"

urlpatterns = [
    # Embeds: the oEmbed endpoint (the embeddable player itself is videos:embed).
    path("oembed", oembed_views.oembed, name="oembed"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", views.sitemap_xml, name="sitemap"),
]
