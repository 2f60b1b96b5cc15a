"""The directory on other pages: "Clinics offering this" on a guide."""

from __future__ import annotations

from typing import Any

from django import template

from cryoview.clinics.selectors.directory import clinics_offering
from cryoview.core.pagecache import per_generation
from cryoview.procedures.selectors import procedure_scope

register = template.Library()

GUIDE_CLINICS = 5


@register.inclusion_tag("clinics/directory/_offering.html")
def clinics_offering_section(procedure: Any) -> dict[str, Any]:
    """A few listed clinics that offer the guide's procedure, by name, and a link to all of them. Read once per
    generation of the guide's cache scope in each process (one query); listing or editing a clinic bumps it."""

    def read() -> tuple[list[dict[str, str]], int]:
        clinics, total = clinics_offering(procedure=procedure, limit=GUIDE_CLINICS)
        return [{"name": c.name, "city": c.city, "url": c.get_absolute_url()} for c in clinics], total

    clinics, total = per_generation(procedure_scope(procedure.slug), f"guide-clinics:{procedure.pk}", read)
    return {"procedure": procedure, "clinics": clinics, "total": total}
