"""Transform stage: trade-aware safety benchmarks (BLS recordable and DART rates by NAICS trade).

Input: the record's CSI MasterFormat codes (``csiCodesForWorkPerformed``: objects or dicts with
``primaryCode``/``secondaryCode``/``codeDescription``, or plain strings such as ``"26 05 19"``),
a pooled TRIR or DART and the rate table shipped in ``reporter/data/bls_soii_construction.toml``.
Output: a ``TradeBenchmark`` (the trade, its BLS rates, survey year, source and, where a figure
had to come from a parent industry, a ``fallback_note`` saying so) and a ``RateJudgement``.

The table holds only sourced figures (see the data file); a trade without its own figure uses its
parent NAICS, then all construction (NAICS 23), and says so. Never invent a rate here.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

CONSTRUCTION = "23"
DATA_FILE = "bls_soii_construction.toml"

# NAICS 2022 titles for the trades this module maps to (titles only, no figures).
NAICS_TITLES: dict[str, str] = {
    "23": "Construction",
    "236": "Construction of buildings",
    "2361": "Residential building construction",
    "2362": "Nonresidential building construction",
    "237": "Heavy and civil engineering construction",
    "2371": "Utility system construction",
    "2373": "Highway, street, and bridge construction",
    "238": "Specialty trade contractors",
    "2381": "Foundation, structure, and building exterior contractors",
    "23811": "Poured concrete foundation and structure contractors",
    "23812": "Structural steel and precast concrete contractors",
    "23813": "Framing contractors",
    "23814": "Masonry contractors",
    "23815": "Glass and glazing contractors",
    "23816": "Roofing contractors",
    "23817": "Siding contractors",
    "23819": "Other foundation, structure, and building exterior contractors",
    "2382": "Building equipment contractors",
    "23821": "Electrical contractors and other wiring installation contractors",
    "23822": "Plumbing, heating, and air-conditioning contractors",
    "23829": "Other building equipment contractors",
    "2383": "Building finishing contractors",
    "23831": "Drywall and insulation contractors",
    "23832": "Painting and wall covering contractors",
    "23833": "Flooring contractors",
    "23834": "Tile and terrazzo contractors",
    "23835": "Finish carpentry contractors",
    "2389": "Other specialty trade contractors",
    "23891": "Site preparation contractors",
    "23899": "All other specialty trade contractors",
}

# CSI MasterFormat (2016) division -> NAICS trade; (division, first two digits of the level-2
# code) entries refine a division. Chosen by what the work is, per the NAICS 2022 definitions.
CSI_DIVISIONS: dict[str, str] = {
    "01": "236",  # general requirements: a general contractor
    "02": "23891",  # existing conditions (demolition, site remediation)
    "03": "23811",  # concrete
    "04": "23814",  # masonry
    "05": "23812",  # metals (structural steel, metal fabrications)
    "06": "23813",  # wood, plastics, composites (rough carpentry / framing)
    "07": "23819",  # thermal and moisture protection (waterproofing, sealants)
    "08": "23815",  # openings (glazing, storefronts, windows)
    "09": "2383",  # finishes
    "10": "23899",  # specialties
    "11": "23829",  # equipment
    "12": "23835",  # furnishings (casework installation)
    "13": "23899",  # special construction
    "14": "23829",  # conveying equipment (elevators)
    "21": "23822",  # fire suppression (sprinklers are plumbing contractors' work in NAICS)
    "22": "23822",  # plumbing
    "23": "23822",  # HVAC
    "25": "23821",  # integrated automation
    "26": "23821",  # electrical
    "27": "23821",  # communications
    "28": "23821",  # electronic safety and security
    "31": "23891",  # earthwork
    "32": "23899",  # exterior improvements (paving is refined below)
    "33": "2371",  # utilities
    "34": "2373",  # transportation
    "35": "237",  # waterway and marine
}
CSI_SECTIONS: dict[tuple[str, str], str] = {
    ("06", "2"): "23835",  # 06 20 00 finish carpentry, 06 40 00 architectural woodwork
    ("06", "4"): "23835",
    ("07", "2"): "23831",  # 07 20 00 thermal protection (insulation)
    ("07", "3"): "23816",  # 07 30 00 steep slope roofing
    ("07", "4"): "23817",  # 07 40 00 roofing and siding panels (07 41 roof panels: roofing)
    ("07", "5"): "23816",  # 07 50 00 membrane roofing
    ("07", "6"): "23816",  # 07 60 00 flashing and sheet metal
    ("07", "7"): "23816",  # 07 70 00 roof and wall specialties
    ("07", "8"): "23831",  # 07 81 00 applied fireproofing
    ("08", "1"): "23835",  # 08 10 00 doors and frames
    ("08", "7"): "23835",  # 08 70 00 hardware
    ("09", "2"): "23831",  # 09 20 00 plaster and gypsum board
    ("09", "3"): "23834",  # 09 30 00 tiling
    ("09", "5"): "23831",  # 09 50 00 ceilings (acoustical)
    ("09", "6"): "23833",  # 09 60 00 flooring
    ("09", "7"): "23832",  # 09 70 00 wall finishes (wall covering)
    ("09", "9"): "23832",  # 09 90 00 painting and coating
    ("32", "1"): "2373",  # 32 10 00 bases, ballasts and paving
}
CSI_SUBSECTIONS: dict[tuple[str, str], str] = {("07", "41"): "23816"}

# Words in a code's description, for codes without a usable number.
_TITLE_WORDS: tuple[tuple[str, str], ...] = (
    ("electric", "23821"), ("plumb", "23822"), ("hvac", "23822"), ("mechanical", "23822"),
    ("sprinkler", "23822"), ("roof", "23816"), ("glaz", "23815"), ("curtain wall", "23815"),
    ("storefront", "23815"), ("concrete", "23811"), ("masonry", "23814"), ("framing", "23813"),
    ("drywall", "23831"), ("gypsum", "23831"), ("insulation", "23831"), ("fireproof", "23831"),
    ("paint", "23832"), ("floor", "23833"), ("tile", "23834"), ("finish carpentry", "23835"),
    ("millwork", "23835"), ("steel", "23812"), ("earthwork", "23891"), ("excavat", "23891"),
    ("demolition", "23891"), ("site prep", "23891"),
)


@dataclass(frozen=True)
class TradeRate:
    """One sourced row of the BLS table."""

    naics: str
    title: str
    trir: Decimal | None
    dart: Decimal | None
    year: int
    source: str


@dataclass(frozen=True)
class TradeBenchmark:
    naics: str  # the trade the record maps to
    title: str  # its NAICS title ("Electrical contractors and other wiring installation contractors")
    trir: Decimal | None
    dart: Decimal | None
    year: int | None  # survey year of the figures used
    source: str  # where the figures were read ("" when none could be found)
    fallback_note: str  # "" when the trade's own figures were used; else says what was used instead
    trir_naics: str | None = None  # the NAICS whose TRIR figure is used (the trade or a parent)
    dart_naics: str | None = None
    trir_title: str = ""  # that NAICS's title
    dart_title: str = ""
    trir_year: int | None = None
    dart_year: int | None = None


@dataclass(frozen=True)
class RateJudgement:
    measure: str  # "TRIR" or "DART"
    rate: Decimal | None  # the sub's pooled rate
    benchmark: Decimal | None  # the trade's rate
    multiple: Decimal
    threshold: Decimal | None  # multiple x benchmark
    exceeded: bool | None  # None: no rate or no benchmark, cannot judge
    ratio: Decimal | None  # rate / benchmark
    comparison: str  # "TRIR 2.70 vs 1.8 for electrical contractors (BLS 2021)"


def parent(naics: str) -> str | None:
    """The NAICS one level up (23811 -> 2381 -> 238 -> 23); ``None`` above construction."""
    return naics[:-1] if len(naics) > 2 else None


def load_table(text: str) -> dict[str, TradeRate]:
    """Parse the TOML rate table (the format of ``reporter/data/bls_soii_construction.toml``)."""
    doc = tomllib.loads(text, parse_float=Decimal)
    out: dict[str, TradeRate] = {}
    for naics, row in doc.get("rates", {}).items():
        def num(key: str, row: dict[str, Any] = row) -> Decimal | None:
            return Decimal(row[key]) if key in row else None

        out[str(naics)] = TradeRate(str(naics), str(row["title"]), num("trir"), num("dart"), int(row["year"]), str(row["source"]))
    return out


@functools.cache
def bundled_table() -> dict[str, TradeRate]:
    """The table shipped with the package (read once)."""
    return load_table(resources.files("reporter.data").joinpath(DATA_FILE).read_text(encoding="utf-8"))


def _field(code: Any, name: str) -> str:
    value = code.get(name) if isinstance(code, Mapping) else getattr(code, name, None)
    return "" if value is None else str(value).strip()


def naics_for_csi(code: Any) -> str | None:
    """The NAICS trade for one CSI code (object, dict or ``"26 05 19"``-style string)."""
    if isinstance(code, str):
        digits = re.sub(r"\D", "", code)
        primary, secondary, title = digits[:2], digits[2:4], code
        if len(digits) % 2 == 1:  # "7 81 29" written without the leading zero
            primary, secondary = digits[:1].zfill(2), digits[1:3]
    else:
        primary, secondary, title = _field(code, "primaryCode"), _field(code, "secondaryCode"), _field(code, "codeDescription")
        primary = primary.zfill(2) if primary.isdigit() else ""
        secondary = secondary.zfill(2) if secondary.isdigit() else ""
    if primary:
        for key, table in (((primary, secondary), CSI_SUBSECTIONS), ((primary, secondary[:1]), CSI_SECTIONS)):
            if key in table:
                return table[key]
        if primary in CSI_DIVISIONS:
            return CSI_DIVISIONS[primary]
    low = title.lower()
    return next((naics for word, naics in _TITLE_WORDS if word in low), None)


def trade_for(csi_codes: Iterable[Any]) -> str | None:
    """The trade most of the record's CSI codes map to (ties: the first listed)."""
    mapped = [n for n in (naics_for_csi(c) for c in csi_codes or ()) if n]
    if not mapped:
        return None
    counts = Counter(mapped)
    best = max(counts.values())
    return next(n for n in mapped if counts[n] == best)


