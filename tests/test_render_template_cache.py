"""Compiled templates kept between processes (issue 20): a second process loads the packet's
templates without compiling them, an edited or overriding template is compiled anew, and a cache
folder that is not the user's own and closed to others is never used."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import jinja2
import pytest

from reporter.render import html, template_cache

PROBE = """
import jinja2, sys
compiled = []
real = jinja2.Environment.compile
def compile(self, source, name=None, filename=None, *a, **k):
    compiled.append(name)
    return real(self, source, name, filename, *a, **k)
jinja2.Environment.compile = compile
from reporter.render.html import make_environment
env = make_environment()
for name in ("packet.html.j2", "page_one.html.j2", "macros.html.j2"):
    env.get_template(name)
print(sorted(set(compiled)))
"""


def _compiled(cache, extra=None) -> str:
    env = {**os.environ, "REPORTER_CACHE_DIR": str(cache), **(extra or {})}
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    template_cache.bytecode_cache.cache_clear()
    monkeypatch.setenv("REPORTER_CACHE_DIR", str(tmp_path / "cache"))
    yield tmp_path / "cache"
    template_cache.bytecode_cache.cache_clear()


def test_a_second_process_compiles_no_template(tmp_path):
    cache = tmp_path / "cache"
    first = _compiled(cache)
    assert "packet.html.j2" in first and "page_one.html.j2" in first
    assert _compiled(cache) == "[]\n"  # every template loaded from the cache
    folder = cache / "templates"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and any(folder.iterdir())


def test_an_edited_template_is_compiled_anew(fresh, tmp_path):
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "page_one.html.j2").write_text("<p>ONE {{ r }}</p>", encoding="utf-8")
    assert html.make_environment(templates=theme).get_template("page_one.html.j2").render(r=1) == "<p>ONE 1</p>"
    (theme / "page_one.html.j2").write_text("<p>TWO {{ r }}</p>", encoding="utf-8")
    template_cache.bytecode_cache.cache_clear()
    assert html.make_environment(templates=theme).get_template("page_one.html.j2").render(r=1) == "<p>TWO 1</p>"
    bundled = html.make_environment().get_template("page_one.html.j2")
    assert bundled.filename != str(theme / "page_one.html.j2")
    assert len(list((fresh / "templates").iterdir())) == 2  # the override's entry and the bundled one's


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_a_folder_open_to_others_is_not_used(fresh):
    (fresh / "templates").mkdir(parents=True)
    os.chmod(fresh / "templates", 0o755)
    assert template_cache.bytecode_cache() is None
    template_cache.bytecode_cache.cache_clear()
    os.chmod(fresh / "templates", 0o700)
    os.chmod(fresh, 0o777)  # anyone could swap the folder out
    assert template_cache.bytecode_cache() is None
    template_cache.bytecode_cache.cache_clear()
    os.chmod(fresh, 0o755)
    assert isinstance(template_cache.bytecode_cache(), jinja2.FileSystemBytecodeCache)


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_a_link_in_place_of_the_folder_is_not_used(fresh, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    fresh.mkdir(mode=0o700)
    (fresh / "templates").symlink_to(elsewhere)
    assert template_cache.bytecode_cache() is None


def test_off_or_an_unusable_place_compiles_in_memory(fresh, monkeypatch, tmp_path):
    monkeypatch.setenv("REPORTER_CACHE_DIR", "off")
    assert template_cache.bytecode_cache() is None
    template_cache.bytecode_cache.cache_clear()
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("REPORTER_CACHE_DIR", str(blocker / "cache"))  # under a file: cannot be made
    assert template_cache.bytecode_cache() is None
    assert html.make_environment().get_template("page_one.html.j2") is not None  # still renders
