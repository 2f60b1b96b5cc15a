"""Review extras: what an app above reviews adds to a review (where it was done, by whom, its label) without the
reviews app importing it (DESIGN rule 3: clinics is a higher floor).

An app registers one `ReviewExtra` in its AppConfig.ready() (as search registers its visibility listener). The
review form asks each extra for its fields and a template for its fieldset, and lets it check them; the service
that writes the review runs the extra's write in the same transaction (a refusal rolls the review back too); the
pages ask each extra for its display of a whole page of reviews at once, so a list costs the extra's few queries,
not one per review. With nothing registered the form, the list and the review page are exactly as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from django import forms

    from cryoview.accounts.models import User
    from cryoview.procedures.models import Procedure
    from cryoview.reviews.models import Review

# Where a review is shown: a card in a list, the review page above its text (with its facts), or the review page
# under its text (what answers the review: it never comes before the reviewer's own words).
Place = Literal["card", "page", "page_end"]
ReviewWrite = Callable[["Review"], None]


@dataclass(frozen=True)
class ExtraContext:
    """Whose form it is: the guide, the author, and the review being edited (None for a new one)."""

    procedure: Procedure
    author: User
    review: Review | None


@dataclass(frozen=True)
class ReviewExtra:
    """One app's part of a review.

    - `fields(context)`: the form fields it adds (their `initial` is the review's current value); their names
      must not clash with the review form's own.
    - `template`: renders the extra's fieldset from `form` (the whole review form) in the review form.
    - `clean(context, data)`: checks the cleaned values of its fields; raises django's ValidationError with a
      dict of field errors, or returns the write to run on the saved review (inside the review's transaction;
      it may raise ApplicationError naming its fields, and then nothing of the review is saved either).
    - `display(reviews, place)`: HTML per review id for a card or the review page, for all `reviews` at once
      (a fixed number of queries); a review it has nothing for is left out.
    - `replaces`: fields of the review form it supersedes: they leave the form and keep their stored value.
    """

    name: str
    fields: Callable[[ExtraContext], dict[str, forms.Field]]
    template: str
    clean: Callable[[ExtraContext, dict[str, Any]], ReviewWrite | None]
    display: Callable[[Sequence[Review], Place], Mapping[int, str]]
    replaces: tuple[str, ...] = ()


_extras: dict[str, ReviewExtra] = {}


def register_review_extra(extra: ReviewExtra) -> None:
    """Called once per process by an app's AppConfig.ready(); registering the same name again replaces it."""
    _extras[extra.name] = extra


def unregister_review_extra(name: str) -> None:
    """For tests that check the pages without any extra."""
    _extras.pop(name, None)


def review_extras() -> list[ReviewExtra]:
    return list(_extras.values())


def review_extras_html(*, reviews: Sequence[Review], place: Place) -> dict[int, SafeString]:
    """Every extra's display of these reviews, joined per review: {review id: HTML}. Empty without extras."""
    parts: dict[int, list[str]] = {}
    for extra in _extras.values():
        if not reviews:
            break
        for review_id, html in extra.display(reviews, place).items():
            parts.setdefault(review_id, []).append(html)
    # Each part is the extra's own template output, with user text escaped inside.
    return {
        review_id: format_html_join("", "{}", ((mark_safe(html),) for html in htmls))  # noqa: S308
        for review_id, htmls in parts.items()
    }
