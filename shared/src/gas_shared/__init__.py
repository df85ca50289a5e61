"""GAS shared code: the versioned message schemas and the common service runtime."""

__version__ = "0.1.0"
