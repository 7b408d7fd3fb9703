"""The README's report-JSON table is the contract: every documented key exists in a real report,
and every object it documents has exactly the keys it lists (no undocumented extras)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from reporter.api.saved import load_file
from reporter.render.json import report_to_json
from reporter.transform.fx import FxRate, FxTable
from reporter.transform.model import Project, ReportContext
from reporter.transform.report import build_report

ROOT = Path(__file__).resolve().parent.parent


def expand(spec: str) -> list[str]:
    """``a.{b, c.{d, e}}`` -> ``["a.b", "a.c.d", "a.c.e"]`` (nested groups allowed)."""
    m = re.search(r"\{", spec)
    if not m:
        return [spec]
    start = m.start()
    depth = 0
    for i in range(start, len(spec)):
        depth += {"{": 1, "}": -1}.get(spec[i], 0)
        if depth == 0:
            end = i
            break
    parts, depth, cur = [], 0, ""
    for ch in spec[start + 1:end]:
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        cur += ch
    parts.append(cur.strip())
    head, tail = spec[:start], spec[end + 1:]
    return [p for part in parts for p in expand(head + part + tail)]


def documented_paths() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Report JSON", 1)[1].split("\n## ", 1)[0]
    paths = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        first = line.split(" | ")[0][2:]
        for spec in re.findall(r"`([^`]+)`", first):
            paths.extend(expand(spec))
    return paths


def split(path: str) -> list[str]:
    out = []
    for seg in path.split("."):
        if seg.endswith("[]"):
            out += [seg[:-2], "[]"]
        else:
            out.append(seg)
    return out


def resolve(value, segs, trail=""):
    """Yield ``(trail, value)`` for every match of ``segs``; assert each named key exists."""
    if not segs:
        yield trail, value
        return
    seg, rest = segs[0], segs[1:]
    if value is None:
        return  # a null object or list: nothing below it to check here
    if seg == "[]":
        assert isinstance(value, list), trail
        for i, item in enumerate(value):
            yield from resolve(item, rest, f"{trail}[{i}]")
    elif seg.startswith("<"):
        assert isinstance(value, dict), trail
        for k, v in value.items():
            yield from resolve(v, rest, f"{trail}.{k}")
    else:
        assert isinstance(value, dict) and seg in value, f"{trail}.{seg} is documented but missing"
        yield from resolve(value[seg], rest, f"{trail}.{seg}")


def sample_reports():
    rates = FxTable((FxRate(date(2026, 11, 27), "CAD", "USD", Decimal("0.7150")),))
    ctx = ReportContext(as_of=date(2026, 11, 28), report_currency="USD", fx=rates,
                        project=Project(name="Mission Tower", number="24-117", value=Decimal(450000), end=date(2027, 9, 30)))
    docs = []
    for name in ("internationale-batiment.json", "summit-electrical-large.json", "sparse-framing.json"):
        for src in load_file(ROOT / "samples" / name):
            docs.append(report_to_json(build_report(src.model, ctx)))
    return docs


def test_every_documented_key_exists_and_objects_have_no_undocumented_keys():
    paths = documented_paths()
    assert len(paths) > 60 and "flags[].evidence" in paths and "amounts.<apiFieldName>.converted.rateDate" in paths
    reached = {p: 0 for p in paths}
    for doc in sample_reports():
        for p in paths:
            for _ in resolve(doc, split(p)):
                reached[p] += 1
        # Exactness: the keys of each documented object are the documented children, no more.
        children: dict[tuple[str, ...], set[str]] = {}
        for p in paths:
            segs = split(p)
            for i, seg in enumerate(segs):
                if seg != "[]":
                    children.setdefault(tuple(segs[:i]), set()).add(seg)
        for parent, keys in children.items():
            if any(k.startswith("<") for k in keys):
                continue
            for trail, obj in resolve(doc, list(parent)):
                if isinstance(obj, dict):
                    assert set(obj) == keys, f"{trail or 'top level'}: {sorted(set(obj) ^ keys)}"
    never = [p for p, n in reached.items() if n == 0]
    assert not never, f"documented keys never seen in the sample reports: {never}"
