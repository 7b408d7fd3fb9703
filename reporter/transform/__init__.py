"""Transform stage: pure functions from validated wire models to a ``Report`` (no I/O)."""
