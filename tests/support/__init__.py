"""Shared test helpers (not tests): frameworks, matrix option sets, mpmath references, mapping rows."""
