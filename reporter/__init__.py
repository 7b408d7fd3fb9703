"""reporter: TradeTapp subcontractor prequalification packets (PDF + Excel), as a library and a command.

Stages, each importing only the ones before it: the ground floor (``errors``, ``dates``, ``jsonio``,
``fsio``, ``tax_ids``, ``limits``) -> fetch (``reporter.api``) -> transform (``reporter.transform``) ->
render (``reporter.render``) -> deliver (``reporter.deliver``) -> ``pipeline`` and the batch
(``reporter.batch``) -> commands (``reporter.commands``, ``reporter.cli``).

The library facade (the names in ``__all__``) is what the commands themselves call::

    from reporter import load_records, build_report, render_packet, BuildConfig, ReportContext

Its names are imported on first use (PEP 562 ``__getattr__``), so ``import reporter`` stays as cheap
as the command line needs: WeasyPrint, openpyxl and httpx load only when a stage that needs them runs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module that defines it
_FACADE = {
    "load_records": "reporter.api.saved",  # saved JSON file -> [SourceRecord]
    "validate_record": "reporter.api.saved",  # a raw dict (API body) -> SourceRecord
    "fetch_records": "reporter.api.fetch",  # async: TradeTapp API -> FetchResult per company
    "build_report": "reporter.transform.report",  # Qualification + ReportContext -> Report
    "Report": "reporter.transform.model",
    "ReportContext": "reporter.transform.model",
    "Project": "reporter.transform.model",
    "render_packet": "reporter.pipeline",  # SourceRecord + BuildConfig -> Packet (bytes per format)
    "BuildConfig": "reporter.config",
    "run_batch": "reporter.batch",  # async: many records -> files, manifest, leveling workbook
    "read_manifest": "reporter.deliver.manifest",
    "verify_folder": "reporter.deliver.verify",  # a built folder -> (files checked, problems)
    "ReporterError": "reporter.errors",
}
_ALIASES = {"load_records": "load_file"}

__all__ = [  # the same names as _FACADE (a test holds them together), spelled out for linters and readers
    "__version__", "load_records", "validate_record", "fetch_records", "build_report", "Report", "ReportContext",
    "Project", "render_packet", "BuildConfig", "run_batch", "read_manifest", "verify_folder", "ReporterError",
]


def __getattr__(name: str) -> Any:
    module = _FACADE.get(name)
    if module is None:
        raise AttributeError(f"module 'reporter' has no attribute {name!r}")
    value = getattr(import_module(module), _ALIASES.get(name, name))
    globals()[name] = value  # the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # for type checkers and editors: the same names, eagerly
    from reporter.api.fetch import fetch_records
    from reporter.api.saved import load_file as load_records
    from reporter.api.saved import validate_record
    from reporter.batch import run_batch
    from reporter.config import BuildConfig
    from reporter.deliver.manifest import read_manifest
    from reporter.deliver.verify import verify_folder
    from reporter.errors import ReporterError
    from reporter.pipeline import render_packet
    from reporter.transform.model import Project, Report, ReportContext
    from reporter.transform.report import build_report
