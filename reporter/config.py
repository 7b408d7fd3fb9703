"""Settings: build options from the command line and environment, checked once.

Input: parsed CLI options (``argparse.Namespace``) and the environment. Output: a frozen
``BuildConfig`` handed to ``reporter.pipeline``. Secrets never live here: tokens come from the
environment or the token store only when the fetch stage asks for them.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from reporter.dates import get_zone, parse_user_date
from reporter.errors import ConfigError, ReporterError, UsageError
from reporter.limits import MAX_RECORD_SECONDS
from reporter.render.options import DEFAULT_FORMATS, RenderOptions, default_page_size, parse_formats
from reporter.render.pdf import DEFAULT_VARIANT
from reporter.transform.award import parse_project_value
from reporter.transform.fx import FxRate, FxTable
from reporter.transform.gc_backlog import GcBacklog, parse_gc_backlog
from reporter.transform.model import Project, ReportContext
from reporter.transform.money import babel_locale, validate_currency


@dataclass(frozen=True)
class BuildConfig:
    out_dir: Path
    formats: tuple[str, ...] = DEFAULT_FORMATS
    context: ReportContext = field(default_factory=lambda: ReportContext(as_of=date.today()))
    render: RenderOptions = field(default_factory=RenderOptions)
    pdf_variant: str = DEFAULT_VARIANT
    debug: bool = False
    redact: str | None = None  # "financial": copies without bank and surety figures
    rules_file: str | None = None
    record_seconds: float = MAX_RECORD_SECONDS  # a record whose transform + render takes longer fails alone
    # Per-record contexts by company id (a bid package: each bidder's own price as the award, in
    # the project's currency); a record not listed uses ``context``.
    record_contexts: tuple[tuple[str, ReportContext], ...] = ()

    def for_record(self, company_id: str | None) -> BuildConfig:
        """The settings one record is built with: its own context when it has one."""
        for cid, ctx in self.record_contexts:
            if cid == company_id:
                return replace(self, context=ctx, record_contexts=())
        return self


def parse_decimal(text: str, option: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise UsageError(f"{option}: expected a number, got {text!r}") from None
    if not value.is_finite() or value < 0:
        raise UsageError(f"{option}: expected a positive number, got {text!r}")
    return value


def load_fx_rates(path: Path) -> FxTable:
    """Rates from CSV ``date,base,quote,rate`` (header optional) or JSON (a list of such objects)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"--fx-rates {path}: cannot read ({exc.strerror})") from None
    rows: list[dict] = []
    if text.lstrip().startswith(("[", "{")):
        try:
            doc = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"--fx-rates {path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
        rows = doc.get("rates", []) if isinstance(doc, dict) else doc
    else:
        reader = csv.reader(io.StringIO(text))
        for line in reader:
            if not line or line[0].strip().startswith("#"):
                continue
            if line[0].strip().lower() == "date":
                continue
            if len(line) != 4:
                raise ConfigError(f"--fx-rates {path}: line {reader.line_num}: expected date,base,quote,rate")
            rows.append(dict(zip(("date", "base", "quote", "rate"), (c.strip() for c in line), strict=False)))
    rates = []
    for i, row in enumerate(rows, start=1):
        try:
            rate = Decimal(str(row["rate"]))
            if rate <= 0:
                raise ValueError("rate must be positive")
            rates.append(
                FxRate(
                    day=parse_user_date(str(row["date"])),
                    base=validate_currency(row["base"], where=f"--fx-rates row {i}"),
                    quote=validate_currency(row["quote"], where=f"--fx-rates row {i}"),
                    rate=rate,
                )
            )
        except ReporterError as exc:
            raise ConfigError(f"--fx-rates {path}: {exc}") from None
        except (KeyError, ValueError, InvalidOperation, TypeError) as exc:
            raise ConfigError(f"--fx-rates {path}: row {i}: {exc or 'bad value'}") from None
    if not rates:
        raise ConfigError(f"--fx-rates {path}: no rates found")
    return FxTable(tuple(rates))


