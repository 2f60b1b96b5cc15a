from __future__ import annotations

import pytest

from cryoview.procedures.models import Procedure
from cryoview.reviews.tests.conftest import massage, warts  # noqa: F401 - shared fixtures


@pytest.fixture
def phoresis(guides) -> Procedure:
    return Procedure.objects.get(slug="cryoelectrophoresis")
