"""Deliver stage: files named for project records, the manifest with checksums, and mail."""
