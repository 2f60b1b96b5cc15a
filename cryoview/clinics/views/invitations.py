"""Invitations: the staff's page (create links, send a CSV batch, see the counts, revoke), and the patient's side
(the link's landing page and the review form it leads to).

The invited review is written on its own address (`/clinics/invitations/<token>/review/<procedure>/`), with the
review app's own form and service: the token stays in the address across the whole visit (and across sign-in,
through `?next=`), and is checked on the server again when the review is saved, inside the review's transaction
(invitation_redeem). The clinic is preset to the inviting clinic and cannot be changed there.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from cryoview.accounts.models import User
from cryoview.clinics.forms_invitations import InvitationCsvForm, InvitationLinkForm
from cryoview.clinics.forms_staff import add_problems
from cryoview.clinics.models import Clinic, Invitation
from cryoview.clinics.permissions import is_staff_of
from cryoview.clinics.selectors.invitations import (
    invitation_batches,
    invitation_by_token,
    invitation_for_staff,
    invitation_problem,
    invitation_procedures,
    invitations_open,
)
from cryoview.clinics.selectors.staff import clinic_for_staff
from cryoview.clinics.services.invitations import (
    INVITATION_DAYS,
    CreatedInvitations,
    invitation_links_create,
    invitation_mail_text,
    invitation_redeem,
    invitation_revoke,
    invitations_csv_parse,
    invitations_send,
)
from cryoview.core.errors import ApplicationError
from cryoview.procedures.models import Procedure
from cryoview.reviews.enums import ReviewStatus
from cryoview.reviews.extras import ExtraContext
from cryoview.reviews.forms import ReviewForm
from cryoview.reviews.models import Review
from cryoview.reviews.selectors import review_of, side_effect_choices
from cryoview.reviews.services import review_create
from cryoview.videos.selectors import videos_of

SAMPLE_TOKEN = "…"  # noqa: S105  (the e-mail as patients get it, shown to staff with a placeholder link)

# --- the staff's page --------------------------------------------------------------------------------------------


def _staff_clinic(request: HttpRequest, slug: str) -> tuple[User, Clinic]:
    """The clinic when the visitor is its approved staff; a 404 for everyone else (as the console does)."""
    user = request.user if isinstance(request.user, User) else None
    clinic = clinic_for_staff(slug=slug, user=user)
    if user is None or clinic is None:
        raise Http404("No such page.")
    return user, clinic


def _staff_page(
    request: HttpRequest,
    clinic: Clinic,
    *,
    link_form: InvitationLinkForm,
    csv_form: InvitationCsvForm,
    status: int = 200,
    created: CreatedInvitations | None = None,
) -> HttpResponse:
    tokens = [token for _, token in created.links] if created else []
    links = [request.build_absolute_uri(reverse("clinics:invitation", args=[token])) for token in tokens]
    sample_subject, sample_body = invitation_mail_text(clinic=clinic, token=SAMPLE_TOKEN)
    context = {
        "clinic": clinic,
        "link_form": link_form,
        "csv_form": csv_form,
        "links": links,
        "batches": invitation_batches(clinic=clinic),
        "open": invitations_open(clinic=clinic),
        "days": INVITATION_DAYS,
        "sample_subject": sample_subject,
        "sample_body": sample_body,
    }
    response = render(request, "clinics/invitations/staff.html", context, status=status)
    if links:
        response["Cache-Control"] = "no-store"  # the link is shown once
    return response


@require_http_methods(["GET", "POST"])
def staff_invitations(request: HttpRequest, slug: str) -> HttpResponse:
    user, clinic = _staff_clinic(request, slug)
    action = request.POST.get("action") if request.method == "POST" else None
    link_form = InvitationLinkForm(request.POST if action == "link" else None, clinic=clinic, prefix="link")
    csv_form = InvitationCsvForm(
        request.POST if action == "csv" else None,
        request.FILES if action == "csv" else None,
        clinic=clinic,
        prefix="csv",
    )
    if request.method == "GET":
        return _staff_page(request, clinic, link_form=link_form, csv_form=csv_form)
    status = 422
    if action == "link" and link_form.is_valid():
        try:
            created = invitation_links_create(clinic=clinic, by=user, procedure=link_form.cleaned_data["procedure"])
        except ApplicationError as error:
            add_problems(link_form, error)
        else:
            return _staff_page(request, clinic, link_form=link_form, csv_form=csv_form, status=201, created=created)
    elif action == "csv" and csv_form.is_valid():
        try:
            addresses = invitations_csv_parse(data=csv_form.file_bytes(), field="file")
            created = invitations_send(
                clinic=clinic,
                by=user,
                addresses=addresses,
                procedure=csv_form.cleaned_data["procedure"],
                field="file",
            )
        except ApplicationError as error:
            add_problems(csv_form, error)
            status = error.status  # 503 when the mail server failed: the user is told to try again
        else:
            messages.success(request, f"{created.count} invitations sent, one e-mail each.")
            return redirect("clinics:staff_invitations", slug=clinic.slug)
    elif action not in ("link", "csv"):
        messages.error(request, "Choose what to do: create a link or send invitations from a file.")
    return _staff_page(request, clinic, link_form=link_form, csv_form=csv_form, status=status)


@require_POST
def staff_invitation_revoke(request: HttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    user, clinic = _staff_clinic(request, slug)
    invitation = invitation_for_staff(clinic=clinic, invitation_id=invitation_id)
    if invitation is None:
        raise Http404("No such invitation.")
    try:
        invitation_revoke(invitation=invitation, by=user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The invitation is revoked: its link no longer works.")
    return redirect("clinics:staff_invitations", slug=clinic.slug)


# --- the patient's side ------------------------------------------------------------------------------------------


def _gone(request: HttpRequest, invitation: Invitation | None) -> HttpResponse | None:
    """The kind page for a link that does not work (404 unknown, 410 used, revoked or expired), else None."""
    if invitation is None:
        context: dict[str, object] = {
            "title": "This invitation link is not known",
            "message": "Please check that the whole link was "
            "copied. You can still review any procedure from its guide.",
        }
        return render(request, "clinics/invitations/gone.html", context, status=404)
    problem = invitation_problem(invitation)
    if problem is None:
        return None
    context = {
        "title": problem.message,
        "message": "You can still review the procedure from its guide, without the clinic's invitation.",
        "clinic": invitation.clinic,
    }
    return render(request, "clinics/invitations/gone.html", context, status=410)


def _own_clinic(request: HttpRequest, invitation: Invitation) -> HttpResponse | None:
    user = request.user if isinstance(request.user, User) else None
    if user is not None and is_staff_of(user, invitation.clinic):
        context = {
            "title": "Staff cannot review their own clinic from its invitation",
            "message": "This link is "
            "for the clinic's patients. Nothing was used up: give it to the patient it was made for.",
        }
        return render(request, "clinics/invitations/gone.html", context, status=403)
    return None


def invitation_landing(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_by_token(token=token)
    refused = _gone(request, invitation) or _own_clinic(request, invitation)  # type: ignore[arg-type]
    if refused is not None:
        return refused
    assert invitation is not None
    procedures = invitation_procedures(invitation=invitation)
    here = request.get_full_path()
    if request.user.is_authenticated and len(procedures) == 1:
        return redirect("clinics:invitation_review", token=token, procedure=procedures[0].slug)
    back = urlencode({"next": here})
    context = {
        "clinic": invitation.clinic,
        "procedures": procedures,
        "token": token,
        "expires_at": invitation.expires_at,
        "login_url": f"{reverse('account_login')}?{back}",
        "signup_url": f"{reverse('account_signup')}?{back}",
    }
    response = render(request, "clinics/invitations/landing.html", context)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"  # the token is in the address: never sent to another site
    return response


def _videos(user: User) -> list:  # type: ignore[type-arg]
    """The member's videos not yet used by a review (as the review form offers them)."""
    taken = set(
        Review.objects.filter(author=user, video__isnull=False)
        .exclude(status=ReviewStatus.WITHDRAWN)
        .values_list("video_id", flat=True)
    )
    return [v for v in videos_of(user=user) if not v.is_failed and v.pk not in taken]


