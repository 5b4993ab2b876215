"""The Markdown and HTML reports are made as they are written: the bytes written in chunks are the
golden text, a section is built only when the writer reaches it, and a report that fails half-way
leaves the file it was to replace as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.export.reporting import FIXTURE_SVG, GOLDEN, TOOL_VERSION, example_models, load_case
from threatmodel.cli.common import write_rendered
from threatmodel.export import html as html_writer
from threatmodel.export.markdown import LINES_PER_PIECE, line_pieces
from threatmodel.render import BY_ID as EXPORT_BY_ID
from threatmodel.render import Options, Rendered, TextPieces

MODEL = next(p for p in example_models() if p.stem == "agent-with-tools")


def _whole_list_trim(lines: list[str]) -> str:
    """How the Markdown report ended its text before it was streamed: the whole list of lines, its
    blank tail dropped, the last line's newlines stripped, one newline after each line."""
    out = list(lines)
    while out and not out[-1].strip("\n"):
        out.pop()
    if out:
        out[-1] = out[-1].rstrip("\n")
    pieces = [piece for line in out for piece in (line, "\n")]
    return "".join(pieces or ["\n"])


_LINES = st.lists(
    st.sampled_from(["", "\n", "\n\n", " ", "a", "a\n", "b\n\n", "| x |", "c\nd", "\U0001f534 x"]), max_size=8
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_LINES, max_size=6))
def test_line_pieces_end_the_text_as_the_whole_list_did(sections: list[list[str]]) -> None:
    """Any split of the lines into sections, blank ones included, gives the text the whole list gave."""
    assert "".join(line_pieces(iter(sections))) == _whole_list_trim([line for lines in sections for line in lines])


def test_line_pieces_join_at_most_a_batch_of_lines() -> None:
    lines = [f"line {i}" for i in range(LINES_PER_PIECE * 2 + 3)]
    pieces = list(line_pieces([lines[:10], [], lines[10:]]))
    assert "".join(pieces) == "\n".join(lines) + "\n"
    assert max(piece.count("\n") for piece in pieces) == LINES_PER_PIECE


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=5), max_size=30), st.integers(1, 8), st.integers(1, 6))
def test_chunks_are_the_text_in_order(pieces: list[str], size: int, batch: int) -> None:
    text = TextPieces(lambda: pieces)
    chunks = list(text.chunks(batch=batch, size=size))
    assert b"".join(chunks) == "".join(pieces).encode("utf-8")
    assert len(chunks) <= len(pieces)


def test_a_batch_ends_once_it_holds_size_characters() -> None:
    text = TextPieces(lambda: ["ab", "cd", "é", "f", "ghi"])
    assert list(text.chunks(size=3)) == [b"abcd", "éfghi".encode()]
    assert list(text.chunks(batch=2, size=100)) == [b"abcd", "éf".encode(), b"ghi"]


def _rendered(fmt: str) -> Rendered:
    case = load_case(MODEL, fixture=False)
    options = Options(tool_version=TOOL_VERSION, run_dot=lambda dot, out: FIXTURE_SVG.encode("utf-8"))
    return EXPORT_BY_ID[fmt].render(case.analysis, options)


@pytest.mark.parametrize(("fmt", "suffix"), [("md", "md"), ("html", "html")])
def test_written_chunks_are_the_golden_report(fmt: str, suffix: str, tmp_path: Path) -> None:
    """``report -o`` writes the chunks; they are the reviewed text byte for byte, and reading the text
    makes the report once."""
    rendered = _rendered(fmt)
    golden = (GOLDEN / f"{MODEL.stem}.{suffix}").read_bytes()
    out = tmp_path / f"report.{suffix}"
    write_rendered(rendered, out)
    assert out.read_bytes() == golden
    assert isinstance(rendered.content, TextPieces)
    made = []
    pieces = rendered.content

    def counted() -> object:
        made.append(1)
        return pieces.make()

    once = Rendered(TextPieces(counted))  # type: ignore[arg-type]
    assert once.text.encode("utf-8") == golden
    assert made == [1]


def test_html_sections_are_made_when_reached(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first sections come out before the last one is built: the script's data is made only
    when the writer gets to it."""
    case = load_case(MODEL, fixture=False)
    built = []
    real = html_writer._data

    def data(*args: object) -> object:
        built.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(html_writer, "_data", data)
    pieces = html_writer.html_pieces(case.analysis, tool_version=TOOL_VERSION, diagram_svg=None)
    head = [next(pieces)]
    while not any('id="findings"' in p for p in head[-1:]):  # the system section comes a row at a time
        head.append(next(pieces))
    assert head[0] == "<!DOCTYPE html>" and len(head) > 40
    assert built == []
    rest = list(pieces)
    assert built == [1]
    assert rest[-2:] == ["</html>", "\n"]


def test_a_report_that_fails_half_way_leaves_the_old_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The report is written to a temporary file as it is made; an error late in the making removes
    that file and leaves the one it would have replaced untouched."""
    out = tmp_path / "report.html"
    out.write_text("the report the user kept\n", encoding="utf-8")

    def broken(*args: object) -> object:
        raise RuntimeError("the last section failed")

    monkeypatch.setattr(html_writer, "_data", broken)
    rendered = _rendered("html")
    with pytest.raises(RuntimeError, match="last section"):
        write_rendered(rendered, out)
    assert out.read_text(encoding="utf-8") == "the report the user kept\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