def _project_value(args) -> tuple[Decimal | None, str | None]:
    """``--project-value`` and ``--project-currency``: a bare number keeps its old meaning (the
    report currency); with an ISO currency the award is that currency, converted per record."""
    text, ccy = args.project_value, getattr(args, "project_currency", None)
    if not text:
        if ccy:
            raise UsageError("--project-currency needs --project-value")
        return None, None
    if ccy or any(c.isalpha() for c in text):
        award = parse_project_value(text, ccy)
        return award.amount, award.currency
    return parse_decimal(text, "--project-value"), None


def load_gc_backlog(path: Path) -> GcBacklog:
    """``--gc-backlog FILE``: the GC's own backlog with each sub (an ERP CSV export)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"--gc-backlog {path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"--gc-backlog {path}: not UTF-8 text") from None
    return parse_gc_backlog(text, source=f"--gc-backlog {path}")


def build_config_from_args(args) -> BuildConfig:
    formats = parse_formats(args.formats)
    try:
        zone_name = args.timezone
        get_zone(zone_name)
        as_of = parse_user_date(args.as_of) if args.as_of else datetime.now(get_zone(zone_name)).date()
        project_end = parse_user_date(args.project_end) if args.project_end else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    babel_locale(args.locale)
    currency = validate_currency(args.currency, where="--currency") if args.currency else None
    fx = load_fx_rates(Path(args.fx_rates)) if args.fx_rates else None
    value, value_ccy = _project_value(args)
    if fx and not currency and not value_ccy:
        raise UsageError("--fx-rates needs --currency (the currency to convert to) or an award currency (--project-value \"2500000 USD\")")
    project = Project(
        name=args.project_name,
        number=args.project_number,
        value=value,
        end=project_end,
        currency=value_ccy,
    )
    rules = None
    if getattr(args, "rules", None):
        from reporter.transform.rules_file import load_rules

        rules = load_rules(Path(args.rules))
    ctx_kwargs = dict(
        as_of=as_of,
        generated_at=datetime.now(UTC),
        timezone=zone_name,
        locale=args.locale,
        report_currency=currency,
        fx=fx,
        project=project,
        show_tax_id=args.show_tax_id,
        gc_backlog=load_gc_backlog(Path(args.gc_backlog)) if getattr(args, "gc_backlog", None) else None,
    )
    if rules is not None:
        ctx_kwargs["rules"] = rules
    for opt, path in (("--logo", args.logo), ("--style", args.style)):
        if path and not Path(path).is_file():
            raise UsageError(f"{opt}: no such file: {path}")
    templates = getattr(args, "templates", None)
    if templates and not Path(templates).is_dir():
        raise UsageError(f"--templates: no such folder: {templates}")
    return BuildConfig(
        out_dir=Path(args.out),
        formats=formats,
        context=ReportContext(**ctx_kwargs),
        render=RenderOptions(
            logo=Path(args.logo) if args.logo else None,
            style=Path(args.style) if args.style else None,
            page_size=getattr(args, "page_size", None) or default_page_size(args.locale),
            templates=Path(templates) if templates else None,
        ),
        pdf_variant=args.pdf_variant,
        debug=args.debug,
        rules_file=str(Path(args.rules).resolve()) if getattr(args, "rules", None) else None,
    )


def describe_config(config: BuildConfig) -> dict:
    """The settings a packet was built with, for the manifest (and for rebuilding it later)."""
    ctx = config.context
    p = ctx.project
    desc: dict[str, Any] = {
        "asOf": ctx.as_of.isoformat(),
        "timezone": ctx.timezone,
        "locale": ctx.locale,
        "currency": ctx.report_currency,
        "project": {
            "name": p.name,
            "number": p.number,
            "value": None if p.value is None else str(p.value),
            "end": p.end.isoformat() if p.end else None,
            "currency": p.currency,
        },
        "gcBacklog": ctx.gc_backlog.source.removeprefix("--gc-backlog ") if ctx.gc_backlog else None,
        "formats": list(config.formats),
        "pdfVariant": config.pdf_variant,
        "pageSize": config.render.page_size,
        "logo": str(Path(config.render.logo).resolve()) if config.render.logo else None,
        "style": str(Path(config.render.style).resolve()) if config.render.style else None,
        # Contents too: a new logo or stylesheet under the same name rebuilds the packets.
        "logoSha256": _file_sha256(str(config.render.logo)) if config.render.logo else None,
        "styleSha256": _file_sha256(str(config.render.style)) if config.render.style else None,
        "showTaxId": ctx.show_tax_id,
        "rulesFile": config.rules_file,
        "rulesSha256": _file_sha256(config.rules_file),
        "fxRates": [
            {"date": r.day.isoformat(), "base": r.base, "quote": r.quote, "rate": str(r.rate)}
            for r in (ctx.fx.rates if ctx.fx else ())
        ],
        "redact": config.redact,
    }
    if config.render.templates:  # only when given, so folders built without it keep their settings
        desc["templates"] = str(Path(config.render.templates).resolve())
        desc["templatesSha256"] = _folder_sha256(Path(config.render.templates))
    return desc


def _folder_sha256(folder: Path) -> str:
    """One SHA-256 over every file under ``folder`` (names and contents): an edited override
    template rebuilds the packets."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0")
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"(unreadable)")
    return h.hexdigest()


