"""Ground floor: exact JSON for every stage.

Input: JSON text (API bodies, saved files, manifests) or Python values holding ``Decimal``. Output:
decoded values with every non-integer number as an exact ``Decimal``, and JSON text that writes each
``Decimal`` as the same number text it was read from (money never passes through a float).

Reading refuses, with ``JsonRefused`` (a ``ValueError``) naming the reason and where:
- ``NaN``, ``Infinity``, ``-Infinity`` (not JSON, though Python's reader takes them);
- nesting deeper than ``MAX_DEPTH`` (64) arrays and objects;
- a number that takes more than ``MAX_NUMBER_DIGITS`` (100) digits written out: more than 100
  digits in its text, or an exponent putting it beyond 1e100 or below 1e-100 (``1E+999999``);
- a lone UTF-16 surrogate such as ``\\ud800`` in a string or a key (not Unicode text).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_DEPTH = 64
MAX_NUMBER_DIGITS = 100

_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonRefused(ValueError):
    """JSON text that parses but is refused (see the module docstring); ``path`` says where, as
    keys and list indexes from the top (``("results", 3, "name")``)."""

    def __init__(self, reason: str, path: tuple = ()):
        self.reason = reason
        self.path = tuple(path)
        where = format_path(self.path)
        super().__init__(f"{reason} (at {where})" if where else reason)

    def below(self, depth: int) -> JsonRefused:
        """The same refusal with the path relative to an element ``depth`` levels down."""
        return JsonRefused(self.reason, self.path[depth:])


def format_path(path: tuple) -> str:
    """``("results", 3, "contacts", 0, "name")`` as ``results[3].contacts[0].name``."""
    out = ""
    if len(path) > 8:
        path = (*path[:6], "...", path[-1])
    for p in path:
        if p == "...":
            out += "..."
        else:
            out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out and not out.endswith(".") else str(p))
    return out


class _Bad:
    """A refused number or constant, left in place by the parser and reported by the walk."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason


def _constant(name: str) -> _Bad:
    return _Bad(f"{name} is not a JSON number")


def _too_long(text: str) -> _Bad:
    head = text[:20] + ("..." if len(text) > 20 else "")
    return _Bad(f"the number {head} is too long (more than {MAX_NUMBER_DIGITS} digits written out)")


def _int(text: str) -> int | _Bad:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        return _too_long(text)
    return int(text)


def _decimal(text: str) -> Decimal | _Bad:
    mantissa = re.split("[eE]", text, maxsplit=1)[0]
    if sum(c.isdigit() for c in mantissa) > MAX_NUMBER_DIGITS:
        return _too_long(text)
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the JSON grammar only hands over valid numbers
        return _too_long(text)
    exponent = value.as_tuple().exponent
    out_of_range = bool(value) and not -MAX_NUMBER_DIGITS <= value.adjusted() <= MAX_NUMBER_DIGITS
    if out_of_range or not -MAX_NUMBER_DIGITS <= int(exponent) <= MAX_NUMBER_DIGITS:
        return _too_long(text)
    return value


def loads_checked(text: str | bytes) -> tuple[Any, list[JsonRefused]]:
    """Decode JSON exactly and list what is refused instead of raising: each refused value is
    replaced by ``None`` and reported with its path (a caller can then fail one record of a list
    page and keep the others). Nesting too deep for the parser itself still raises."""
    try:
        doc = json.loads(text, parse_float=_decimal, parse_int=_int, parse_constant=_constant)
    except RecursionError:
        raise JsonRefused(f"nested deeper than {MAX_DEPTH} levels") from None
    problems: list[JsonRefused] = []
    doc = _check(doc, problems)
    return doc, problems


def _check(doc: Any, problems: list[JsonRefused]) -> Any:
    """Walk the decoded value (without recursion): depth, refused numbers, lone surrogates."""
    root = [doc]
    stack: list[tuple[Any, Any, tuple]] = [(root, 0, ())]
    while stack:
        parent, key, path = stack.pop()
        value = parent[key]
        if isinstance(value, _Bad):
            problems.append(JsonRefused(value.reason, path))
            parent[key] = None
        elif isinstance(value, str):
            if _SURROGATE.search(value):
                problems.append(JsonRefused("a lone surrogate (\\ud800-\\udfff) in a string: not Unicode text", path))
                parent[key] = None
        elif isinstance(value, (dict, list)):
            if len(path) >= MAX_DEPTH:
                problems.append(JsonRefused(f"nested deeper than {MAX_DEPTH} levels", path))
                parent[key] = None
                continue
            if isinstance(value, dict):
                for k in value:
                    if _SURROGATE.search(k):
                        problems.append(JsonRefused("a lone surrogate (\\ud800-\\udfff) in a key: not Unicode text", path))
                        break
                stack.extend((value, k, (*path, k)) for k in value)
            else:
                stack.extend((value, i, (*path, i)) for i in range(len(value)))
    problems.sort(key=lambda p: [(0, x, "") if isinstance(x, int) else (1, 0, str(x)) for x in p.path])
    return root[0]


def loads_exact(text: str | bytes) -> Any:
    """Decode JSON with every non-integer number as an exact ``Decimal``; raise ``JsonRefused``
    for what the module docstring lists (``json.JSONDecodeError`` for text that is not JSON)."""
    doc, problems = loads_checked(text)
    if problems:
        raise problems[0]
    return doc


_DEC_MARK = "\x00dec:"


_DEC_RE = re.compile(r'"\\u0000dec:([-+0-9.eE]+)\\u0000"')  # a marked Decimal as json.dumps writes it


def _mark_decimals(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot write {value} as JSON")
        return f"{_DEC_MARK}{value}\x00"
    if isinstance(value, float):
        raise TypeError("a float reached the exact JSON writer; decode with loads_exact")
    if isinstance(value, dict):
        return {k: _mark_decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark_decimals(v) for v in value]
    return value


def dumps_exact(doc: Any, indent: int | None = 2) -> str:
    """Encode JSON writing every ``Decimal`` as the same number text it was read from."""
    text = json.dumps(_mark_decimals(doc), indent=indent, ensure_ascii=False)
    return _DEC_RE.sub(lambda m: m.group(1), text)
