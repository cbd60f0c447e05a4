"""The README's first screen keeps its promises: exactly two set-up commands (the demo, the tests),
the second run by CI as written, the picture it shows exists, and its links point at files."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_quickstart_has_exactly_the_two_commands_and_ci_runs_the_second():
    quickstart = README[README.index("## Quickstart") : README.index("### Your own files")]
    commands = re.findall(r"```bash\n(.*?)\n```", quickstart, re.S)
    assert commands == ["pip install . && sdq demo", 'pip install ".[test,dask]" && python -m pytest']
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()


def test_local_links_and_the_picture_exist():
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", README):
        assert (REPO / target).exists(), target
    assert (REPO / "docs" / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_verdict_word_the_cli_prints_is_explained():
    from sdq.result.verdict import SHORT

    table = README[README.index("### Reading the verdict") : README.index("### In CI and in notebooks")]
    for word in filter(None, SHORT.values()):
        assert f"**{word}**" in table, word
