#!/usr/bin/env python3
"""Django's command-line entry point; the settings module follows CRYOVIEW_ENVIRONMENT."""

import os
import sys


def main() -> None:
    from config.env import ConfigError, settings_module

    try:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module())
    except ConfigError as error:
        raise SystemExit(f"Cryoview configuration error: {error}") from None
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
