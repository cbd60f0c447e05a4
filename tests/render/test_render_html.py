"""The HTML report and the notebook summary (sdq.render.html), read as text: structure, escaping,
self-containment, size."""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path

import pytest
import tomllib
from markupsafe import escape

from sdq.metrics import registry
from sdq.render import html as render
from sdq.result import MetricResult

REPO = Path(__file__).resolve().parents[2]
FIGURES_BLOCK = re.compile(r'<script type="application/json" id="sdq-figures">(.*?)</script>', re.S)
PACKED_BLOCK = re.compile(r'<script type="application/octet-stream" id="sdq-plotly"[^>]*>(.*?)</script>', re.S)


def _outside_blocks(page: str) -> str:
    """The page without its two data blocks (figure JSON, packed plotly.js)."""
    return PACKED_BLOCK.sub("", FIGURES_BLOCK.sub("", page))


@pytest.fixture(scope="module")
def hostile_page(hostile_report) -> str:
    return hostile_report.to_html()


def test_script_json_cannot_close_its_block():
    text = render.script_json({"a": "</script><!-- & \u2028", "<key>": [1.5, None]})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(str(text)) == {"a": "</script><!-- & \u2028", "<key>": [1.5, None]}


def test_hostile_values_are_text_everywhere(hostile_page):
    rest = _outside_blocks(hostile_page)
    for raw in ("<script>alert(1)", "<img src=x", "<svg onload", "<b>bold</b>", "<i>", "<!-- a"):
        assert raw not in rest, raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rest  # shown, as text
    assert "&lt;svg onload=" in rest and "name &#34;quoted&#34; &amp; &lt;b&gt;bold&lt;/b&gt;" in rest
    # exactly the report's own scripts: figure data, packed plotly.js, the loader
    assert len(re.findall(r"<script\b", hostile_page)) == 3
    figures = json.loads(FIGURES_BLOCK.search(hostile_page).group(1))
    text = json.dumps(figures, ensure_ascii=False)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # plotly draws it as text, not a tag
    assert "<script>" not in text and "<svg" not in text


def test_the_page_references_nothing_outside_itself(hostile_page):
    rest = _outside_blocks(hostile_page)
    assert not re.search(r"https?://|//cdn|@import|url\(", rest)
    for attribute in re.findall(r'(?:src|href)="([^"]*)"', rest):
        assert attribute.startswith("#"), attribute


def test_plotly_is_embedded_once_and_unpacks_to_the_installed_bundle(hostile_page):
    from plotly.offline import get_plotlyjs

    blocks = PACKED_BLOCK.findall(hostile_page)
    assert len(blocks) == 1 and hostile_page.count('id="sdq-plotly"') == 1
    assert gzip.decompress(base64.b64decode(blocks[0])).decode("utf-8") == get_plotlyjs()


def test_cdn_mode_links_plotly_instead(hostile_report):
    page = hostile_report.to_html(cdn=True)
    assert re.search(r'<script src="https://cdn\.plot\.ly/plotly-[0-9.]+\.min\.js"', page)
    assert 'id="sdq-plotly"' not in page and len(page) < 500_000


def test_every_metric_is_shown_with_its_reading(hostile_report, hostile_page):
    for m in hostile_report.metrics:
        if m.status == "ok":
            assert f'id="m-{m.name}"' in hostile_page, m.name
        else:
            assert f'id="problem-{m.name}"' in hostile_page, m.name
    spec = registry()["histogram_similarity"]
    assert str(escape(spec.summary)) in hostile_page and str(escape(spec.one)) in hostile_page
    assert "What to look at first" in hostile_page and "holdout baseline" in hostile_page
    for family in ("fidelity", "utility", "privacy", "overall"):
        assert f'<div class="family">{family}</div>' in hostile_page
    assert "ValueError: &lt;script&gt;alert(1)&lt;/script&gt;" in hostile_page  # the error and its reason


def test_unknown_metric_gets_the_generic_view(hostile_page):
    card = hostile_page.split('id="m-custom_metric"')[1].split("</article>")[0]
    assert "has no description of this metric" in card
    assert '<details class="table" open>' in card and ">threshold<" in card and ">0.25<" in card
    assert 'class="sdq-fig"' in card  # its per-column scores are drawn
    assert "rows: real 240, synthetic 240" in card  # sample sizes


