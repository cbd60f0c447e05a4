"""The report in a real browser: headless Chromium opens the demo report and a report of hostile
names and values, offline (every host name fails to resolve), and we read the DOM after the
scripts ran. The report's script writes what happened into <body>: data-state, data-figures (drawn),
data-expected (visible at load) and data-errors (script errors, console.error, failed figures).

Chromium is Debian's ``chromium`` package (.ci/run installs it); without it these tests skip."""

from __future__ import annotations

import html
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


# -- layout: nothing covers a figure's legend or labels, look-first text keeps to its column ----------
#: Appended to a copy of a page: once the figures are drawn, it measures (in CSS pixels, page
#: coordinates) each drawn figure's modebar (plotly's toolbar, shown on hover: present and not
#: display:none counts as visible), legend, value labels, annotations and plot area, and in "What to
#: look at first" each item's label box and the boxes of its text's line fragments; the result goes
#: into <body data-geometry>.
GEOMETRY_PROBE = """<script>(function () {
  function box(el) { var r = el.getBoundingClientRect(); return [r.left, r.top + scrollY, r.right, r.bottom + scrollY]; }
  function shown(el) {
    for (var n = el; n && n.nodeType === 1; n = n.parentElement) {
      var s = getComputedStyle(n);
      if (s.display === "none" || s.visibility === "hidden") { return false; }
    }
    var r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  }
  function all(root, selector) { return Array.prototype.filter.call(root.querySelectorAll(selector), shown); }
  function measure() {
    var out = {width: innerWidth, figures: [], look: []};
    document.querySelectorAll('.sdq-fig[data-state="rendered"]').forEach(function (div) {
      var modebar = div.querySelector(".modebar");
      var parts = [];
      all(div, "g.legend rect.bg").forEach(function (el) { parts.push(["legend", box(el)]); });
      all(div, "text.bartext, g.textpoint text").forEach(function (el) { parts.push(["value label", box(el)]); });
      all(div, "g.annotation").forEach(function (el) { parts.push(["annotation", box(el)]); });
      all(div, ".draglayer .nsewdrag").forEach(function (el) { parts.push(["plot area", box(el)]); });
      out.figures.push({fig: div.getAttribute("data-fig"), panel: (div.closest("figure") || {}).id,
                        modebar: modebar && shown(modebar) ? box(modebar) : null, parts: parts});
    });
    document.querySelectorAll(".look-first li").forEach(function (li) {
      var label = li.querySelector(".what");
      var range = document.createRange();
      range.setStartAfter(label);
      range.setEndAfter(li.lastChild);
      var lines = Array.prototype.filter.call(range.getClientRects(), function (r) { return r.width > 0; })
        .map(function (r) { return [r.left, r.top + scrollY, r.right, r.bottom + scrollY]; });
      out.look.push({text: li.textContent.trim().slice(0, 60), label: box(label), lines: lines});
    });
    document.body.setAttribute("data-geometry", JSON.stringify(out));
  }
  var timer = setInterval(function () {
    if (document.body.getAttribute("data-state") !== "loading") { clearInterval(timer); setTimeout(measure, 250); }
  }, 50);
})();</script>"""

WIDTHS = (1400, 800)


@pytest.fixture(scope="module")
def geometry(demo_run, tmp_path_factory) -> dict[tuple[str, int], dict]:
    """The demo report and a comparison of six candidates (a legend as wide as the figure), each at
    1400 and 800 px wide, measured by GEOMETRY_PROBE: ``{(page, width): measurements}``."""
    from sdq.engine.compare import Comparison
    from sdq.report import Report

    workdir = tmp_path_factory.mktemp("geometry")
    report = Report.from_json(demo_run[0] / "demo.json")
    names = ["ctgan (300 epochs)", "tvae (300 epochs)", "gaussian copula", "bayesian network", "smote", "noisy copy"]
    Comparison(dict.fromkeys(names, report)).to_html(workdir / "compare.html")
    pages = {"demo": Path(demo_run[0] / "demo.html"), "compare": workdir / "compare.html"}
    procs = {}
    for page, source in pages.items():
        head, _, tail = source.read_text(encoding="utf-8").rpartition("</body>")
        probed = workdir / f"{page}-probed.html"
        probed.write_text(head + GEOMETRY_PROBE + "</body>" + tail, encoding="utf-8")
        for width in WIDTHS:
            name = f"{page}-{width}"
            procs[page, width] = _launch(str(probed), workdir, name, "--dump-dom", f"--window-size={width},1000")
    results = {}
    for (page, width), proc in procs.items():
        try:
            proc.wait(timeout=180)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail(f"Chromium did not finish measuring {page} at {width} px in 180 s")
        dom = (workdir / f"{page}-{width}.out").read_text(errors="replace")
        body = _body(dom)
        assert body.get("data-state") == "done", (page, width, body)
        assert "data-geometry" in body, f"the probe did not run on {page} at {width} px"
        results[page, width] = json.loads(html.unescape(body["data-geometry"]))
    return results


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


@pytest.mark.parametrize("page", ["demo", "compare"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_modebar_covers_no_legend_label_or_plot(geometry, page, width):
    measured = geometry[page, width]
    assert abs(measured["width"] - width) <= 20, measured["width"]
    figures = measured["figures"]
    assert len(figures) >= (10 if page == "demo" else 3)
    assert any(kind == "legend" for f in figures for kind, _ in f["parts"])  # the check has legends to check
    covered = [
        f"{f['panel']} ({f['fig']}): modebar {f['modebar']} covers its {kind} {part}"
        for f in figures
        if f["modebar"] is not None
        for kind, part in f["parts"]
        if _overlap(f["modebar"], part)
    ]
    assert not covered, "\n".join(covered)


@pytest.mark.parametrize("width", WIDTHS)
def test_look_first_text_wraps_in_its_own_column(geometry, width):
    items = geometry["demo", width]["look"]
    assert len(items) >= 5
    # the check means something only if some item's text takes more than one line
    assert any(len({round(line[1]) for line in item["lines"]}) > 1 for item in items), items
    under = [
        f"{item['text']!r}: a line starts at {line[0]:.0f} px, left of the label column's edge {item['label'][2]:.0f} px"
        for item in items
        for line in item["lines"]
        if line[0] < item["label"][2] - 0.5
    ]
    assert not under, "\n".join(under)
