from django.urls import URLPattern, URLResolver

app_name = "clinics"

# The capabilities (directory, claims and credentials, attribution) add their pages here.
urlpatterns: list[URLPattern | URLResolver] = []
