"""Settings of bench/pages.py: the product's own settings, as manage.py picks them from CRYOVIEW_ENVIRONMENT
(same middleware, same database and cache), with a URLconf that adds one trivial view."""

from __future__ import annotations

from importlib import import_module

from config.env import settings_module

_product = import_module(settings_module())
globals().update({name: value for name, value in vars(_product).items() if name.isupper()})

ROOT_URLCONF = "bench.trivial_urls"
