"""Removing secrets from what gets logged. No imports: gunicorn's config loads this too."""

import re

SECRET_PATH = re.compile(r"^(/auth/(?:reset|invite)/)[^/?]+")


def loggable_path(path: str) -> str:
    """The path with the secret part of reset and invitation links replaced."""
    return SECRET_PATH.sub(r"\1[redacted]", path)
