"""Running the selected metrics: fault isolation, parallel jobs and per-metric time limits.

Every metric runs on its own: a metric that does not apply is ``skipped`` with the reason, one that
raises is an ``error`` with the reason, and the others still run (``strict=True`` raises instead).

With ``jobs > 1`` or a ``timeout``, metrics run in child processes forked from this one (they
inherit the prepared encodings without copying them). Metrics that share cached work (the same
``group``: the utility models, the privacy distance index, the sequences) run one after another in
one child, so that work is done once. A metric that exceeds ``timeout`` seconds is stopped and
recorded as an ``error``; the rest of its group goes on in a new child. Every metric draws its
random numbers from its own seed, so results do not depend on which process ran it or when:
``jobs=1`` and ``jobs=2`` give the same scores. Results come back in the order the metrics were
selected. Where forking is not safe (anything but Linux), metrics run in this process, one at a
time, and a time limit cannot be enforced (the manifest records what was used).

The warnings a metric raises are recorded in its result (:class:`WarningCapture`), also when
several threads of one process run metrics at the same time: each result holds the warnings of its
own metric only.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
import traceback
import warnings
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from typing import Any, Callable, Iterator

import numpy as np
from threadpoolctl import threadpool_limits

from sdq.errors import ConfigError, MetricError
from sdq.metrics import MetricSpec, Outcome, Skip, needs
from sdq.result import About, MetricResult, json_safe

__all__ = ["run_metrics", "RunInfo", "default_jobs", "WarningCapture", "capture_warnings"]

#: ``progress(event, name, done, total)``: event is "start" or "end" of metric ``name``.
Progress = Callable[[str, str, int, int], None]


def _reason(need: str) -> str:
    known = needs().get(need)
    return known.reason if known is not None else f"{need} is not available"


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _check_result(name: str, out: Outcome) -> None:
    values = [("score", out.score), ("baseline", out.baseline)]
    if out.ci is not None:
        values += [("ci", v) for v in out.ci]
    for what, v in values:
        if v is None and what != "score":
            continue
        if v is None or not np.isfinite(v) or v < -1e-9 or v > 1 + 1e-9:
            raise MetricError(f"metric {name!r} produced an invalid {what} {v!r} (must be in [0, 1])")


class WarningCapture:
    """Records the warnings raised in a thread while it runs a metric, for that metric alone.

    ``warnings.catch_warnings`` swaps process-wide state (the filters and ``showwarning``) on entry
    and puts back what it found on exit: two threads running metrics at once each recorded the
    other's warnings, and the one to leave last put back the other's recording state. Here, while
    any thread of the process runs a metric, a filter that shows every warning comes first (no
    warning is skipped as already shown, none is turned into an error) and ``warnings.showwarning``
    sends each warning to the list of the thread that raised it; warnings of threads that run no
    metric go where they went before. The last metric to finish puts the filters and
    ``showwarning`` back as they were. (A library that itself swaps the warnings state while a
    metric runs, as ``catch_warnings`` does, still affects every thread for that moment.)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()
        self._running = 0  # metrics running in this process, in any thread
        self._saved: tuple[list, Callable] | None = None  # the filters and showwarning found
        # where the warnings of other threads go: the showwarning found (kept after it is put back,
        # for a thread whose own catch_warnings put this capture back after the last metric ended)
        self._forward: Callable | None = None
        # a child forked while another thread changes the state gets a consistent state and a free lock
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(
                before=self._lock.acquire, after_in_parent=self._lock.release, after_in_child=self._lock.release
            )

    @contextmanager
    def __call__(self) -> Iterator[list[warnings.WarningMessage]]:
        """Collect the warnings this thread raises inside the block into the list it yields."""
        caught: list[warnings.WarningMessage] = []
        outer = getattr(self._local, "caught", None)
        with self._lock:
            if self._running == 0:
                self._saved = (warnings.filters, warnings.showwarning)
                self._forward = warnings.showwarning
                warnings.filters = list(warnings.filters)  # a copy: the filters found stay as they were
                warnings.simplefilter("always")  # (also shows warnings already shown once again)
                warnings.showwarning = self._show
            self._running += 1
        self._local.caught = caught
        try:
            yield caught
        finally:
            self._local.caught = outer
            with self._lock:
                self._running -= 1
                if self._running == 0 and self._saved is not None:
                    warnings.filters, warnings.showwarning = self._saved
                    self._saved = None

    def _show(self, message, category, filename, lineno, file=None, line=None) -> None:
        caught = getattr(self._local, "caught", None)
        if caught is not None:
            caught.append(warnings.WarningMessage(message, category, filename, lineno, file, line))
            return
        show = self._forward
        if show is not None and show is not self._show:
            show(message, category, filename, lineno, file, line)


