from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "cryoview.clinics"
    label = "clinics"
    verbose_name = "Clinics and practitioners"

    def ready(self) -> None:
        from cryoview.clinics.forms_attribution import attribution_clean, attribution_fields
        from cryoview.clinics.views.attribution import attribution_html
        from cryoview.clinics.views.proofs import register_proofs
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
        # A clinic's staff reporting a review of their clinic never count towards hiding it (moderation asks).
        from cryoview.clinics.services.reports import CLINIC_PARTY
        from cryoview.moderation.interested import register_interested_party

        register_interested_party(CLINIC_PARTY)
        # Labels counted separately in every set of aggregates (the guide's, a clinic's).
        from cryoview.clinics.selectors.labels import LABELS_BREAKDOWN
        from cryoview.reviews.breakdowns import register_stats_breakdown

        register_stats_breakdown(LABELS_BREAKDOWN)
        register_proofs()
        register_review_extra(
            ReviewExtra("replies", no_fields, "clinics/replies/_fieldset.html", no_clean, replies_html)
        )
