"""Fetch stage: the saved financials and flags that sit beside a saved qualification record.

Input: the path of a saved record (``DIR/<name>.json``). Output: ``SideFiles`` -- the paths and the
parsed bodies of ``DIR/<name>.financials.json`` (TradeTapp's ``GET /financials/{id}`` body, or the
recorded 404 ``{"notFound": true, "status": 404, "detail": "..."}``) and ``DIR/<name>.flags.json``
(one ``GET /flags`` list page, all flags of the company, ``include=stateHistory``). A side file that
is absent is ``None`` (not fetched); a bad one raises a one-line ``InputError`` naming it.

``SideDocs`` is the same pair of bodies as fetched online (``reporter.api.fetch``), picklable for a
worker; ``save_side_docs`` writes them beside a saved record and ``parse_side_docs`` reads them the
way ``side_files_for`` reads the files, so an online build and an offline build of what
``reporter fetch`` wrote hold the same facts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reporter.errors import InputError
from reporter.fsio import atomic_write
from reporter.jsonio import dumps_exact, loads_exact

if TYPE_CHECKING:
    from reporter.api.financials_models import Financials, FlagPage

# The pydantic models of the side files (``reporter.api.financials_models``) and the validation
# error text (``reporter.api.saved``) are imported where a side file is validated, not here: every
# build imports this module to look for side files, and most records have none.

FINANCIALS_SUFFIX = ".financials.json"
FLAGS_SUFFIX = ".flags.json"
SIDE_SUFFIXES = (FINANCIALS_SUFFIX, FLAGS_SUFFIX)


def is_side_file(path: str | Path) -> bool:
    """True for ``*.financials.json`` and ``*.flags.json``: inputs of a record, not records."""
    return Path(path).name.lower().endswith(SIDE_SUFFIXES)


@dataclass(frozen=True)
class SideFiles:
    """What was saved beside one record. ``financials_not_found`` is the recorded 404 (TradeTapp
    holds no statements for the sub); ``financials`` is then ``None``, as it is when no file exists."""

    financials_path: Path | None = None
    financials_raw: dict[str, Any] | None = None
    financials: Financials | None = None
    financials_not_found: bool = False
    flags_path: Path | None = None
    flags_raw: dict[str, Any] | None = None
    flags: FlagPage | None = None


def side_paths(record_path: str | Path) -> tuple[Path, Path]:
    """``(financials, flags)`` paths beside ``DIR/<name>.json``."""
    p = Path(record_path)
    stem = p.name[: -len(".json")] if p.name.lower().endswith(".json") else p.name
    return p.with_name(stem + FINANCIALS_SUFFIX), p.with_name(stem + FLAGS_SUFFIX)


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = loads_exact(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(doc, dict):
        raise InputError(f"{path}: expected a JSON object, got {type(doc).__name__}")
    return doc


@dataclass(frozen=True)
class SideDocs:
    """The raw bodies beside one record: the financials body (or recorded 404) and the flags list
    page; ``None`` for one not fetched. ``where`` names where they came from in errors."""

    financials: dict[str, Any] | None = None
    flags: dict[str, Any] | None = None
    financials_where: str = "TradeTapp financials"
    flags_where: str = "TradeTapp flags"

    @classmethod
    def of(cls, side: SideFiles) -> SideDocs:
        return cls(side.financials_raw, side.flags_raw, str(side.financials_path or "TradeTapp financials"),
                   str(side.flags_path or "TradeTapp flags"))

    def canonical(self) -> str:
        """A stable text of both bodies (for the packet's source fingerprint)."""
        return dumps_exact({"financials": self.financials, "flags": self.flags}, indent=None)


def save_side_docs(docs: SideDocs, record_path: str | Path) -> list[Path]:
    """Write the fetched bodies beside ``record_path`` (atomically, exact numbers); return the paths."""
    financials_path, flags_path = side_paths(record_path)
    written = []
    for body, path in ((docs.financials, financials_path), (docs.flags, flags_path)):
        if body is not None:
            atomic_write(path, (dumps_exact(body) + "\n").encode("utf-8"))
            written.append(path)
    return written


def parse_side_docs(docs: SideDocs, company_id: str | None = None) -> SideFiles:
    """``SideFiles`` of raw bodies, checked as ``side_files_for`` checks files (``InputError``
    naming ``docs.*_where``)."""
    found: dict[str, Any] = {}
    if docs.financials is not None:
        found.update(_financials_of(docs.financials, docs.financials_where, company_id))
    if docs.flags is not None:
        found.update(_flags_of(docs.flags, docs.flags_where, company_id))
    return SideFiles(**found)


def _financials(path: Path, company_id: str | None) -> dict[str, Any]:
    found = _financials_of(_read(path), str(path), company_id)
    return {**found, "financials_path": path}


def _financials_of(raw: dict[str, Any], path: str, company_id: str | None) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InputError(f"{path}: expected a JSON object, got {type(raw).__name__}")
    if raw.get("notFound") is True:
        if raw.get("status") != 404:
            raise InputError(f"{path}: a recorded not-found answer must have \"status\": 404")
        return {"financials_raw": raw, "financials_not_found": True}
    from pydantic import ValidationError

    from reporter.api.financials_models import Financials
    from reporter.api.saved import describe_validation_error

    try:
        model = Financials.model_validate(raw)
    except ValidationError as exc:
        raise InputError(f"{path}: {describe_validation_error(exc)}") from None
    if company_id and model.id and model.id != company_id:
        raise InputError(f"{path}: financials of company {model.id}, but the record is {company_id}")
    return {"financials_raw": raw, "financials": model}


def _flags(path: Path, company_id: str | None) -> dict[str, Any]:
    found = _flags_of(_read(path), str(path), company_id)
    return {**found, "flags_path": path}


def _flags_of(raw: dict[str, Any], path: str, company_id: str | None) -> dict[str, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("results"), list):
        raise InputError(f"{path}: expected a flags list page with a 'results' list")
    from pydantic import ValidationError

    from reporter.api.financials_models import FlagPage
    from reporter.api.saved import describe_validation_error

    try:
        page = FlagPage.model_validate(raw)
    except ValidationError as exc:
        raise InputError(f"{path}: {describe_validation_error(exc)}") from None
    if company_id:
        for i, flag in enumerate(page.results):
            if flag.company and flag.company.id and flag.company.id != company_id:
                raise InputError(f"{path}: results[{i}] is a flag on company {flag.company.id}, not {company_id}")
    return {"flags_raw": raw, "flags": page}


def side_files_for(record_path: str | Path, company_id: str | None = None) -> SideFiles:
    """The side files beside a saved record; ``company_id`` (the record's id) is checked against
    the ids inside them when given."""
    financials_path, flags_path = side_paths(record_path)
    found: dict[str, Any] = {}
    if financials_path.is_file():
        found.update(_financials(financials_path, company_id))
    if flags_path.is_file():
        found.update(_flags(flags_path, company_id))
    return SideFiles(**found)


@dataclass(frozen=True)
class SideOptions:
    """Which side endpoints a run reads (``--no-financials`` / ``--no-flags`` turn them off)."""

    financials: bool = True
    flags: bool = True

    @property
    def any(self) -> bool:
        return self.financials or self.flags
