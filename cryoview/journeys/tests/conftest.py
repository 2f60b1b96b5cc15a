from __future__ import annotations

from cryoview.reviews.tests.conftest import massage  # noqa: F401 - shared fixture
from cryoview.videos.tests.conftest import (  # noqa: F401 - shared fixtures
    clean_private_store,
    clip,
    speaking_media,
    speech_wav,
)