#: The one capture of this process (see :class:`WarningCapture`).
capture_warnings = WarningCapture()


def run_one(spec: MetricSpec, prepared: Any, available: dict[str, bool], strict: bool) -> MetricResult:
    """One metric, isolated: ``ok``, ``skipped`` (with the reason) or ``error`` (with the reason).

    The metric is called with its parameters (``spec.arguments(prepared.config)``), and its details
    must match the shape it declared: details that do not are an ``error`` naming what is wrong."""
    about = About.of(spec)
    missing = [need for need in spec.needs if not available.get(need, False)]
    if missing:
        return MetricResult(
            spec.name, spec.family, "skipped", message="; ".join(_reason(m) for m in missing), about=about
        )
    # one BLAS/OpenMP thread inside a metric: parallelism comes from --jobs; on a busy machine,
    # threads that spin while waiting made a logistic regression 5x slower (3.6 s against 0.64 s)
    with capture_warnings() as caught, threadpool_limits(limits=1):
        try:
            data = (
                prepared.at_baseline_size()
                if spec.sizes == "matched" and hasattr(prepared, "at_baseline_size")
                else prepared
            )
            out = spec.fn(data, **spec.arguments(getattr(prepared, "config", None)))
            _check_result(spec.name, out)
            details = json_safe(out.details)
            spec.shape.validate(details)
        except Skip as exc:
            return MetricResult(spec.name, spec.family, "skipped", message=str(exc), about=about)
        except Exception as exc:  # noqa: BLE001 - fault isolation: one metric never stops the others
            if strict:
                raise
            return MetricResult(
                spec.name,
                spec.family,
                "error",
                message=f"{type(exc).__name__}: {exc}",
                warnings=_distinct(caught),
                about=about,
            )
    clip = lambda v: None if v is None else float(min(1.0, max(0.0, v)))  # noqa: E731
    return MetricResult(
        spec.name,
        spec.family,
        "ok",
        score=clip(out.score),
        baseline=clip(out.baseline),
        ci=[clip(out.ci[0]), clip(out.ci[1])] if out.ci is not None else None,
        details=details,
        message=out.message,
        warnings=_distinct(caught),
        about=about,
    )


def _distinct(caught: list, limit: int = 5) -> list[str]:
    """The distinct warnings a metric raised (``Category: message``), at most ``limit``."""
    texts = list(dict.fromkeys(f"{w.category.__name__}: {str(w.message).strip()}"[:300] for w in caught))
    return texts[:limit] + ([f"... and {len(texts) - limit} more"] if len(texts) > limit else [])


@dataclass
class RunInfo:
    """How the metrics were run: for the manifest."""

    jobs: int
    timeout: float | None
    processes: bool
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"jobs": self.jobs, "metric_timeout": self.timeout, "child_processes": self.processes}


def _can_fork() -> bool:
    """Forking a process that has loaded BLAS and OpenMP is safe on Linux; on macOS system
    frameworks may abort in the child, and Windows cannot fork."""
    return (
        sys.platform.startswith("linux")
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )  # a daemonic process may not have children


def run_metrics(
    specs: list[MetricSpec],
    prepared: Any,
    available: dict[str, bool],
    *,
    strict: bool = False,
    jobs: int = 1,
    timeout: float | None = None,
    progress: Progress | None = None,
) -> tuple[list[MetricResult], RunInfo]:
    """Run ``specs`` on ``prepared``; results in the order of ``specs``, and how they were run."""
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ConfigError(f"jobs must be a positive integer. Got {jobs!r} instead.")
    if timeout is not None and (
        not isinstance(timeout, (int, float))
        or isinstance(timeout, bool)
        or not timeout > 0
        or not np.isfinite(timeout)
    ):
        raise ConfigError(f"the metric timeout must be a positive number of seconds. Got {timeout!r} instead.")
    processes = (jobs > 1 or timeout is not None) and _can_fork() and len(specs) > 0
    info = RunInfo(jobs=jobs, timeout=None if timeout is None else float(timeout), processes=processes)
    if not processes:
        results = []
        for done, spec in enumerate(specs):
            if progress is not None:
                progress("start", spec.name, done, len(specs))
            t0 = time.perf_counter()
            results.append(run_one(spec, prepared, available, strict))
            info.timings[spec.name] = round(time.perf_counter() - t0, 4)
            if progress is not None:
                progress("end", spec.name, done + 1, len(specs))
        return results, info
    return _run_in_children(specs, prepared, available, strict, jobs, timeout, progress, info), info


