"""GAS restorer service."""
