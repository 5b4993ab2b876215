"""Running Graphviz's ``dot``: find a binary, feed it DOT text, get bytes back or a RenderError.

Lookup order (docs/diagrams.md, docs/decisions/0302-graphviz-binary.md):

1. ``$THREATMODEL_DOT``, when set (an explicit path to a ``dot``-compatible program);
2. ``dot`` on ``PATH`` (a system Graphviz);
3. the ``graphviz-pure`` program installed by the ``graphviz-pure`` wheel, found through
   the wheel's own file list, so it works even when the virtualenv's ``bin`` is not on
   ``PATH`` (``.venv/bin/threatmodel`` run directly);
4. ``graphviz-pure`` on ``PATH`` (pipx / uv tool installs).

The argument list is fixed (no shell, no user text in argv), the DOT text goes in on
stdin, the run is bounded in time and in output size, and ``-Gnewrank=true`` is always
passed because clustered graphs of a few hundred nodes fail without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, cast

from threatmodel.errors import Problem, RenderError

FORMATS = ("svg", "png", "json", "json0", "plain")
"""Output formats ``run_dot`` accepts."""

DEFAULT_TIMEOUT = 60.0
"""Seconds before a layout is abandoned; ``dot`` does not finish on thousands of nodes."""

MAX_OUTPUT = 64 * 1024 * 1024
"""Bytes of output accepted before the run is stopped."""

MAX_STDERR = 16 * 1024
"""Bytes of ``dot``'s stderr kept for error messages (the tail)."""

INSTALL_HINT = (
    "install Graphviz (`apt-get install graphviz`, `brew install graphviz`) or the pip-only build "
    "(`pip install graphviz-pure`); `--format dot` and `--format mermaid` need neither"
)


def _from_wheel() -> Path | None:
    """The ``graphviz-pure`` executable listed in that wheel's RECORD, if installed."""
    from importlib import metadata

    try:
        dist = metadata.distribution("graphviz-pure")
    except metadata.PackageNotFoundError:
        return None
    for entry in dist.files or ():
        if entry.name in ("graphviz-pure", "graphviz-pure.exe"):
            path = Path(str(dist.locate_file(entry))).resolve()
            if path.is_file() and os.access(path, os.X_OK):
                return path
    return None


def find_dot() -> tuple[Path, str] | None:
    """``(path, how it was found)`` of the program to run, or ``None`` when there is none."""
    explicit = os.environ.get("THREATMODEL_DOT")
    if explicit:
        return Path(explicit), "THREATMODEL_DOT"
    system = shutil.which("dot")
    if system:
        return Path(system), "dot on PATH"
    wheel = _from_wheel()
    if wheel is not None:
        return wheel, "graphviz-pure wheel"
    on_path = shutil.which("graphviz-pure")
    if on_path:
        return Path(on_path), "graphviz-pure on PATH"
    return None


def _pump(stream: IO[bytes], sink: bytearray, limit: int, keep_tail: bool, overflow: Callable[[], None]) -> None:
    """Copy ``stream`` into ``sink`` in chunks; past ``limit`` keep the tail or call ``overflow``."""
    while True:
        chunk = stream.read(65536)
        if not chunk:
            return
        sink.extend(chunk)
        if len(sink) > limit:
            if keep_tail:
                del sink[: len(sink) - limit]
            else:
                overflow()
                return


def run_dot(dot_text: str, fmt: str, *, timeout: float = DEFAULT_TIMEOUT, max_output: int = MAX_OUTPUT) -> bytes:
    """Lay out ``dot_text`` with Graphviz and return the ``fmt`` output (svg, png, json...).

    Raises :class:`RenderError` when no Graphviz is found, when it fails (with its stderr),
    when it runs longer than ``timeout`` seconds, or when it writes more than ``max_output`` bytes.
    """
    if fmt not in FORMATS:
        raise RenderError(
            Problem(f"unsupported Graphviz output format '{fmt}'", hint=f"use one of {', '.join(FORMATS)}")
        )
    found = find_dot()
    if found is None:
        raise RenderError(Problem("no Graphviz `dot` program found to draw the diagram", hint=INSTALL_HINT))
    program, how = found
    argv = [str(program), "-Gnewrank=true", f"-T{fmt}"]
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise RenderError(
            Problem(f"cannot run Graphviz at {program} ({how}): {exc.strerror or exc}", hint=INSTALL_HINT)
        ) from None
    out = bytearray()
    err = bytearray()
    too_big = threading.Event()

    def stop() -> None:
        too_big.set()
        proc.kill()

    stdin, stdout, stderr = cast(IO[bytes], proc.stdin), cast(IO[bytes], proc.stdout), cast(IO[bytes], proc.stderr)
    readers = [
        threading.Thread(target=_pump, args=(stdout, out, max_output, False, stop), daemon=True),
        threading.Thread(target=_pump, args=(stderr, err, MAX_STDERR, True, stop), daemon=True),
    ]
    for reader in readers:
        reader.start()

    def feed() -> None:
        try:
            stdin.write(dot_text.encode("utf-8"))
            stdin.close()
        except OSError:
            pass  # dot exited early; its exit status and stderr tell why

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise RenderError(
            Problem(
                f"Graphviz did not finish the layout within {timeout:g} s",
                hint="draw a smaller view: --boundary ID, --focus COMPONENT --hops 1, or --overview",
            )
        ) from None
    finally:
        writer.join(timeout=5)
        for reader in readers:
            reader.join(timeout=5)
    if too_big.is_set():
        raise RenderError(
            Problem(
                f"Graphviz wrote more than {max_output} bytes; the diagram is too large", hint="draw a smaller view"
            )
        )
    if code != 0:
        message = err.decode("utf-8", "replace").strip() or "no message"
        raise RenderError(
            Problem(
                f"Graphviz ({program.name}, {how}) failed with exit code {code}: {message}",
                hint="this is a bug in threatmodel's DOT output if the model validates; please report it",
            )
        )
    return bytes(out)
