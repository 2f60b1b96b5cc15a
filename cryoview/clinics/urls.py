from django.urls import URLPattern, URLResolver, path

from cryoview.clinics.views import checks, directory, proofs, replies, staff

app_name = "clinics"

# The capabilities (directory, claims and credentials, attribution) add their pages here.
urlpatterns: list[URLPattern | URLResolver] = []

# Claims and credentials (the clinic staff console, the moderators' checks). "checks" is therefore not a clinic slug;
# keep this block before a catch-all "<slug>/".
urlpatterns += [
    path("checks/", checks.queue, name="checks"),
    path("checks/claims/<int:claim_id>/decision", checks.claim_decision, name="claim_decision"),
    path("checks/claims/<int:claim_id>/document", checks.claim_document, name="claim_document"),
    path("checks/credentials/<int:check_id>/decision", checks.check_decision, name="check_decision"),
    path("checks/credentials/<int:check_id>/document", checks.check_document, name="check_document"),
    path("checks/staff/<int:staff_id>/revoke", checks.staff_revoke, name="staff_revoke"),
    path("<slug:slug>/claim/", staff.claim, name="claim"),
    path("<slug:slug>/staff/", staff.console, name="staff"),
    path("<slug:slug>/staff/practitioners/new/", staff.practitioner_edit, name="staff_practitioner_new"),
    path("<slug:slug>/staff/practitioners/<int:practitioner_id>/", staff.practitioner_edit, name="staff_practitioner"),
    path(
        "<slug:slug>/staff/practitioners/<int:practitioner_id>/credentials/",
        staff.credential_send,
        name="staff_credentials",
    ),
]
# --- proofs of treatment (Verified) ---
urlpatterns += [
    path("checks/proofs/", proofs.queue, name="proofs"),
    path("checks/proofs/<int:proof_id>/decision", proofs.decision, name="proof_decision"),
    path("checks/proofs/<int:proof_id>/document", proofs.document, name="proof_document"),
    path("reviews/<int:review_id>/proof/", proofs.proof_page, name="proof"),
]
# --- end proofs ---

# --- invitations ---
from cryoview.clinics.views import invitations  # noqa: E402

urlpatterns += [
    path("invitations/<str:token>/", invitations.invitation_landing, name="invitation"),
    path("invitations/<str:token>/review/<slug:procedure>/", invitations.invitation_review, name="invitation_review"),
    path("<slug:slug>/staff/invitations/", invitations.staff_invitations, name="staff_invitations"),
    path(
        "<slug:slug>/staff/invitations/<int:invitation_id>/revoke",
        invitations.staff_invitation_revoke,
        name="staff_invitation_revoke",
    ),
]
# --- end invitations ---

# --- replies ---
urlpatterns += [
    path("checks/replies/", replies.queue, name="reply_queue"),
    path("checks/replies/<int:reply_id>/decision", replies.decision, name="reply_decision"),
    path("reviews/<int:review_id>/answer/", replies.answer, name="reply_answer"),
    path("<slug:slug>/staff/reviews/", replies.staff_list, name="staff_reviews"),
    path("<slug:slug>/staff/reviews/<int:review_id>/reply/", replies.staff_reply, name="staff_reply"),
]
# --- end replies ---

# --- clinic reports ---
from cryoview.clinics.views import reports  # noqa: E402 - inside its block, so the blocks merge apart

urlpatterns += [
    path("<slug:slug>/staff/reviews/<int:review_id>/report/", reports.review_report, name="staff_report"),
]
# --- end clinic reports ---

# --- directory ---
urlpatterns += [
    path("", directory.directory, name="directory"),
    path("practitioners/<int:practitioner_id>/", directory.practitioner_detail, name="practitioner"),
    path("suggestions/", directory.suggestions, name="suggestions"),
    path("suggestions/<int:clinic_id>/decision", directory.suggestion_decision, name="suggestion_decision"),
    path("<slug:slug>/", directory.clinic_detail, name="detail"),
]
# --- end directory ---
