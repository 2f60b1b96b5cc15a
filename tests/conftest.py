from __future__ import annotations

import pytest

from tests.browser import chromium_page


@pytest.fixture
def page():
    yield from chromium_page()
