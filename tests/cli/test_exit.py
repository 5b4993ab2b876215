"""The console script ends without the interpreter's teardown (decision 1867), and nobody can tell:
the exit status, everything written to stdout and stderr, and the ``atexit`` handlers are as a
normal exit leaves them; a run that could differ (another thread alive, a non-int status, a stream
that cannot be flushed) exits as usual."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "models" / "agent-with-tools.yaml"

# runs main() as the console script does, after arranging what the test looks at
PRELUDE = (
    "import atexit, os, sys, threading\nfrom threatmodel.cli import main\nsys.argv = ['threatmodel', *sys.argv[1:]]\n"
)


def _run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PRELUDE + code, *args], capture_output=True, text=True, check=False, cwd=REPO
    )


def test_status_and_every_byte_of_piped_output() -> None:
    """A large output to a pipe arrives whole (buffered stdout is flushed), with the command's status."""
    done = _run("main()", "analyze", "--format", "json", "--as-of", "2026-12-04", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["findings"]
    usage = _run("main()", "analyze", "--no-such-option")
    assert usage.returncode == 2
    assert "no such option" in usage.stderr.lower()
    gate = _run("main()", "check", "--as-of", "2026-12-04", "--fail-on", "low", str(EXAMPLE))
    assert gate.returncode == 1


def test_atexit_handlers_run_once() -> None:
    done = _run("atexit.register(lambda: print('handler ran', flush=True))\nmain()", "validate", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("handler ran") == 1
    assert done.stdout.index("valid") < done.stdout.index("handler ran")


def test_skips_the_teardown_only_when_nothing_can_differ() -> None:
    """The teardown is skipped on a plain run (a module's ``__del__``-time work never happens), kept
    when a thread is still running (Python waits for it, and so does the run) and for a status that
    is not an int."""
    marker = (
        "class Marker:\n"
        "    def __del__(self):\n"
        "        sys.stdout.write('teardown ran\\n'); sys.stdout.flush()\n"
        "sys.modules['marker_holder'] = type(sys)('marker_holder')\n"
        "sys.modules['marker_holder'].m = Marker()\n"
    )
    plain = _run(marker + "main()", "validate", str(EXAMPLE))
    assert plain.returncode == 0
    assert "teardown ran" not in plain.stdout
    threaded = _run(
        marker
        + "import time\n"
        + "threading.Thread(target=lambda: (time.sleep(1.5), print('thread done', flush=True))).start()\n"
        + "main()",
        "validate",
        str(EXAMPLE),
    )
    assert threaded.returncode == 0
    assert "thread done" in threaded.stdout
    assert "teardown ran" in threaded.stdout


def test_a_non_int_status_is_printed_as_python_does() -> None:
    from threatmodel.cli import exit_without_teardown

    exit_without_teardown("not an int")  # returns: the caller's raise lets Python print it and exit 1
    done = _run(
        "import threatmodel.cli as c\nc.exit_without_teardown('stopped: reason')\nraise SystemExit('stopped: reason')"
    )
    assert done.returncode == 1
    assert "stopped: reason" in done.stderr


def test_a_wrapper_around_the_program_runs_after_it() -> None:
    """Run inside someone else's code (``runpy.run_module`` in a ``try``, as a profiler or a test
    harness does), the command ends as Python ends it, so the wrapper's code after it runs."""
    code = (
        "import runpy, sys\n"
        "sys.argv = ['threatmodel', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_module('threatmodel', run_name='__main__')\n"
        "finally:\n"
        "    print('after the command', file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "validate", str(EXAMPLE)], capture_output=True, text=True, check=False, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    assert "after the command" in done.stderr
    profiled = subprocess.run(
        [sys.executable, "-m", "cProfile", "-s", "calls", "-m", "threatmodel", "validate", str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert profiled.returncode == 0, profiled.stderr
    assert "function calls" in profiled.stdout  # the profiler's report, printed after the command
