"""templates/ and styles/ ship in the wheel and are found after a non-editable install."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    (whl,) = dist.glob("reporter-*.whl")
    return whl


def test_wheel_contains_every_template_and_style(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("templates", "styles"):
        for f in (ROOT / folder).rglob("*"):
            if f.is_file() and not f.name.startswith("."):
                assert f"reporter/_assets/{folder}/{f.relative_to(ROOT / folder).as_posix()}" in names


def test_installed_wheel_renders_outside_the_checkout(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    # The new environment sees this interpreter's packages (the dependencies) after its own
    # site-packages, where the wheel goes: the wheel's reporter wins over the checkout's.
    inner = subprocess.run([str(py), "-c", "import site; print(site.getsitepackages()[0])"],
                           capture_output=True, text=True, check=True).stdout.strip()
    parents = [p for p in sys.path if p.endswith("site-packages")]
    Path(inner, "_parent_packages.pth").write_text("\n".join(parents) + "\n")
    r = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", "--force-reinstall", str(wheel)],
        capture_output=True, text=True,
    )
    if r.returncode != 0 and "no such option: --python" in r.stderr:  # pip < 22.3
        r = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    script = (
        "import reporter.render.assets as a, sys;"
        "t = a.asset_dir('templates'); s = a.asset_dir('styles');"
        "print(a.__file__); print(t); print(s);"
        "assert (t / 'packet.html.j2').is_file() and (s / 'packet.css').is_file()"
    )
    out = subprocess.run([str(py), "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    module, templates, styles = out.stdout.split()
    assert str(env_dir) in module, "imported the checkout instead of the installed wheel"
    assert templates.endswith("reporter/_assets/templates") and str(env_dir) in templates
    sample = ROOT / "samples" / "gr8-builders.json"
    built = subprocess.run(
        [str(py), "-m", "reporter", "build", str(sample), "--out", str(tmp_path / "o"), "--formats", "html,xlsx"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    assert "Gr8 Builders" in next((tmp_path / "o").glob("*.html")).read_text()
