from cryoview.reviews.tests.conftest import massage, warts  # noqa: F401 - shared fixtures
