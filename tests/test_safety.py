"""Nothing lost, nothing leaked, nothing random that should not be: atomic writes, no network,
seeds that change only what is random."""

from __future__ import annotations

import os
import socket

import pytest

import sdq
from sdq.cli import main
from sdq.files import write_atomic


def test_a_crash_while_writing_leaves_the_previous_report(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    write_atomic(target, "previous report")

    class Boom(Exception):
        pass

    real_fdopen = os.fdopen

    def half_then_crash(fd, *args, **kwargs):
        handle = real_fdopen(fd, *args, **kwargs)
        write = handle.write

        def partial(text):
            write(text[: len(text) // 2])
            raise Boom("disk full")

        handle.write = partial
        return handle

    monkeypatch.setattr(os, "fdopen", half_then_crash)
    with pytest.raises(Boom):
        write_atomic(target, "new report " * 1000)
    assert target.read_text() == "previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left behind


def test_reports_are_written_whole_with_the_usual_permissions(tmp_path):
    target = write_atomic(tmp_path / "sub" / "r.json", "{}")
    assert target.read_text() == "{}"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_writing_a_report_leaves_the_process_umask_alone(tmp_path, monkeypatch, mixed_triple):
    # the umask is process-wide: setting it, even for a moment, would change the permissions of
    # files another thread creates meanwhile; the report still gets the usual permissions
    found = os.umask(0o027)
    try:
        calls = []
        monkeypatch.setattr(os, "umask", lambda *args: calls.append(args) or 0o027)
        report = sdq.evaluate(*mixed_triple, metrics=["histogram_similarity"])
        report.to_json(tmp_path / "r.json")
        report.to_html(tmp_path / "r.html")
        write_atomic(tmp_path / "plain.txt", "text")
        monkeypatch.undo()
        assert calls == []
        assert os.umask(0o027) == 0o027  # unchanged
        for name in ("r.json", "r.html", "plain.txt"):
            assert (tmp_path / name).stat().st_mode & 0o777 == 0o640, name
    finally:
        os.umask(found)


@pytest.fixture()
def no_network(monkeypatch):
    """Every attempt to open a network connection fails the test."""
    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise AssertionError(f"sdq tried to connect to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a[0] if a else None))
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: refuse(None, a[0] if a else None))
    return attempts


def test_no_network_at_run_time(no_network, fair_split, tmp_path, capsys):
    train, holdout = fair_split
    synthetic = train.sample(frac=0.5, random_state=2).reset_index(drop=True)
    report = sdq.evaluate(train, synthetic, holdout, target="had_affair", config=sdq.Config(n_bootstrap=10))
    html = report.to_html(tmp_path / "r.html")
    assert "cdn.plot.ly" not in html and "https://" not in html.split('id="sdq-plotly"')[0]
    sdq.compare({"a": synthetic}, train, holdout=holdout, metrics=["histogram_similarity"]).to_html(tmp_path / "c.html")
    train.to_parquet(tmp_path / "t.parquet")
    synthetic.to_parquet(tmp_path / "s.parquet")
    assert (
        main(
            [
                "report",
                str(tmp_path / "t.parquet"),
                str(tmp_path / "s.parquet"),
                "--quiet",
                "--jobs",
                "1",
                "--metrics",
                "statistics,exact_match",
                "--output",
                str(tmp_path / "x.html"),
            ]
        )
        == 0
    )
    assert no_network == []


def test_a_new_seed_changes_only_what_is_random(fair_split):
    train, holdout = fair_split
    # as many rows as the holdout: no subsample at its size (that one is random, and seeded)
    synthetic = train.sample(n=len(holdout), replace=True, random_state=4).reset_index(drop=True)
    metrics = ["histogram_similarity", "exact_match", "correlation", "qscore"]
    a = sdq.evaluate(train, synthetic, holdout, metrics=metrics, seed=0, config=sdq.Config(n_bootstrap=50))
    b = sdq.evaluate(train, synthetic, holdout, metrics=metrics, seed=1, config=sdq.Config(n_bootstrap=50))
    # exact computations on every row do not move; bootstrap intervals and sampled queries do
    for name in ("histogram_similarity", "exact_match", "correlation"):
        assert a[name].score == b[name].score and a[name].baseline == b[name].baseline, name
    assert a["histogram_similarity"].ci != b["histogram_similarity"].ci
    assert a["qscore"].score != b["qscore"].score  # 1,000 random queries: another seed, other queries
