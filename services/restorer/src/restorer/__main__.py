"""`python -m restorer` starts the service."""

from .main import run

run()
