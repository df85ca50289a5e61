"""GAS thawer service."""
