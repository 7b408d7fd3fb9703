"""File names: safe slugs of company name plus id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reporter.deliver.files import MAX_NAME, safe_name, slugify

SAFE = re.compile(r"^[A-Za-z0-9_-]+$")


@pytest.mark.parametrize(
    "name, cid, expected",
    [
        ("Gr8 Builders", "59d2b8660675250927442cbf", "gr8-builders_59d2b8660675250927442cbf"),
        ("Bâtiments Éléonore & Fils Ltée", "abc", "batiments-eleonore-fils-ltee_abc"),
        ("../../etc/passwd", "x1", "etc-passwd_x1"),
        ("CON", "", "con_noid"),
        ("山田建設", "0f0f", "company_0f0f"),
        (None, None, "company_noid"),
    ],
)
def test_safe_name_examples(name, cid, expected):
    assert safe_name(name, cid) == expected


@pytest.mark.parametrize(
    "hostile",
    [
        "a/b\\c:d*e?f\"g<h>i|j",
        "..",
        "name\x00with\x1fcontrol\x7fchars",
        "CON",
        "nul.txt",
        " trailing dots and spaces. . ",
        "x" * 500,
        "\u202eevil\u202c.pdf",
    ],
)
def test_safe_name_rules(hostile):
    name = safe_name(hostile, "59d2b8660675250927442cbf")
    assert SAFE.match(name), name
    assert ".." not in name and "/" not in name and "\\" not in name
    assert len(name) <= MAX_NAME
    # Windows reserves device names only as a whole base name ("CON", "con.pdf"), not "con_..."
    assert name.upper() not in {"CON", "NUL", "PRN", "AUX"}
    assert not name.endswith((".", " "))


def test_reserved_device_name_alone_is_prefixed():
    assert safe_name("nul", None).lower() != "nul"
    assert slugify("") == "company"


def test_long_names_keep_the_id():
    name = safe_name("A very long company name " * 20, "59d2b8660675250927442cbf")
    assert name.endswith("_59d2b8660675250927442cbf")
    assert len(name) <= MAX_NAME


@pytest.mark.parametrize("company", ["CON", "nul", "Com1", "LPT9"])
def test_a_custom_pattern_never_gives_a_windows_device_name(company):
    from reporter.deliver.naming import NamePattern

    name = NamePattern("{companyName}").base({"companyName": company, "id": "x1"})
    assert SAFE.match(name) and name.upper() not in {"CON", "NUL", "COM1", "LPT9"}, name


def test_a_project_with_a_name_and_no_number_names_files_by_the_project_name():
    from datetime import date

    from reporter.config import BuildConfig
    from reporter.deliver.naming import NamePattern
    from reporter.transform.model import Project, ReportContext

    ctx = ReportContext(as_of=date(2026, 12, 1), project=Project(name="Harbor Point Tower"))
    names = NamePattern.for_config(BuildConfig(out_dir=Path("."), context=ctx))
    base = names.base({"companyName": "Redline Concrete", "id": "5b5626dcb2609a0bdd2b7550"})
    assert base.startswith("harbor-point-tower_redline-concrete_PreQual_2026-12-01")
