"""GAS annotator service."""
