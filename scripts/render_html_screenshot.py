"""Render an HTML report in headless Chromium: a PNG screenshot and, optionally, the DOM after scripts ran.

Usage:
    python scripts/render_html_screenshot.py REPORT.html OUT.png [--dom OUT.html] [--width 1280] [--height 2000]

Uses Debian's /usr/bin/chromium (or $CHROMIUM) with networking, sync, updates and the GPU
off, and a throw-away profile, so the check never touches the network or the user's
browser profile. Exit status 2 when Chromium is missing, 1 when it fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TIMEOUT = 120


def chromium_args(profile: str, width: int, height: int) -> list[str]:
    """The flags every run uses: headless, sandbox-free (root in CI), offline, no first-run noise."""
    return [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
    ]


def screenshot(report: Path, out: Path, *, width: int = 1280, height: int = 2000) -> None:
    """Write a PNG of ``report`` at ``width`` x ``height`` CSS pixels."""
    with tempfile.TemporaryDirectory(prefix="tm-chromium-") as profile:
        args = [*chromium_args(profile, width, height), f"--screenshot={out.resolve()}", report.resolve().as_uri()]
        subprocess.run(args, check=True, capture_output=True, timeout=TIMEOUT)


def dump_dom(report: Path, *, width: int = 1280, height: int = 2000) -> str:
    """The serialised DOM of ``report`` after its scripts ran (Chromium's ``--dump-dom``)."""
    with tempfile.TemporaryDirectory(prefix="tm-chromium-") as profile:
        args = [*chromium_args(profile, width, height), "--dump-dom", report.resolve().as_uri()]
        done = subprocess.run(args, check=True, capture_output=True, timeout=TIMEOUT)
    return done.stdout.decode("utf-8", "replace")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--dom", type=Path, help="also write the DOM after scripts ran to this file")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2000)
    args = parser.parse_args(argv)
    if shutil.which(CHROMIUM) is None:
        print(f"error: {CHROMIUM} not found (apt-get install chromium)", file=sys.stderr)
        return 2
    try:
        screenshot(args.report, args.out, width=args.width, height=args.height)
        if args.dom is not None:
            args.dom.write_text(dump_dom(args.report, width=args.width, height=args.height), encoding="utf-8")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        print(f"error: chromium failed: {exc}", file=sys.stderr)
        return 1
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