def _title(naics: str, table: Mapping[str, TradeRate]) -> str:
    return table[naics].title if naics in table else NAICS_TITLES.get(naics, f"NAICS {naics}")


def _lookup(naics: str, measure: str, table: Mapping[str, TradeRate]) -> TradeRate | None:
    code: str | None = naics
    while code is not None:
        row = table.get(code)
        if row is not None and getattr(row, measure) is not None:
            return row
        code = parent(code)
    row = table.get(CONSTRUCTION)
    return row if row is not None and getattr(row, measure) is not None else None


def benchmark_for(csi_codes: Iterable[Any], table: Mapping[str, TradeRate] | None = None) -> TradeBenchmark:
    """The BLS benchmark for the record's trade, falling back to a parent NAICS or all construction."""
    table = bundled_table() if table is None else table
    trade = trade_for(csi_codes)
    naics = trade or CONSTRUCTION
    title = _title(naics, table)
    trir_row, dart_row = _lookup(naics, "trir", table), _lookup(naics, "dart", table)
    notes = []
    if trade is None:
        notes.append("no CSI code maps to a trade: compared with all construction (NAICS 23)")
    for measure, row in (("TRIR", trir_row), ("DART", dart_row)):
        if row is None:
            notes.append(f"no BLS {measure} figure for {title.lower()} or all construction in the table")
        elif trade is not None and row.naics != naics:
            notes.append(f"no BLS {measure} figure for {title.lower()} (NAICS {naics}): "
                         f"used {row.title.lower()} (NAICS {row.naics}, {row.year})")
    used = trir_row or dart_row
    sources = list(dict.fromkeys(r.source for r in (trir_row, dart_row) if r is not None))
    return TradeBenchmark(
        naics=naics, title=title,
        trir=trir_row.trir if trir_row else None, dart=dart_row.dart if dart_row else None,
        year=used.year if used else None, source="; ".join(sources), fallback_note="; ".join(notes),
        trir_naics=trir_row.naics if trir_row else None, dart_naics=dart_row.naics if dart_row else None,
        trir_title=trir_row.title if trir_row else "", dart_title=dart_row.title if dart_row else "",
        trir_year=trir_row.year if trir_row else None, dart_year=dart_row.year if dart_row else None,
    )


