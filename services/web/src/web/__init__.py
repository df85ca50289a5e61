"""GAS web service: pages, JSON API and health, served by gunicorn."""
