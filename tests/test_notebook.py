"""The example notebook (``docs/notebook.ipynb``) runs from top to bottom in a fresh kernel, and
what it shows survives a static export: every display carries ``text/html`` (what nbconvert's HTML
export and static viewers show), figures the plotly figure too (what a live notebook draws).

The kernel is this Python (``sys.executable -m ipykernel_launcher``, from a kernel spec written for
the test) importing this checkout's sdq, whatever kernels the machine has registered: a user's
``python3`` kernel spec may name another interpreter."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "docs" / "notebook.ipynb"
PLOTLY_MIME = "application/vnd.plotly.v1+json"


def _jupyter():
    try:
        import nbclient
        import nbformat
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import KernelManager
    except ImportError as exc:  # pragma: no cover - the test extra installs them
        pytest.fail(f"{exc.name} is not installed: it comes with the test extra (pip install '.[test]')")
    return nbclient, nbformat, KernelSpecManager, KernelManager


def test_the_notebook_is_stored_without_outputs():
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code and all(cell["outputs"] == [] and cell["execution_count"] is None for cell in code)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    nbclient, nbformat, KernelSpecManager, KernelManager = _jupyter()
    folder = tmp_path_factory.mktemp("notebook")
    spec = folder / "kernels" / "sdq-test"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "sdq test", "language": "python"}))
    manager = KernelManager(
        kernel_name="sdq-test", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)])
    )
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # one more cell, in memory only: which Python and which sdq the kernel ran
    notebook.cells.append(nbformat.v4.new_code_cell("import sys, sdq\nprint(sys.executable)\nprint(sdq.__file__)"))
    client = nbclient.NotebookClient(
        notebook, km=manager, timeout=120, resources={"metadata": {"path": str(folder)}}
    )  # runs in a scratch folder
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME",)}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])
    started = time.perf_counter()
    client.execute(env=env)  # raises CellExecutionError, naming the cell, if any cell fails
    return notebook, time.perf_counter() - started


def _cell(notebook, needle: str):
    (cell,) = [c for c in notebook.cells if c.cell_type == "code" and needle in c.source]
    return cell


def test_every_cell_runs_without_errors_or_warnings(executed):
    notebook, seconds = executed
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    for cell in code:
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source
        stderr = [o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
        assert not stderr, f"{cell.source}\nwrote to stderr:\n{''.join(stderr)}"
    assert seconds < 120, f"the notebook took {seconds:.0f} s; keep its settings small"


def test_the_kernel_ran_this_python_and_this_checkout(executed):
    notebook, _ = executed
    printed = notebook.cells[-1].outputs[0].text.split()
    assert printed == [sys.executable, str(REPO / "sdq" / "__init__.py")]


def test_every_display_survives_a_static_export(executed):
    notebook, _ = executed
    for needle in ("\nreport\n", "report.to_frame()", "result = report.check(", "\ncomparison\n"):
        cell = next(c for c in notebook.cells if c.cell_type == "code" and (needle in c.source + "\n"))
        (output,) = [o for o in cell.outputs if o.output_type in ("execute_result", "display_data")]
        assert "text/html" in output.data, (needle, list(output.data))
    assert 'class="sdq-summary"' in _cell(notebook, "sdq.evaluate(").outputs[0].data["text/html"]
    check = _cell(notebook, "report.check(").outputs[0].data["text/html"]
    assert 'class="sdq-check"' in check and "✗ failed" in check  # the example shows what a failure looks like
    assert 'class="sdq-comparison"' in _cell(notebook, "sdq.compare(").outputs[0].data["text/html"]


def test_figures_carry_the_plotly_figure_and_a_static_copy(executed):
    notebook, _ = executed
    outputs = _cell(notebook, "report.show(").outputs
    assert len(outputs) >= 2 and all(o.output_type == "display_data" for o in outputs)
    for output in outputs:
        assert output.data[PLOTLY_MIME]["data"], "the live figure"
        html = output.data["text/html"]
        assert 'class="sdq-figure"' in html and "<script" not in html and "<table" in html
