"""`reporter fetch`: not built yet (see the open issues)."""

from __future__ import annotations

from reporter.errors import UsageError


def register(sub, common) -> None:
    p = sub.add_parser("fetch", parents=[common], help="(not available yet)")
    p.set_defaults(func=run)


def run(args) -> int:
    raise UsageError("'reporter fetch' is not available in this version yet")
