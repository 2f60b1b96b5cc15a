from cryoview.reviews.tests.conftest import massage  # noqa: F401 - shared fixture
from cryoview.videos.tests.conftest import clean_private_store  # noqa: F401 - shared fixture
