"""Checking an upload: the reader (blocks of bytes), the column rules of the fast path, the validator."""
