"""`python -m thawer` starts the service."""

from .main import run

run()
