"""GAS archiver service."""