# -- child processes ----------------------------------------------------------------------------
def _child(
    names: list[str], conn, specs: dict, prepared: Any, available: dict, strict: bool
) -> None:  # pragma: no cover - runs in the forked child
    """Run metrics one after another, reporting ("start", name) and ("done", name, result, seconds).
    The arguments reach the child through fork (nothing is pickled)."""
    try:
        for name in names:
            conn.send(("start", name))
            t0 = time.perf_counter()
            try:
                result = run_one(specs[name], prepared, available, strict)
            except Exception as exc:  # strict: hand the failure to the parent
                conn.send(("raised", name, f"{type(exc).__name__}: {exc}", traceback.format_exc()))
                return
            conn.send(("done", name, result, time.perf_counter() - t0))
    finally:
        conn.close()
        os._exit(0)


@dataclass
class _Worker:
    process: Any
    conn: Any
    queue: deque  # names still to run in this child, the running one first
    started: float | None = None  # when the running metric started


def _run_in_children(specs, prepared, available, strict, jobs, timeout, progress, info) -> list[MetricResult]:
    by_name = {s.name: s for s in specs}
    groups: dict[str, list[str]] = {}
    for s in specs:
        groups.setdefault(s.group or s.name, []).append(s.name)
    pending = deque(groups.values())  # tasks: one group each, in the order of their first metric
    results: dict[str, MetricResult] = {}
    workers: list[_Worker] = []
    context = multiprocessing.get_context("fork")
    done = 0

    def launch(names: list[str]) -> None:
        parent, child = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(names, child, by_name, prepared, available, strict), daemon=True)
        try:
            process.start()
        except BaseException:
            parent.close()
            child.close()
            raise
        child.close()
        workers.append(_Worker(process, parent, deque(names)))

    def finish(name: str, result: MetricResult, seconds: float) -> None:
        nonlocal done
        results[name] = result
        info.timings[name] = round(seconds, 4)
        done += 1
        if progress is not None:
            progress("end", name, done, len(specs))

    def stop(worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join()
        worker.conn.close()
        workers.remove(worker)

    def lose(worker: _Worker, reason: str, now: float) -> None:
        """The worker's running metric is lost (its process stopped or was stopped): record it as
        an error (raise with ``strict``), and run the rest of its group in a new process."""
        stop(worker)
        if not worker.queue:
            return
        name, rest = worker.queue.popleft(), list(worker.queue)
        if strict:
            raise MetricError(f"metric {name!r}: {reason}")
        result = MetricResult(name, by_name[name].family, "error", message=reason, about=About.of(by_name[name]))
        finish(name, result, now - (worker.started or now))
        if rest:
            pending.appendleft(rest)

    try:
        while pending or workers:
            while pending and len(workers) < jobs:
                launch(pending.popleft())
            deadline = None
            if timeout is not None:
                running = [w.started for w in workers if w.started is not None]
                deadline = max(0.0, min(running) + timeout - time.perf_counter()) if running else timeout
            ready = wait([w.conn for w in workers], timeout=deadline)
            now = time.perf_counter()
            for worker in [w for w in workers if w.conn in ready]:
                try:
                    message = worker.conn.recv()
                except (EOFError, OSError):  # the child died without reporting (killed, out of memory, crashed)
                    worker.process.join(timeout=10)
                    code = worker.process.exitcode
                    lose(worker, f"the process running it stopped (exit code {code})", now)
                    continue
                if message[0] == "start":
                    worker.started = now
                    if progress is not None:
                        progress("start", message[1], done, len(specs))
                elif message[0] == "done":
                    _, name, result, seconds = message
                    worker.queue.popleft()
                    worker.started = None
                    finish(name, result, seconds)
                elif message[0] == "raised":
                    _, name, text, trace = message
                    raise MetricError(f"metric {name!r} failed: {text}\n{trace}")
            if timeout is not None:
                for worker in [w for w in workers if w.started is not None and now - w.started > timeout]:
                    lose(worker, f"stopped after the time limit of {timeout:g} s", now)
            for worker in [w for w in workers if not w.queue]:
                stop(worker)
    finally:
        for worker in list(workers):
            stop(worker)
    return [results[s.name] for s in specs]
