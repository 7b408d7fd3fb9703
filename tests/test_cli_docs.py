"""Every command has help and is documented in the README (a habit from sqlite-utils)."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from reporter import cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", cli.COMMANDS)
def test_command_has_help_and_is_documented(command, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: reporter " + command)
    assert f"reporter {command}" in README


def test_every_build_option_is_in_the_readme(capsys):
    with pytest.raises(SystemExit):
        cli.main(["build", "--help"])
    options = {re.match(r"--[a-z-]+", w).group(0) for w in capsys.readouterr().out.split() if re.match(r"--[a-z]", w)}
    options -= {"--help", "--debug", "--quiet"}
    missing = sorted(o for o in options if o not in README)
    assert not missing, missing
