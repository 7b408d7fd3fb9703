"""Deliver stage: file names for project records.

Input: a ``--name-pattern`` (fields ``{companyName}``, ``{companyId}``, ``{uniqueId}``,
``{projectNumber}``, ``{projectName}``, ``{asOf}``) and each record. Output: stable, safe base names
(ASCII letters, digits, ``-``, ``_``; no separators or ``..``; Windows-safe; at most 120 characters),
unique within a run.

Default: ``{companyName}_{companyId}``; with a project given,
``{projectNumber}_{companyName}_PreQual_{asOf}``.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any

from reporter.deliver.files import _WINDOWS_RESERVED, MAX_NAME, safe_name, slugify
from reporter.errors import UsageError

FIELDS = ("companyName", "companyId", "uniqueId", "projectNumber", "projectName", "asOf")
DEFAULT = "{companyName}_{companyId}"
DEFAULT_WITH_PROJECT = "{projectNumber}_{companyName}_PreQual_{asOf}"


def check_pattern(pattern: str) -> str:
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise UsageError(f"--name-pattern: {exc}") from None
    fields = [f for _, f, spec, conv in parts if f is not None]
    unknown = [f for f in fields if f not in FIELDS]
    if unknown or not fields:
        raise UsageError(
            f"--name-pattern: unknown field {{{unknown[0]}}}; use {', '.join('{' + f + '}' for f in FIELDS)}"
            if unknown else "--name-pattern: name at least one field, e.g. {companyName}"
        )
    for _, f, spec, _conv in parts:
        if f is None:
            continue
        widths = [int(w) for w in re.findall(r"\d+", spec or "")]
        if any(w > MAX_NAME for w in widths):
            raise UsageError(f"--name-pattern: {{{f}:{spec}}}: widths above {MAX_NAME} (the longest file name) are not allowed")
    try:  # every field is text: a spec for numbers ({companyName:d}) is a usage error, not a crash later
        pattern.format(**{f: "x" for f in FIELDS})
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise UsageError(f"--name-pattern: {pattern!r}: {exc}") from None
    return pattern


@dataclass(frozen=True)
class NamePattern:
    pattern: str = DEFAULT
    project_number: str | None = None
    project_name: str | None = None
    as_of: str = ""

    @classmethod
    def for_config(cls, config, pattern: str | None = None) -> NamePattern:
        p = config.context.project
        if pattern is None:
            pattern = DEFAULT_WITH_PROJECT if (p.number or p.name) else DEFAULT
        return cls(check_pattern(pattern), p.number, p.name, config.context.as_of.isoformat())

    def base(self, raw: dict[str, Any]) -> str:
        if self.pattern == DEFAULT:
            return safe_name(raw.get("companyName"), raw.get("id"))
        values = {
            "companyName": slugify(raw.get("companyName"), 60),
            "companyId": slugify(raw.get("id"), 40) if raw.get("id") else "noid",
            "uniqueId": slugify(raw.get("uniqueId"), 40) if raw.get("uniqueId") else "nouid",
            # a project known by name only: its name stands where its number would (not "noproject")
            "projectNumber": slugify(self.project_number or self.project_name, 30)
            if (self.project_number or self.project_name) else "noproject",
            "projectName": slugify(self.project_name, 40) if self.project_name else "noproject",
            "asOf": self.as_of,
        }
        text = self.pattern.format(**values)
        name = "".join(c if c.isalnum() and c.isascii() or c in "-_" else "-" for c in text).strip("-_")
        while "--" in name:
            name = name.replace("--", "-")
        name = (name or "company")[:MAX_NAME]
        if name.upper() in _WINDOWS_RESERVED:  # "con.pdf" cannot be opened on Windows
            name = "_" + name
        return name

    def unique(self, raw: dict[str, Any], used: set[str]) -> str:
        """The record's name, with ``-2``, ``-3``... when another record of the run has it."""
        base = self.base(raw)
        name, n = base, 2
        while name.lower() in used:
            suffix = f"-{n}"
            name = base[: MAX_NAME - len(suffix)] + suffix
            n += 1
        used.add(name.lower())
        return name

    def leveling_name(self) -> str:
        return "leveling.xlsx"
