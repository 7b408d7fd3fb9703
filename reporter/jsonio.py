"""Ground floor: exact JSON for every stage.

Input: JSON text (API bodies, saved files, manifests) or Python values holding ``Decimal``. Output:
decoded values with every non-integer number as an exact ``Decimal``, and JSON text that writes each
``Decimal`` as the same number text it was read from (money never passes through a float).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any


def loads_exact(text: str | bytes) -> Any:
    """Decode JSON with every non-integer number as an exact ``Decimal``."""
    return json.loads(text, parse_float=Decimal)


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