def _file_sha256(path: str | None) -> str | None:
    if not path:
        return None
    import hashlib

    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def config_from_manifest(build: dict, out_dir: Path, *, formats: tuple[str, ...], redact: str | None) -> BuildConfig:
    """The ``BuildConfig`` a folder was built with (its manifest's ``build``), to re-render it."""
    try:
        project = build.get("project") or {}
        fx_rows = build.get("fxRates") or []
        fx = FxTable(tuple(
            FxRate(parse_user_date(r["date"]), r["base"], r["quote"], Decimal(r["rate"])) for r in fx_rows
        )) if fx_rows else None
        ctx_kwargs: dict[str, Any] = dict(
            as_of=parse_user_date(build["asOf"]),
            timezone=build.get("timezone") or "UTC",
            locale=build.get("locale") or "en_US",
            report_currency=build.get("currency"),
            fx=fx,
            project=Project(
                name=project.get("name"),
                number=project.get("number"),
                value=Decimal(project["value"]) if project.get("value") else None,
                end=parse_user_date(project["end"]) if project.get("end") else None,
                currency=project.get("currency"),
            ),
            show_tax_id=bool(build.get("showTaxId")),
        )
    except (KeyError, ValueError, TypeError, InvalidOperation) as exc:
        raise ConfigError(f"{out_dir}/manifest.json: cannot read the build settings ({exc})") from None
    if build.get("gcBacklog"):
        ctx_kwargs["gc_backlog"] = load_gc_backlog(Path(build["gcBacklog"]))
    rules_file = build.get("rulesFile")
    if rules_file:
        from reporter.transform.rules_file import load_rules

        if _file_sha256(rules_file) != build.get("rulesSha256"):
            raise ConfigError(f"rules file {rules_file} changed or is gone since the folder was built; rebuild first")
        ctx_kwargs["rules"] = load_rules(Path(rules_file))
    return BuildConfig(
        out_dir=out_dir,
        formats=formats,
        context=ReportContext(**ctx_kwargs),
        pdf_variant=build.get("pdfVariant") or DEFAULT_VARIANT,
        render=RenderOptions(
            page_size=build.get("pageSize") or default_page_size(build.get("locale")),
            logo=Path(build["logo"]) if build.get("logo") and Path(build["logo"]).is_file() else None,
            style=Path(build["style"]) if build.get("style") and Path(build["style"]).is_file() else None,
            templates=Path(build["templates"]) if build.get("templates") and Path(build["templates"]).is_dir() else None,
        ),
        redact=redact,
        rules_file=rules_file,
    )
