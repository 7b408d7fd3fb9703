"""Deliver stage: hand composed messages to an SMTP server.

Input: ``EmailMessage`` objects (from ``deliver.mail.compose``), recipients and ``SmtpSettings``.
Output: a ``SendResult`` (messages sent, recipients refused one by one). The connection is
STARTTLS, implicit TLS or plain (a password is never sent in clear except to this machine).

Errors: ``DeliveryError`` with one line for an unreachable server, a refused login, recipients
that were all refused and a lost connection; ``DeliveryUnknown`` when the connection was lost after
the whole message had been handed over (the server may have delivered it: check before resending).
``on_sent(n)`` is called after each message the server accepted, so a caller can record the parts
of a split send and resume after a failure without sending a part twice.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

from reporter.api.settings import is_loopback  # the one loopback rule, shared with the API clients
from reporter.errors import DeliveryError


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int | None = None  # default by tls: 587 starttls, 465 ssl, 25 none
    tls: str = "starttls"  # starttls | ssl | none
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = None

    @property
    def effective_port(self) -> int:
        return self.port or {"starttls": 587, "ssl": 465, "none": 25}[self.tls]


@dataclass
class SendResult:
    sent: int
    refused: dict[str, str]  # address -> server's reason
    skipped: list[int] = field(default_factory=list)  # message numbers (1-based) sent by an earlier try


class DeliveryUnknown(DeliveryError):
    """The connection was lost after the final dot: the message may well have been delivered."""


class _Tracking:
    """Counts the replies read inside DATA: the second is the answer to the final dot, so a
    connection lost while waiting for it means the message was handed over in full."""

    replies_in_data = -1
    after_final_dot = False  # the connection was lost while waiting for the final dot's answer

    def data(self, msg: Any) -> Any:
        self.replies_in_data = 0
        try:
            return super().data(msg)  # type: ignore[misc]
        finally:
            self.replies_in_data = -1

    def getreply(self) -> Any:
        if self.replies_in_data >= 0:
            self.replies_in_data += 1
        try:
            return super().getreply()  # type: ignore[misc]
        except smtplib.SMTPServerDisconnected:
            self.after_final_dot = self.replies_in_data >= 2
            raise


class _SMTP(_Tracking, smtplib.SMTP):
    pass


class _SMTP_SSL(_Tracking, smtplib.SMTP_SSL):
    pass


def send(
    messages: list[EmailMessage],
    recipients: list[str],
    settings: SmtpSettings,
    *,
    already_sent: Collection[int] = (),
    on_sent: Callable[[int], None] | None = None,
) -> SendResult:
    """Send every message to ``recipients`` (To + Cc), except the numbers (1-based) in
    ``already_sent``; per-recipient refusals are collected."""
    where = f"{settings.host}:{settings.effective_port}"
    smtp = _connect(settings)
    result = SendResult(sent=0, refused={})
    try:
        _secure_and_login(smtp, settings)
        for n, msg in enumerate(messages, start=1):
            if n in already_sent:
                result.skipped.append(n)
                continue
            bad = _send_one(smtp, msg, recipients, where, result.sent, len(messages))
            for addr, reply in bad.items():
                result.refused[addr] = _smtp_text(reply)
            result.sent += 1
            if on_sent:
                on_sent(n)
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        if isinstance(smtp, _Tracking) and smtp.after_final_dot:
            part = f" (message {result.sent + len(result.skipped) + 1} of {len(messages)})" if len(messages) > 1 else ""
            raise DeliveryUnknown(
                f"connection to the SMTP server {where} was lost after the message{part} was handed over: "
                "delivery unknown, check with the recipients before resending" + _already(result.sent, messages)
            ) from None
        raise DeliveryError(f"connection to the SMTP server {where} was lost: {_reason(exc)}"
                            + _already(result.sent, messages)) from None
    except smtplib.SMTPException as exc:  # any other refusal (HELO, STARTTLS, AUTH, SMTPUTF8...): one line
        raise DeliveryError(f"SMTP server {where} refused: {_smtp_text(exc)}" + _already(result.sent, messages)) from None
    finally:
        try:
            smtp.quit()
        except Exception:
            pass
    return result


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    host, port = settings.host, settings.effective_port
    try:
        if settings.tls == "ssl":
            context = settings.ssl_context or ssl.create_default_context()
            return _SMTP_SSL(host, port, timeout=settings.timeout, context=context)
        return _SMTP(host, port, timeout=settings.timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"cannot reach the SMTP server {host}:{port}: {_reason(exc)}") from None


def _secure_and_login(smtp: smtplib.SMTP, settings: SmtpSettings) -> None:
    where = f"{settings.host}:{settings.effective_port}"
    smtp.ehlo_or_helo_if_needed()
    if settings.tls == "starttls":
        if not smtp.has_extn("starttls"):
            raise DeliveryError(f"SMTP server {where} does not offer STARTTLS (use --tls ssl or --tls none)")
        try:
            smtp.starttls(context=settings.ssl_context or ssl.create_default_context())
        except ssl.SSLError as exc:
            raise DeliveryError(f"TLS with {where} failed: {exc.reason or exc}") from None
        smtp.ehlo()
    if not settings.user:
        return
    if settings.tls == "none" and not is_loopback(settings.host):
        raise DeliveryError(f"refusing to send the SMTP password to {where} without TLS: use --tls starttls or --tls ssl")
    try:
        _login(smtp, settings.user, settings.password or "")
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"SMTP server {where} refused the login for {settings.user}: {_smtp_text(exc)}") from None
    except smtplib.SMTPNotSupportedError:
        raise DeliveryError(f"SMTP server {where} does not accept a login (unset SMTP_USER, or use --tls)") from None


def _send_one(smtp: smtplib.SMTP, msg: EmailMessage, recipients: list[str], where: str, sent: int,
              total: int) -> dict[str, Any]:
    already = _already(sent, total)
    try:
        return smtp.send_message(msg, to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as exc:
        reasons = {a: _smtp_text(r) for a, r in exc.recipients.items()}
        raise DeliveryError("every recipient was refused: " + "; ".join(f"{a} ({r})" for a, r in reasons.items())
                            + already) from None
    except smtplib.SMTPSenderRefused as exc:
        raise DeliveryError(f"SMTP server {where} refused the sender {exc.sender}: {_smtp_text(exc)}" + already) from None
    except smtplib.SMTPDataError as exc:
        raise DeliveryError(f"SMTP server {where} refused the message: {_smtp_text(exc)}" + already) from None


def _already(sent: int, messages: list[EmailMessage] | int) -> str:
    total = messages if isinstance(messages, int) else len(messages)
    return f" ({sent} of {total} messages had been sent)" if sent else ""
def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """Log in once with the best mechanism offered (PLAIN over TLS when there is one).

    ``smtplib.login`` retries every advertised mechanism after a refusal, and some servers hang on
    the second try; one attempt gives one clear answer.
    """
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" in offered:
        smtp.user, smtp.password = user, password
        code, resp = smtp.auth("PLAIN", smtp.auth_plain, initial_response_ok=True)
        return
    smtp.login(user, password)


def _smtp_text(obj: Any) -> str:
    if isinstance(obj, tuple) and len(obj) >= 2:
        code, text = obj[0], obj[1]
    else:
        code, text = getattr(obj, "smtp_code", None), getattr(obj, "smtp_error", obj)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip() if code else str(text)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def format_sender(address: str | None, user: str | None) -> str:
    if address:
        return address
    if user and "@" in user:
        return formataddr(("reporter", user))
    return f"reporter@{socket.getfqdn() or 'localhost'}"
