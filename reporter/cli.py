"""Command layer: parse options, hand a config to the pipeline, turn errors into messages.

Input: ``argv``. Output: an exit status (0 all good, 1 some record or step failed, 2 usage error,
130 interrupted). Each subcommand lives in ``reporter.commands.<name>`` and exposes
``register(subparsers)``; its handler returns an exit status. No traceback reaches the user unless
``--debug`` is given.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import NoReturn

from reporter import __version__
from reporter.collector import imports_paused
from reporter.errors import ReporterError

# Subcommand modules, in the order `reporter --help` lists them.
COMMANDS = ("build", "fetch", "login", "logout", "whoami", "verify", "send", "file")

log = logging.getLogger("reporter")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors: one line, exit 2
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="reporter",
        description="TradeTapp subcontractor prequalification packets (PDF and Excel).",
    )
    parser.add_argument("--version", action="version", version=f"reporter {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    common.add_argument("-q", "--quiet", action="store_true", help="only print errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        module = importlib.import_module(f"reporter.commands.{name}")
        module.register(sub, common)
    return parser


def _setup_logging(debug: bool, quiet: bool) -> None:
    level = logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s" if not debug else "%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    log.setLevel(level)
    if not debug:
        # WeasyPrint and fontTools are chatty; their warnings are collected by the renderer.
        for noisy in ("weasyprint", "fontTools", "httpx", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.ERROR)


def main(argv: list[str] | None = None) -> int:
    with imports_paused():  # every command's options module (reporter.collector: a faster start)
        parser = make_parser()
    args = parser.parse_args(argv)
    debug = getattr(args, "debug", False)
    _setup_logging(debug, getattr(args, "quiet", False))
    try:
        return int(args.func(args) or 0)
    except ReporterError as exc:
        if debug:
            raise
        print(f"reporter: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("reporter: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so in one line, full detail only with --debug
        if debug:
            raise
        print(
            f"reporter: internal error: {type(exc).__name__}: {exc} (run again with --debug for details)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
