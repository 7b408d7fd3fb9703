"""Data files shipped in the wheel (BLS rates table, README rule rows); no code."""
