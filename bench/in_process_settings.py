"""The environment the in-process tools (inprocess.py, ab.py) run the project with: production
settings (DEBUG off), a throwaway secret key, loopback host, no answer cache, so that a timed
request is the server's own work for an anonymous reader."""

from __future__ import annotations

import os


def apply() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-in-process-" + "x" * 50)
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["CACHE_URL"] = ""
    os.environ["GRAPHQL_ANSWER_CACHE_SECONDS"] = "0"