def _preset_clinic(form: ReviewForm, invitation: Invitation) -> None:
    """The inviting clinic, and only it; no suggestion of another one."""
    clinic = invitation.clinic
    if "clinic" in form.fields:
        form.fields["clinic"].choices = [(clinic.slug, f"{clinic.name}, {clinic.city}")]  # type: ignore[attr-defined]
        form.fields["clinic"].help_text = "Set by the clinic's invitation."
        form.initial["clinic"] = clinic.slug
    for name in ("new_clinic_name", "new_clinic_city", "new_clinic_country"):
        if name in form.fields:
            form.fields[name].disabled = True


@login_required
@require_http_methods(["GET", "POST"])
def invitation_review(request: HttpRequest, token: str, procedure: str) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    invitation = invitation_by_token(token=token)
    refused = _gone(request, invitation) or _own_clinic(request, invitation)  # type: ignore[arg-type]
    if refused is not None:
        return refused
    assert invitation is not None
    offered = invitation_procedures(invitation=invitation)
    chosen: Procedure | None = next((p for p in offered if p.slug == procedure), None)
    if chosen is None:
        raise Http404("The clinic's invitation is not for this procedure.")
    existing = review_of(user=user, procedure=chosen)
    if existing is not None:
        context = {
            "title": "You have already reviewed this procedure",
            "message": "An invitation is for a new review; your review stays as it is. The link was not used up.",
            "review": existing,
        }
        return render(request, "clinics/invitations/gone.html", context, status=409)
    form = ReviewForm(
        request.POST or None,
        side_effects=side_effect_choices(procedure=chosen),
        videos=_videos(user),
        extra_context=ExtraContext(procedure=chosen, author=user, review=None),
    )
    _preset_clinic(form, invitation)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            submit = request.POST.get("action") != "draft"

            def redeem(review: Review) -> None:
                invitation_redeem(token=token, review=review, by=user)

            try:
                review = review_create(
                    author=user,
                    procedure=chosen,
                    data=form.to_input(),
                    consent=form.cleaned_data["consent"],
                    submit=submit,
                    extra_writes=[*form.extra_writes, redeem],
                )
            except ApplicationError as error:
                form.add_problems(error)
            else:
                messages.success(request, "Thank you. A moderator will check your review before it is published.")
                return redirect("reviews:detail", review_id=review.pk)
        status = 422
    messages.info(
        request,
        f"You are reviewing {chosen.name} at {invitation.clinic.name}, from the clinic's invitation. Any honest "
        "review, good or bad, is welcome; the clinic does not see it before it is published, and cannot change it.",
    )
    context = {
        "procedure": chosen,
        "form": form,
        "review": None,
        "max_bytes": settings.CONFIG.upload_max_bytes,
        "max_minutes": settings.CONFIG.video_max_seconds // 60,
    }
    response = render(request, "reviews/form.html", context, status=status)
    response["Referrer-Policy"] = "same-origin"  # (no-referrer would make the POST's Origin null: a CSRF failure)
    return response
