from __future__ import annotations

import pytest

from cryoview.procedures.models import Procedure


@pytest.fixture
def massage(guides) -> Procedure:
    return Procedure.objects.get(slug="facial-cryomassage")


@pytest.fixture
def warts(guides) -> Procedure:
    return Procedure.objects.get(slug="cryodestruction-of-benign-growths")


@pytest.fixture
def phoresis(guides) -> Procedure:
    return Procedure.objects.get(slug="cryoelectrophoresis")
