"""One exception tree for the whole tool.

Every error a user can cause or meet is a ``ReporterError``; the CLI prints its message on one
line (no traceback unless ``--debug``) and exits with its ``exit_code``. Library exceptions are
translated at each stage boundary with ``raise ... from``.

    ReporterError                      exit 1 unless noted
    +-- UsageError                     bad options or option values (exit 2)
    +-- InputError                     a saved record file is unreadable or has the wrong shape
    +-- ConfigError                    a rules / rates / settings file is wrong
    +-- TransformError                 a record cannot be normalised (e.g. missing FX rate)
    |   +-- CurrencyError              unknown ISO 4217 code, missing conversion rate
    +-- RenderError                    PDF / workbook / HTML could not be written
    +-- ApiError                       the TradeTapp API refused or failed (carries status, title)
    |   +-- AuthError                  401: sign-in missing, expired or invalid
    |   +-- PermissionDenied           403
    |   +-- NotFound                   404
    |   +-- Conflict                   409
    |   +-- RateLimited                429 after all retries
    |   +-- ServerError                5xx / network failure after all retries
    |   +-- UnsafeUrl                  a paging URL points away from the API host
    +-- SignInError                    OAuth login / refresh / token store problems
    +-- DeliveryError                  manifest, verify, mail
"""

from __future__ import annotations


class ReporterError(Exception):
    """Base of every error the tool reports to a user."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(ReporterError):
    exit_code = 2


class InputError(ReporterError):
    """A saved record file cannot be read; the message names the file."""


class ConfigError(ReporterError):
    pass


class TransformError(ReporterError):
    pass


class CurrencyError(TransformError):
    pass


class RenderError(ReporterError):
    pass


class ApiError(ReporterError):
    """The API answered with an error (or never answered)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        title: str | None = None,
        detail: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.detail = detail
        self.url = url


class AuthError(ApiError):
    pass


class PermissionDenied(ApiError):
    pass


class NotFound(ApiError):
    pass


class Conflict(ApiError):
    pass


class RateLimited(ApiError):
    pass


class ServerError(ApiError):
    pass


class UnsafeUrl(ApiError):
    pass


class SignInError(ReporterError):
    pass


class DeliveryError(ReporterError):
    pass
