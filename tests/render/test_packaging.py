"""The wheel carries the renderer and its templates: build it, install it into a fresh virtual
environment (its dependencies seen through a ``.pth`` file naming the site-packages of the Python
that runs the tests, so no network is needed, inside or outside a virtual environment), run
``sdq demo`` from there and check the report it writes.

This test never skips: if the wheel cannot be built or installed, it fails and says why. Leave it
out on purpose with ``-m "not packaging"``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "sdq", "templates")


def _run(args: list, cwd: Path, timeout: int = 180) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    done = subprocess.run(
        [str(a) for a in args], cwd=str(cwd), env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, (
        f"{' '.join(map(str, args))} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    )
    return done


@pytest.mark.packaging
def test_wheel_installs_and_writes_the_demo_report(tmp_path):
    # Build from a copy of the sources: an in-tree build would reuse (and ship) whatever a stale
    # build/ folder of the checkout holds.
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / name, source / name)
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, source], tmp_path)
    (wheel,) = wheels.glob("sdq-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "sdq/render/html.py",
        "sdq/render/figures.py",
        "sdq/render/tables.py",
        "sdq/templates/report.html.j2",
        "sdq/templates/summary.html.j2",
        "sdq/templates/report.js",
        "sdq/templates/report.css",
    ):
        assert needed in names, f"{needed} is not in the wheel"

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv], tmp_path)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    # The dependencies: the site-packages of the Python running the tests (a virtual environment's
    # own, which `venv --system-site-packages` would not see), listed after the new venv's own
    # site-packages, so its sdq is the one imported.
    inner = _run(
        [bindir / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path
    ).stdout.strip()
    outer = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    (Path(inner) / "_sdq_test_dependencies.pth").write_text("\n".join(sorted(outer)) + "\n", encoding="utf-8")
    # --force-reinstall: an sdq of the same version may already sit in the system site-packages
    _run(
        [bindir / "python", "-m", "pip", "install", "--force-reinstall", "--no-deps", "--no-index", "-q", wheel],
        tmp_path,
    )
    where = _run([bindir / "python", "-c", "import sdq.render.html as h; print(h.templates_dir())"], tmp_path).stdout
    assert str(venv) in where, f"sdq was not imported from the venv: {where}"

    out = tmp_path / "out"
    _run([bindir / "sdq", "demo", "--output-dir", out, "--quiet"], tmp_path)
    page = (out / "demo.html").read_text(encoding="utf-8")
    assert (out / "demo.json").is_file()
    assert page.count('id="sdq-plotly"') == 1  # plotly.js embedded, once
    figures = re.search(r'<script type="application/json" id="sdq-figures">(.*?)</script>', page, re.S).group(1)
    assert len(re.findall(r'"f\d+":', figures)) >= 10
    for metric in ("histogram_similarity", "correlation", "prediction", "membership_inference"):
        assert f'id="m-{metric}"' in page
