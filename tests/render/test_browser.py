"""The report in a real browser: headless Chromium opens the demo report and a report of hostile
names and values, offline (every host name fails to resolve), and we read the DOM after the
scripts ran. The report's script writes what happened into <body>: data-state, data-figures (drawn),
data-expected (visible at load) and data-errors (script errors, console.error, failed figures).

Chromium is Debian's ``chromium`` package (.ci/run installs it); without it these tests skip."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium on PATH: install Debian's 'chromium' package (.ci/run does) to run the browser tests",
)

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=15000",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]  # offline: a network request would fail and be logged


def _launch(path: str, workdir: Path, name: str, *extra: str, fragment: str = "") -> subprocess.Popen:
    """Start Chromium on ``path``; its stdout and stderr go to ``workdir/name.out`` and ``.err``."""
    args = [
        CHROMIUM,
        *FLAGS,
        f"--user-data-dir={workdir / f'profile-{name}'}",
        *extra,
        f"{Path(path).as_uri()}{fragment}",
    ]
    with open(workdir / f"{name}.out", "wb") as out, open(workdir / f"{name}.err", "wb") as err:
        return subprocess.Popen(args, stdout=out, stderr=err)  # the child keeps its own copies


@pytest.fixture(scope="module")
def runs(demo_html, hostile_report, tmp_path_factory) -> dict[str, dict[str, str]]:
    """Four Chromium runs at once: the demo as it opens, the demo and the hostile report with every
    folded part opened (#expand-all), and a screenshot of the demo."""
    workdir = tmp_path_factory.mktemp("browser")
    hostile = workdir / "hostile.html"
    hostile_report.to_html(hostile)
    screenshot = workdir / "demo.png"
    from sdq.engine.compare import Comparison

    comparison = workdir / "compare.html"
    pwn = "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','1')\">"
    Comparison({pwn: hostile_report, "again & <b>": hostile_report}).to_html(comparison)
    procs = {
        "demo": _launch(demo_html, workdir, "demo", "--dump-dom"),
        "demo_all": _launch(demo_html, workdir, "demo_all", "--dump-dom", fragment="#expand-all"),
        "hostile": _launch(str(hostile), workdir, "hostile", "--dump-dom", fragment="#expand-all"),
        "shot": _launch(demo_html, workdir, "shot", f"--screenshot={screenshot}", "--window-size=1400,3000"),
        "compare": _launch(str(comparison), workdir, "compare", "--dump-dom"),
    }
    results = {}
    for name, proc in procs.items():
        try:
            proc.wait(timeout=180)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail(f"Chromium did not finish the {name} run in 180 s")
        results[name] = {
            "dom": (workdir / f"{name}.out").read_text(errors="replace"),
            "stderr": (workdir / f"{name}.err").read_text(errors="replace"),
            "page": str({"hostile": hostile, "compare": comparison}.get(name, demo_html)),
        }
    results["shot"]["png"] = str(screenshot)
    return results


def _body(dom: str) -> dict[str, str]:
    tag = re.search(r"<body([^>]*)>", dom)
    assert tag, f"no <body> in the DOM Chromium dumped: {dom[:300]!r}"
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag.group(1)))


def _console_problems(stderr: str) -> list[str]:
    lines = [line for line in stderr.splitlines() if ":CONSOLE" in line]
    return [line for line in lines if re.search(r"error|uncaught|failed|refused", line, re.I)]


def _check_clean(run: dict[str, str]) -> dict[str, str]:
    body = _body(run["dom"])
    assert body.get("data-state") == "done", body
    assert json.loads(body.get("data-errors", "[]").replace("&quot;", '"')) == [], body["data-errors"]
    assert _console_problems(run["stderr"]) == []
    return body


def _placeholders(page_path: str) -> int:
    return Path(page_path).read_text(encoding="utf-8").count('class="sdq-fig"')


def test_demo_report_draws_its_visible_figures_without_errors(runs):
    body = _check_clean(runs["demo"])
    assert int(body["data-figures"]) == int(body["data-expected"]) >= 10
    assert runs["demo"]["dom"].count('class="main-svg"') >= 10  # plotly's own SVG, so really drawn


def test_demo_report_draws_every_figure_when_expanded(runs):
    body = _check_clean(runs["demo_all"])
    assert int(body["data-figures"]) == _placeholders(runs["demo_all"]["page"])
    assert 'data-state="failed"' not in runs["demo_all"]["dom"]


def test_hostile_values_show_as_text_and_run_nothing(runs):
    run = runs["hostile"]
    body = _check_clean(run)
    assert int(body["data-figures"]) == _placeholders(run["page"])
    dom = run["dom"]
    assert "data-pwned" not in re.search(r"<html[^>]*>", dom).group(0)
    assert not re.search(r"<(img|svg)[^>]*(onerror|onload)", dom)
    assert "<script>alert" not in dom
    # plotly drew the category as SVG text, and the tables show it as text
    assert re.search(r"<text[^>]*>[^<]*&lt;script&gt;alert\(1", dom)
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;" in dom or "&lt;script&gt;alert(1)&lt;/script&gt; " in dom


def test_demo_screenshot(runs):
    png = Path(runs["shot"]["png"])
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 100_000  # a page with figures, not a blank one


def test_comparison_page_draws_every_figure_and_runs_nothing(runs):
    run = runs["compare"]
    body = _check_clean(run)
    assert int(body["data-figures"]) == _placeholders(run["page"]) >= 3
    dom = run["dom"]
    assert "data-pwned" not in re.search(r"<html[^>]*>", dom).group(0)
    assert not re.search(r"<(img|svg)[^>]*onerror", dom)
    assert "again &amp; &lt;b&gt;" in dom
