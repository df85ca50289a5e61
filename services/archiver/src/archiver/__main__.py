"""`python -m archiver` starts the service."""

from .main import run

run()
