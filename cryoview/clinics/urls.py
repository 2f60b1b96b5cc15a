from django.urls import URLPattern, URLResolver, path

from cryoview.clinics.views import directory

app_name = "clinics"

# The capabilities (directory, claims and credentials, attribution) add their pages here.
urlpatterns: list[URLPattern | URLResolver] = []

# --- directory ---
urlpatterns += [
    path("", directory.directory, name="directory"),
    path("practitioners/<int:practitioner_id>/", directory.practitioner_detail, name="practitioner"),
    path("suggestions/", directory.suggestions, name="suggestions"),
    path("suggestions/<int:clinic_id>/decision", directory.suggestion_decision, name="suggestion_decision"),
    path("<slug:slug>/", directory.clinic_detail, name="detail"),
]
# --- end directory ---
