from django.contrib import admin
from django.urls import include, path

from cryoview.accounts import urls as account_urls
from cryoview.accounts.views import too_many_attempts
from cryoview.api.uploads import upload_collection, upload_resource
from cryoview.api.urls import api
from cryoview.core.views import healthz, status
from cryoview.journeys.urls import account_urlpatterns as account_journeys
from cryoview.procedures.views import home

admin.site.site_header = "Cryoview administration"
admin.site.site_title = "Cryoview admin"

# django-allauth answers its 429s with ROOT_URLCONF.handler429 when there is one.
handler429 = too_many_attempts

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("status/", status, name="status"),
    path("procedures/", include("cryoview.procedures.urls")),
    path("", include("cryoview.suitability.urls")),
    # One namespace for the account pages: accounts' own, and the export and deletion that span every app.
    path("account/", include(([*account_urls.urlpatterns, *account_journeys], account_urls.app_name))),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/uploads/", upload_collection, name="tus-collection"),
    path("api/v1/uploads/<str:upload_id>", upload_resource, name="tus-upload"),
    path("api/v1/", api.urls),
    path("", include("cryoview.videos.urls")),
    path("", include("cryoview.reviews.urls")),
    path("", include("cryoview.moderation.urls")),
    path("", include("cryoview.comments.urls")),
    path("", include("cryoview.search.urls")),
    path("clinics/", include("cryoview.clinics.urls")),
    path("", include("cryoview.findable.urls")),
]
