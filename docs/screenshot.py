"""Make ``docs/report.png``, the picture of the report in the README, from the demo.

Runs ``sdq demo`` into a temporary folder and has headless Chromium (Debian's ``chromium``
package) take a screenshot of the top of ``demo.html`` (offline: every host name fails to
resolve), so the picture always shows what the current code renders.

Usage::

    python docs/screenshot.py                         # docs/report.png, 1400 x 1100 px
    python docs/screenshot.py --width 800 --out /tmp/narrow.png
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit("no Chromium on PATH: install Debian's 'chromium' package")


def screenshot(html: Path, out: Path, width: int, height: int, fragment: str = "") -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--virtual-time-budget=15000",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--window-size={width},{height}",
                f"--screenshot={out}",
                html.as_uri() + fragment,
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(HERE / "report.png"))
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1100)
    parser.add_argument("--fragment", default="", help="e.g. '#m-histogram_similarity' to show a card")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            [sys.executable, "-m", "sdq", "demo", "--quiet", "--output-dir", folder], capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"sdq demo failed: {done.stderr.strip()}")
        screenshot(Path(folder) / "demo.html", Path(args.out), args.width, args.height, args.fragment)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