def test_figures_exist_only_for_metrics_that_ran(handmade):
    details = {
        "columns": [
            {
                "column": "a",
                "score": 0.9,
                "baseline": 0.9,
                "labels": ["x", "y"],
                "real": [0.5, 0.5],
                "synthetic": [0.4, 0.6],
            }
        ]
    }
    ran = handmade([MetricResult("histogram_similarity", "fidelity", "ok", score=0.9, details=details)])
    failed = handmade([MetricResult("histogram_similarity", "fidelity", "error", details=details, message="boom")])
    assert ran.to_html().count('class="sdq-fig"') == 1
    page = failed.to_html()
    assert 'class="sdq-fig"' not in page and 'id="sdq-plotly"' not in page  # nothing to draw: no plotly.js
    assert 'data-state="done"' in page and "boom" in page


def test_records_are_shown_only_with_show_records(handmade):
    details = {"copied_share": 0.5, "holdout_share": 0.1, "records": [{"a": "SECRET-ROW-<b>"}]}
    result = MetricResult("exact_match", "privacy", "ok", score=0.4, baseline=1.0, details=details)
    hidden = handmade([result]).to_html()
    assert "SECRET-ROW" not in hidden
    shown = handmade([result], show_records=True).to_html()
    assert "SECRET-ROW-&lt;b&gt;" in _outside_blocks(shown) and "show_records" in shown


def test_schema_lists_every_column_with_counts(handmade):
    columns = [
        {"name": "a", "kind": "numeric", "reason": "numbers", "role": "feature"},
        {"name": "secret_id", "kind": "id", "reason": "unique", "role": "excluded"},
    ]
    report = handmade([], columns=columns, invalid={"synthetic": {"a": 7}, "real": {"a": 0}})
    page = report.to_html()
    section = page.split('id="columns"')[1].split("</section>")[0]
    assert ">secret_id<" in section and 'class="excluded"' in section and "Excluded columns: secret_id" in section
    assert "0 / — / 7" in section


def test_data_warnings_are_shown_as_text_in_the_columns_section_and_linked_from_the_header(handmade):
    warnings = [
        "synthetic data: 3 values of column 'age' could not be read as numbers and are missing",
        "real data: ignored its first column '<b>idx</b>', a pandas index saved with the file",
    ]
    page = handmade([], warnings=warnings).to_html()
    header = page.split('<header class="top">')[1].split("</header>")[0]
    assert '<a href="#data-warnings" class="data-warnings-link">2 data warnings</a>' in header
    section = page.split('id="columns"')[1].split("</section>")[0]
    box = section.split('id="data-warnings"')[1].split("</div>")[0]
    assert [str(escape(w)) for w in warnings] == re.findall(r"<li>(.*?)</li>", box)
    assert "<b>idx</b>" not in page and "&lt;b&gt;idx&lt;/b&gt;" in box
    one = handmade([], warnings=warnings[:1]).to_html()
    assert ">1 data warning</a>" in one


@pytest.mark.parametrize("data", [{"warnings": []}, {"warnings": None}, {}], ids=["empty", "null", "absent"])
def test_no_data_warnings_show_nothing(handmade, data):
    page = handmade([], **data).to_html()
    assert 'id="data-warnings"' not in page and 'href="#data-warnings"' not in page and "data warning" not in page


def test_data_warnings_of_an_evaluation_reach_the_page_and_survive_json(tmp_path):
    import pandas as pd

    import sdq

    real = pd.DataFrame({"x": [float(k % 17) for k in range(120)], "c": list("abc") * 40})
    synthetic = real.copy()
    synthetic["x"] = synthetic["x"].astype(object)
    synthetic.loc[:2, "x"] = "n/a?"
    report = sdq.evaluate(real, synthetic, metrics=["histogram_similarity"], seed=0)
    assert report.data["warnings"], "the evaluation should have noted the unreadable values"
    report.to_json(tmp_path / "r.json")
    again = sdq.Report.from_json(tmp_path / "r.json")
    for page in (report.to_html(), again.to_html()):
        for warning in report.data["warnings"]:
            assert f"<li>{escape(warning)}</li>" in page


