"""`gas-web` (or `python -m web`) runs the app under gunicorn."""

import os
import sys


def run() -> None:
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "-c", "python:web.gunicorn_conf",  # noqa: S606
                              "web.app:create_app()"])