def _short(title: str) -> str:
    return title.lower().replace(" and other wiring installation contractors", "")


def judge_rate(pooled_rate: Decimal | None, benchmark: TradeBenchmark, multiple: Decimal, measure: str = "trir") -> RateJudgement:
    """Compare a pooled rate with ``multiple`` x the trade's BLS rate (``measure``: trir or dart)."""
    if measure not in ("trir", "dart"):
        raise ValueError(f"measure must be trir or dart, not {measure!r}")
    bench: Decimal | None = getattr(benchmark, measure)
    label = measure.upper()
    threshold = None if bench is None else bench * multiple
    exceeded = None if pooled_rate is None or threshold is None else pooled_rate > threshold
    ratio = None if pooled_rate is None or not bench else pooled_rate / bench
    rate_text = "n/a" if pooled_rate is None else f"{pooled_rate.quantize(Decimal('0.01'))}"
    if bench is None:
        comparison = f"{label} {rate_text}: no BLS {label} benchmark for {_short(benchmark.title)}"
    else:
        who = _short(getattr(benchmark, f"{measure}_title") or benchmark.title)
        comparison = f"{label} {rate_text} vs {bench} for {who} (BLS {getattr(benchmark, f'{measure}_year')})"
    return RateJudgement(label, pooled_rate, bench, multiple, threshold, exceeded, ratio, comparison)