def test_family_header_reads_scores_against_baselines(handmade):
    report = handmade(
        [
            MetricResult("statistics", "fidelity", "ok", score=0.7, baseline=0.95, ci=[0.65, 0.75]),
            MetricResult("exact_match", "privacy", "ok", score=0.99, baseline=1.0, ci=[0.98, 1.0]),
        ]
    )
    families = {f["name"]: f for f in render.build_context(report, embed_plotly=False)["families"]}
    assert families["fidelity"]["verdict"].startswith("well below fresh real data")
    assert families["fidelity"]["ci"] == [0.65, 0.75]
    assert families["privacy"]["verdict"] == "on par with fresh real data"
    assert families["utility"]["verdict"] == "not measured"
    assert families["overall"]["ci"] == pytest.approx([0.815, 0.875])
    # the verdicts come from findings: the fidelity one decides the overall verdict too
    assert families["fidelity"]["verdict"] == "well below fresh real data (1 finding)"
    assert families["overall"]["verdict"].startswith("well below fresh real data")


def test_findings_are_listed_with_their_evidence_and_link_to_the_column(handmade):
    entries = [
        {"column": "a", "score": 0.40, "baseline": 0.95, "se": 0.01},
        {"column": "b", "score": 0.94, "baseline": 0.95, "se": 0.01},
    ]
    report = handmade(
        [
            MetricResult(
                "statistics", "fidelity", "ok", score=0.67, baseline=0.95, ci=[0.6, 0.7], details={"columns": entries}
            )
        ]
    )
    context = render.build_context(report, embed_plotly=False)
    rows = context["findings"]
    assert [(r["finding"].metric, r["finding"].column) for r in rows] == [("statistics", "a"), ("statistics", None)]
    page = render.render_report(report)
    assert '<section id="findings">' in page and "Holm-adjusted" in page
    anchors = set(re.findall(r'id="([^"]+)"', page))
    assert all(r["href"].lstrip("#") in anchors for r in rows)
    assert "well below fresh real data (2 findings, 1 column)" in page


def test_look_first_links_worst_metrics_columns_and_pairs(wide_report):
    context = render.build_context(wide_report, embed_plotly=False)
    items = context["look_first"]
    kinds = [i["what"] for i in items]
    assert "column" in kinds and "pair" in kinds and any(k.endswith("metric") for k in kinds)
    anchors = set(re.findall(r'id="([^"]+)"', render.render_report(wide_report)))
    for item in items:
        assert item["href"].lstrip("#") in anchors, item


def test_a_50_column_report_stays_small(wide_report, tmp_path):
    page = wide_report.to_html(tmp_path / "wide.html")
    size = len(page.encode("utf-8"))
    figures = json.loads(FIGURES_BLOCK.search(page).group(1))
    print(f"50-column report: {size / 1e6:.2f} MB, {len(figures)} figures")
    assert size < 5_000_000
    assert len(figures) >= 50  # every column has a histogram, reachable (folded ones drawn on opening)
    assert page.count('class="sdq-fig"') == len(figures)


def test_summary_is_html_without_script(hostile_report):
    summary = hostile_report._repr_html_()
    assert "<script" not in summary.lower() and "<style" not in summary.lower()
    for m in hostile_report.metrics:
        assert f">{m.name}<" in summary
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in summary and "<script>alert" not in summary
    assert "holdout baseline" in summary and len(summary) < 60_000
    # only tags that nbconvert's sanitised export keeps as tags (it prints th, thead, tbody as text)
    from html_tags import assert_display_html

    assert_display_html(summary)


def test_templates_ship_with_the_package():
    folder = render.templates_dir()
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = setuptools["package-data"]["sdq.templates"]
    for path in folder.iterdir():
        assert any(path.match(p) for p in patterns), f"{path.name} is not in package-data"
    assert "</script" not in (folder / "report.js").read_text().lower()  # inlined in <script>
    assert "</style" not in (folder / "report.css").read_text().lower()


def test_the_statistics_table_shows_each_statistic_then_each_aspect():
    from sdq.render.tables import tables_for

    details = {
        "columns": [
            {
                "column": "x",
                "score": 0.5,
                "stats": {"real": {"median": 1.0, "max": 9.0}, "synthetic": {"median": 2.0, "max": 3.0}},
                "agreement": {"synthetic": {"median": 0.5}},
                "aspects": {"synthetic": {"location": 0.5, "spread": 1.0}},
            }
        ]
    }
    (table,) = tables_for("column_statistics", details)
    assert table["rows"] == [
        ["x", "median", 1.0, None, 2.0, 0.5],
        ["x", "max", 9.0, None, 3.0, None],
        ["x", "aspect: location", None, None, None, 0.5],
        ["x", "aspect: spread", None, None, None, 1.0],
    ]
