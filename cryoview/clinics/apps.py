from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "cryoview.clinics"
    label = "clinics"
    verbose_name = "Clinics and practitioners"

    def ready(self) -> None:
        from cryoview.clinics.forms_attribution import attribution_clean, attribution_fields
        from cryoview.clinics.views.attribution import attribution_html
        from cryoview.clinics.views.replies import no_clean, no_fields, replies_html
        from cryoview.reviews.extras import ReviewExtra, register_review_extra

        # A review names its clinic and practitioner; reviews cannot import clinics, so clinics adds them.
        register_review_extra(
            ReviewExtra(
                name="clinics",
                fields=attribution_fields,
                template="clinics/attribution/_fieldset.html",
                clean=attribution_clean,
                display=attribution_html,
                replaces=("clinic_name",),
            )
        )
        register_review_extra(
            ReviewExtra("replies", no_fields, "clinics/replies/_fieldset.html", no_clean, replies_html)
        )
