"""The directory on other pages: "Clinics offering this" on a guide."""

from __future__ import annotations

from typing import Any

from django import template

from cryoview.clinics.selectors.directory import clinics_offering

register = template.Library()

GUIDE_CLINICS = 5


@register.inclusion_tag("clinics/directory/_offering.html")
def clinics_offering_section(procedure: Any) -> dict[str, Any]:
    """A few listed clinics that offer the guide's procedure, by name, and a link to all of them (2 queries)."""
    clinics, total = clinics_offering(procedure=procedure, limit=GUIDE_CLINICS)
    return {"procedure": procedure, "clinics": clinics, "total": total}
