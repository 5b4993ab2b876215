"""``-o`` never clobbers what the path really is: files are replaced atomically (keeping their
mode), symlinks stay symlinks, devices and FIFOs are streamed into, directories are refused."""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from threatmodel.cli import cli
from threatmodel.errors import UsageError
from threatmodel.io.write import write_atomic, write_atomic_chunks

MODEL = Path(__file__).resolve().parents[1] / "versioning" / "data" / "versions" / "v1.yaml"
CATALOG = Path(__file__).resolve().parents[1] / "versioning" / "data" / "catalog.yaml"
COMMON = ("--catalog", str(CATALOG), "--as-of", "2026-11-25")


def run(cwd: Path, *args: str) -> Result:
    with contextlib.chdir(cwd):
        return CliRunner().invoke(cli, list(args))


# each command that writes with -o, and a marker its output contains
WRITERS = [
    (("report", str(MODEL), "-f", "md"), b"# "),
    (("report", str(MODEL), "-f", "html"), b"<!DOCTYPE html>"),
    (("report", str(MODEL), "-f", "json"), b'"findings"'),
    (("diagram", str(MODEL), "-f", "dot"), b"digraph"),
    (("analyze", str(MODEL)), b"components"),
    (("analyze", str(MODEL), "-f", "json"), b'"findings"'),
    (("diff", str(MODEL), str(MODEL)), b"No changes"),
    (("check", str(MODEL), "-f", "json"), b'"models"'),
]
IDS = [" ".join(a[0][:1] + a[0][2:]) for a in WRITERS]


@pytest.mark.parametrize(("args", "marker"), WRITERS, ids=IDS)
def test_regular_file_is_replaced_and_keeps_its_mode(tmp_path: Path, args: tuple[str, ...], marker: bytes) -> None:
    out = tmp_path / "out"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o600)
    result = run(tmp_path, *args, *COMMON, "-o", str(out))
    assert result.exit_code in (0, 1), result.output
    assert marker in out.read_bytes()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary file left behind


@pytest.mark.parametrize(("args", "marker"), WRITERS, ids=IDS)
def test_symlink_stays_a_symlink(tmp_path: Path, args: tuple[str, ...], marker: bytes) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    target = shared / "real.out"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "link.out"
    link.symlink_to(Path("shared") / "real.out")
    result = run(tmp_path, *args, *COMMON, "-o", str(link))
    assert result.exit_code in (0, 1), result.output
    assert link.is_symlink() and os.readlink(link) == str(Path("shared") / "real.out")
    assert marker in target.read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.parametrize(("args", "marker"), WRITERS, ids=IDS)
def test_fifo_is_streamed_into(tmp_path: Path, args: tuple[str, ...], marker: bytes) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def reader() -> None:
        with open(fifo, "rb") as handle:
            received.append(handle.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    result = run(tmp_path, *args, *COMMON, "-o", str(fifo))
    thread.join(timeout=20)
    assert not thread.is_alive()
    assert result.exit_code in (0, 1), result.output
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert marker in received[0]


@pytest.mark.parametrize(("args", "marker"), WRITERS[:3], ids=IDS[:3])
def test_dev_null_is_written_not_replaced(tmp_path: Path, args: tuple[str, ...], marker: bytes) -> None:
    before = os.stat(os.devnull)
    result = run(tmp_path, *args, *COMMON, "-o", os.devnull)
    assert result.exit_code in (0, 1), result.output
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


@pytest.mark.parametrize(("args", "marker"), WRITERS, ids=IDS)
def test_dash_means_stdout(tmp_path: Path, args: tuple[str, ...], marker: bytes) -> None:
    result = run(tmp_path, *args, *COMMON, "-o", "-")
    assert result.exit_code in (0, 1), result.output
    assert marker in result.stdout_bytes
    assert not (tmp_path / "-").exists()


def test_directory_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(UsageError, match="is a directory"):
        write_atomic(folder, "x")
    via_link = tmp_path / "link"
    via_link.symlink_to(folder)
    with pytest.raises(UsageError, match="is a directory"):
        write_atomic(via_link, "x")
    assert list(folder.iterdir()) == []
    result = run(tmp_path, "report", str(MODEL), *COMMON, "-o", str(folder))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_new_file_and_dangling_symlink(tmp_path: Path) -> None:
    write_atomic(tmp_path / "sub" / "new.txt", "hello")
    assert (tmp_path / "sub" / "new.txt").read_text(encoding="utf-8") == "hello"
    assert stat.S_IMODE((tmp_path / "sub" / "new.txt").stat().st_mode) == 0o644
    dangling = tmp_path / "dangling"
    dangling.symlink_to("target.txt")
    write_atomic(dangling, b"bytes")
    assert dangling.is_symlink()
    assert (tmp_path / "target.txt").read_bytes() == b"bytes"


def test_symlink_chain_and_loop(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.write_text("old", encoding="utf-8")
    (tmp_path / "b").symlink_to("real")
    (tmp_path / "a").symlink_to("b")
    write_atomic(tmp_path / "a", "new")
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()
    assert real.read_text(encoding="utf-8") == "new"
    (tmp_path / "loop1").symlink_to("loop2")
    (tmp_path / "loop2").symlink_to("loop1")
    with pytest.raises(UsageError):
        write_atomic(tmp_path / "loop1", "x")


@pytest.mark.parametrize(
    "command",
    [
        ("report", "-f", "md"),
        ("report", "-f", "html"),
        ("report", "-f", "json"),
        ("report", "-f", "sarif"),
        ("report", "-f", "stix"),
        ("analyze", "-f", "json"),
    ],
)
def test_a_report_written_in_pieces_is_what_stdout_shows(tmp_path: Path, command: tuple[str, ...]) -> None:
    """Markdown and HTML reach a file as a stream of encoded pieces, the JSON formats as orjson's
    bytes: the same bytes as on stdout."""
    shown = run(tmp_path, command[0], str(MODEL), *command[1:], *COMMON)
    written = run(tmp_path, command[0], str(MODEL), *command[1:], *COMMON, "-o", "out")
    assert shown.exit_code == written.exit_code == 0, written.output
    assert (tmp_path / "out").read_bytes() == shown.stdout_bytes


def test_a_payload_that_fails_midway_keeps_the_old_file(tmp_path: Path) -> None:
    """Nothing is replaced and no temporary file is left when the pieces fail while being written."""
    out = tmp_path / "out"
    out.write_text("old", encoding="utf-8")

    def pieces():  # type: ignore[no-untyped-def]
        yield b"new, half"
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")

    with pytest.raises(UnicodeEncodeError):
        write_atomic_chunks(out, pieces())
    assert out.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
