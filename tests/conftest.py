from __future__ import annotations

import pytest

from tests.browser import chromium_page


@pytest.fixture
def page():
    yield from chromium_page()


from cryoview.videos.tests.conftest import speech_wav, worker_factory  # noqa: E402,F401 - shared fixtures
