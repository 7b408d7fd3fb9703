"""Deliver stage: files named for project records, the manifest with checksums, mail, and filing
into ACC Docs (``acc_*``)."""
