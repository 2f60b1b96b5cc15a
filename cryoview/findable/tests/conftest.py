from cryoview.reviews.tests.conftest import massage, warts  # noqa: F401 - shared fixtures
from cryoview.videos.tests.conftest import clean_private_store  # noqa: F401 - shared fixture
