"""Local use (`make run`): embedded defaults, a secret kept in the data folder."""

from .base import *  # noqa: F403
from .base import CONFIG, persistent_dev_secret

SECRET_KEY = CONFIG.secret_key or persistent_dev_secret(CONFIG.data_dir)
