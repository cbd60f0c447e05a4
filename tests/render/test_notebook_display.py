"""Notebook displays of figures (``report.show``): each figure carries the plotly figure for live
front ends and a static HTML copy of its numbers for exported notebooks and static viewers."""

from __future__ import annotations

import plotly.io as pio
import pytest
from conftest import HOSTILE_COLUMNS
from html_tags import assert_display_html  # tests/ is on the path

from sdq.render.notebook import MAX_ROWS, PLOTLY_MIME, figure_bundle, figure_html
from sdq.report import Figures


def test_a_column_figures_bundle_has_the_static_copy_and_escapes_names(hostile_report):
    column = HOSTILE_COLUMNS["num"]  # 'name "quoted" & <b>bold</b>'
    figures = hostile_report.show(column)
    assert len(figures) >= 2
    assert all("<b>" not in figure.layout.title.text for figure in figures)  # plotly draws the name as text
    bundle = figures._repr_mimebundle_()
    # several figures: one bundle holds one plotly figure, so the list gives its static copies
    assert PLOTLY_MIME not in bundle
    page = bundle["text/html"]
    assert page.count('class="sdq-figure"') == len(figures)
    text = assert_display_html(page)  # no script, no tag or attribute from the data
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert f"histogram_similarity: {column}" in text  # read as plotly draws it: the name as written
    other = HOSTILE_COLUMNS["num2"]
    assert other in text  # the relation figures name the other columns
    assert bundle["text/plain"].startswith(f"{len(figures)} figure(s)")


def test_each_figure_is_displayed_with_the_plotly_figure_and_its_copy(hostile_report, monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda data, raw=False: shown.append((data, raw)))
    figures = hostile_report.show(HOSTILE_COLUMNS["num"])
    figures._ipython_display_()
    assert len(shown) == len(figures) and all(raw for _, raw in shown)
    for (data, _), figure in zip(shown, figures):
        assert data[PLOTLY_MIME]["data"][0]["type"] == figure.data[0].type
        assert 'class="sdq-figure"' in data["text/html"] and "<script" not in data["text/html"]
        assert data["text/plain"].startswith("<figure: ")
    single = Figures(figures[:1])._repr_mimebundle_()
    assert {PLOTLY_MIME, "text/html", "text/plain"} <= set(single)


def test_the_static_copy_holds_the_numbers_of_each_trace():
    figure = {
        "data": [
            {"type": "bar", "name": "real", "x": ["a", "b"], "y": [0.25, 0.75], "marker": {"color": "#2b6cb0"}},
            {"type": "bar", "name": "synthetic", "x": ["b", "c"], "y": [0.5, -0.125]},
        ],
        "layout": {"title": {"text": "shares of &lt;x&gt;"}, "yaxis": {"title": {"text": "share"}}},
    }
    page = figure_html(figure)
    text = assert_display_html(page)
    assert "shares of <x>" in text and "values: share" in text
    rows = page.split("<tr>")[2:]  # after the header row
    assert [r.split("</td>")[0].rsplit(">", 1)[1] for r in rows] == ["a", "b", "c"]
    assert "0.25" in rows[0] and "—" in rows[0]  # a key a trace does not have is a dash
    assert "0.75" in rows[1] and "0.5" in rows[1] and "-0.125" in rows[2]
    assert "background:#2b6cb0" in page  # the trace's own colour


def test_long_series_are_thinned_and_other_traces_named():
    lags = list(range(1, 201))
    figure = {
        "data": [
            {"type": "scatter", "mode": "lines", "name": "real", "x": lags, "y": [1 / k for k in lags]},
            {"type": "heatmap", "z": [[0.5, -1.0], [None, 0.25]], "x": ["p", "q"], "y": ["r", "s"]},
            {"type": "pie", "name": "slices", "values": [1, 2]},
        ],
        "layout": {},
    }
    page = figure_html(figure)
    text = assert_display_html(page)
    assert "one row in 5 of 200, and the last" in text
    first_table = page.split("</table>")[0]
    assert first_table.count("<tr>") == 1 + MAX_ROWS + 1  # the header, 40 of the 200 lags and the last
    assert ">200</td>" in first_table and ">196</td>" in first_table and ">197</td>" not in first_table
    heatmap = page.split("</table>")[1]
    assert "rgba(178,24,43,0.60)" in heatmap and "rgba(33,102,172,0.30)" in heatmap  # -1 and 0.5 of 1
    assert "not shown here: slices (pie)" in text


def test_a_renderer_that_makes_html_keeps_it(monkeypatch):
    """Colab's renderer (plotly's default there) draws with HTML: it stays, sdq adds only the plotly JSON."""
    import plotly.graph_objects as go

    monkeypatch.setattr(pio.renderers, "default", "colab")
    bundle = figure_bundle(go.Figure({"data": [{"type": "bar", "y": [1, 2]}]}))
    assert "sdq-figure" not in bundle["text/html"] and "Plotly.newPlot" in bundle["text/html"]
    assert PLOTLY_MIME in bundle  # live front ends that know plotly's type still get the figure itself


@pytest.mark.parametrize("default", ["browser", "plotly_mimetype"])
def test_without_a_static_renderer_the_copy_is_added(monkeypatch, default):
    import plotly.graph_objects as go

    monkeypatch.setattr(pio.renderers, "default", default)
    bundle = figure_bundle(go.Figure({"data": [{"type": "bar", "y": [1, 2]}]}))
    assert set(bundle) == {PLOTLY_MIME, "text/html", "text/plain"}
    assert 'class="sdq-figure"' in bundle["text/html"]
