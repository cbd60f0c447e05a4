"""The ``sdq`` command line: a thin adapter over the Python API.

Exit codes: 0 done (``sdq check``: every threshold passed); 1 a threshold failed (``sdq check``);
2 bad input, usage or configuration (one line on stderr, no traceback); 3 with ``--strict``, a metric
failed, ran out of time or recorded a warning (the reports are still written).
Progress goes to stderr (a bar on a terminal, elsewhere a line per finished metric once a run takes
a few seconds, nothing with ``--quiet``), as does a warning when two inputs are the same file;
results to stdout.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Sequence

from sdq.cli.commands import COMMANDS, EXIT_USAGE
from sdq.cli.parser import build_parser
from sdq.cli.text import one_line
from sdq.errors import SdqError

__all__ = ["main", "build_parser"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sdq`` command; returns the exit code."""
    with warnings.catch_warnings():
        if not os.environ.get("SDQ_DEBUG"):
            # numpy's and pandas' warnings on odd data (overflow, ...) are not errors: a metric's
            # warnings are recorded in its result (and listed by --strict); the rest would only
            # put lines of library source on stderr, which holds progress and one-line errors
            warnings.simplefilter("ignore")
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    except SdqError as exc:
        sys.stderr.write(f"sdq: error: {one_line(str(exc))}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("sdq: interrupted\n")
        return 130
    except BrokenPipeError:  # the reader of stdout went away (e.g. `sdq demo | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that flushing stdout at exit raises nothing
        return 141  # 128 + SIGPIPE, as the shell reports a process a closed pipe stopped
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback
        if os.environ.get("SDQ_DEBUG"):
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        sys.stderr.write(
            f"sdq: error: unexpected {type(exc).__name__}: {one_line(message)} (a bug in sdq: "
            f"please report it with the traceback, shown with SDQ_DEBUG=1)\n"
        )
        return EXIT_USAGE
