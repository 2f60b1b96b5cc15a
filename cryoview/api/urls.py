from __future__ import annotations

from ninja import NinjaAPI

from cryoview.api import (
    accounts,
    clinic_staff,
    comments,
    moderation,
    problems,
    procedures,
    reviews,
    search,
    suitability,
    videos,
)
from cryoview.api.auth import require_session_csrf
from cryoview.api.clinic_invitations import router as clinic_invitations_router
from cryoview.api.clinic_proofs import router as clinic_proofs_router
from cryoview.api.clinic_replies import router as clinic_replies_router
from cryoview.api.clinic_reports import router as clinic_reports_router
from cryoview.api.clinics import router as clinics_router

api = NinjaAPI(
    title="Cryoview API",
    version="1",
    description="Sourced cryotherapy guides. Errors are problem details (RFC 9457) naming the field.",
    urls_namespace="api",
    docs_url="/docs",
)
problems.install(api)
# "view" mode wraps the whole operation, before the body is parsed (ninja 1.x: "operation" wraps only the handler).
api.add_decorator(require_session_csrf, mode="view")  # before routers are added: every operation inherits it
api.add_router("", procedures.router)
api.add_router("", suitability.router)
api.add_router("", videos.router)
api.add_router("", reviews.router)
api.add_router("", comments.router)
api.add_router("", moderation.router)
api.add_router("", accounts.router)
api.add_router("", search.router)
api.add_router("", clinic_staff.router)
api.add_router("", clinic_proofs_router)
api.add_router("", clinics_router)
api.add_router("", clinic_invitations_router)
api.add_router("", clinic_reports_router)
api.add_router("", clinic_replies_router)
