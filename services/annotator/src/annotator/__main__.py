"""`python -m annotator` starts the service."""

from .main import run

run()
