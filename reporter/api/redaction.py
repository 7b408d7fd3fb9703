"""Fetch stage, redaction: no form of a secret (an access token) in any message, log line or file.

Input: the secrets in use (``Redactor.add``) and any text or JSON-like value. Output: the same with
every trace of a secret replaced by ``***``. A trace is any run of ``MIN_RUN`` or more characters
(default 12) of one of the secret's *forms*: the secret itself (with or without ``Bearer``),
URL-encoded (``Bearer%20<token>``, ``quote_plus``), JSON-escaped, and base64 (standard and URL-safe,
at each of the three byte alignments a secret can have inside a longer encoded text). So an API
echoing the token minus a character, URL-encoded or base64-encoded is caught as well as an exact
echo. Secrets shorter than ``MIN_RUN`` are replaced only whole.

``REDACTOR`` is the process-wide instance: API clients add their tokens to it, and
``install_log_filter()`` puts it on the loggers this tool and httpx write to.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from typing import Any
from urllib.parse import quote, quote_plus

MIN_RUN = 12
MASK = "***"
_LOGGERS = ("reporter", "reporter.api", "reporter.auth", "httpx", "httpcore")


def _b64_forms(secret: str) -> list[str]:
    """Base64 text that any encoding of a longer value holding ``secret`` must contain."""
    raw = secret.encode("utf-8", "surrogatepass")
    forms = []
    for shift in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\x00" * shift + raw).decode("ascii").rstrip("=")
            # drop the characters that also depend on the bytes around the secret
            start = (shift * 4 + 2) // 3 + (1 if shift else 0)
            forms.append(text[start:-2] if len(text) - start > 2 else "")
    return [f for f in forms if f]


def forms_of(secret: str) -> list[str]:
    """Every form of ``secret`` that redaction looks for (longest first)."""
    found = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        *_b64_forms(secret),
        *_b64_forms(f"Bearer {secret}"),
    }
    return sorted((f for f in found if f), key=len, reverse=True)


class Redactor:
    """The secrets in use and the ``MIN_RUN``-grams of their forms; thread-safe."""

    def __init__(self, min_run: int = MIN_RUN) -> None:
        self.min_run = min_run
        self._whole: set[str] = set()  # short secrets: replaced only whole
        self._grams: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secret: str | None) -> None:
        """Remember ``secret`` (blank values are ignored)."""
        secret = (secret or "").strip()
        if not secret:
            return
        with self._lock:
            for form in forms_of(secret):
                if len(form) < self.min_run:
                    self._whole.add(form)
                    continue
                n = self.min_run
                self._grams.update(form[i : i + n] for i in range(len(form) - n + 1))

    def text(self, value: str) -> str:
        """``value`` with every run of ``min_run``+ characters of a secret's form made ``***``."""
        if not value or (not self._grams and not self._whole):
            return value
        for whole in sorted(self._whole, key=len, reverse=True):
            if whole in value:
                value = value.replace(whole, MASK)
        if len(value) < self.min_run or not self._grams:
            return value
        n, grams = self.min_run, self._grams
        covered = bytearray(len(value))
        for i in range(len(value) - n + 1):
            if value[i : i + n] in grams:
                covered[i : i + n] = b"\x01" * n
        if not any(covered):
            return value
        out: list[str] = []
        i = 0
        while i < len(value):
            if covered[i]:
                while i < len(value) and covered[i]:
                    i += 1
                out.append(MASK)
            else:
                out.append(value[i])
                i += 1
        return "".join(out)

    def value(self, value: Any) -> Any:
        """``value`` with every string in it redacted, however deeply nested."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value

    def error(self, exc: BaseException) -> BaseException:
        """``exc`` with its message, arguments and string attributes redacted (in place)."""
        for name, item in list(vars(exc).items()):
            if isinstance(item, (str, dict, list)):
                setattr(exc, name, self.value(item))
        exc.args = tuple(self.value(a) for a in exc.args)
        return exc


class RedactingFilter(logging.Filter):
    """A logging filter that formats each record once and redacts the result."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__("redaction")
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format: leave it to logging's own error report
            return True
        clean = self.redactor.text(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


REDACTOR = Redactor()
_FILTER = RedactingFilter(REDACTOR)


def install_log_filter() -> None:
    """Put the process-wide redaction filter on the tool's and httpx's loggers (idempotent)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
