from __future__ import annotations

import pytest

from cryoview.procedures.models import Procedure
from cryoview.videos.tests.conftest import clean_private_store  # noqa: F401 - shared fixture


@pytest.fixture
def massage(guides) -> Procedure:
    return Procedure.objects.get(slug="facial-cryomassage")


@pytest.fixture
def warts(guides) -> Procedure:
    return Procedure.objects.get(slug="cryodestruction-of-benign-growths")
