"""`python -m web` starts gunicorn."""

from .main import run

run()
