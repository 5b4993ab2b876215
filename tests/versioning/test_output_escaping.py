"""No control character, bidi override or markup that a model, a catalog, a policy or a path
carries reaches a terminal or a Markdown summary as anything but visible, inert text.

The hostile text arrives through the channels the loader cannot refuse: user catalogs
(``--catalog``), file names and Markdown-significant (but printable) names in models.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.golden import assert_golden
from tests.versioning.conftest import AS_OF, CATALOG, invoke, version_text
from threatmodel.textsafe import UNSAFE, has_unsafe, visible, visible_lines

pytestmark = pytest.mark.usefixtures("without_builtin_threats")

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "check"

# Redraw the line as a green PASS, retitle the terminal, write the clipboard, reverse the text.
SPOOF = "\x1b[2K\r\x1b[32mPASS\x1b[0m \x1b]0;owned\x07\x1b]52;c;ZWNobyBoaQ==\x07\u202eevil\u2066\x9b31m\x7f"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def hostile_catalog(tmp_path: Path, spoof: str = SPOOF) -> Path:
    """The versioning test catalog with a threat title and the catalog title spoofed.

    With control characters (the default) the loader refuses the file; with ``spoof=""`` only
    Rich markup remains, which the loader accepts and the terminal sinks must show literally.
    """
    text = CATALOG.read_text(encoding="utf-8")
    text = text.replace("title: Versioning test threats", f"title: {yaml_str('Evil catalog ' + spoof)}", 1)
    text = text.replace(
        "    title: Indirect prompt injection\n",
        f"    title: {yaml_str('Injection [link=https://evil.example]click[/link] ' + spoof)}\n",
        1,
    )
    path = tmp_path / "hostile-catalog.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def yaml_str(text: str) -> str:
    """A double-quoted YAML scalar holding ``text`` (controls as YAML escapes)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif RAW.match(ch) or ch in "\r\n\t":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) <= 0xFF else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def assert_inert(text: str) -> None:
    assert not RAW.search(text), repr(text)


# ---------------------------------------------------------------------------
# the helper


def test_visible_escapes_each_kind_of_control() -> None:
    assert visible("a\x1b[31mb") == "a\\x1b[31mb"
    assert visible("\x00\x07\x7f\x85\x9b") == "\\x00\\x07\\x7f\\x85\\x9b"
    assert visible("x\u202ey\u2066z\u200e\u200f\u2028") == "x\\u202ey\\u2066z\\u200e\\u200f\\u2028"
    assert visible("tab\tnl\n") == "tab\\x09nl\\x0a"
    assert visible_lines("tab\tnl\nesc\x1b") == "tab\tnl\nesc\\x1b"
    assert visible("plain ünïcödé → ✓ 中文") == "plain ünïcödé → ✓ 中文"
    assert has_unsafe("a\u202eb") and not has_unsafe("ab")


@given(st.text())
def test_visible_leaves_no_unsafe_character(text: str) -> None:
    shown = visible(text)
    assert not UNSAFE.search(shown)
    assert shown == text or has_unsafe(text)
    lines = visible_lines(text)
    assert not RAW.search(lines)
    assert lines.count("\n") == text.count("\n")


# ---------------------------------------------------------------------------
# terminal sinks


def test_a_user_catalog_with_terminal_escapes_is_refused_inertly(tmp_path: Path) -> None:
    """Control characters in a catalog stop it at load (exit 2); the message shows them escaped."""
    cat = str(hostile_catalog(tmp_path))
    for args in (("catalogs", "list", "--catalog", cat), ("analyze", "m.yaml", "--catalog", cat)):
        (tmp_path / "m.yaml").write_text(version_text("v1"), encoding="utf-8")
        result = invoke(tmp_path, *args)
        assert result.exit_code == 2, (args, result.output)
        assert_inert(result.output)
        assert "\\x1b" in result.output, args


def test_catalogs_list_show_search_show_markup_literally(tmp_path: Path) -> None:
    cat = str(hostile_catalog(tmp_path, spoof=""))
    for args in (("list",), ("show", "vt:indirect-prompt-injection"), ("search", "Injection")):
        result = invoke(tmp_path, "catalogs", *args, "--catalog", cat)
        assert result.exit_code == 0, (args, result.output)
        assert_inert(result.output)
    shown = invoke(tmp_path, "catalogs", "show", "vt:indirect-prompt-injection", "--catalog", cat)
    assert "[link=https://evil.example]click[/link]" in shown.output


def test_analyze_escapes_catalog_text_and_rich_markup(tmp_path: Path) -> None:
    cat = str(hostile_catalog(tmp_path, spoof=""))
    (tmp_path / "m.yaml").write_text(version_text("v1"), encoding="utf-8")
    summary = invoke(tmp_path, "analyze", "m.yaml", "--catalog", cat, "--as-of", AS_OF)
    assert summary.exit_code == 0, summary.output
    assert_inert(summary.output)
    finding = "vt:indirect-prompt-injection@chat-llm"
    one = invoke(tmp_path, "analyze", "m.yaml", "--finding", finding, "--catalog", cat, "--as-of", AS_OF)
    assert one.exit_code == 0, one.output
    assert_inert(one.output)
    # Rich markup in a title is shown, not interpreted (no hyperlink, nothing swallowed)
    assert "[link=https://evil.example]click[/link]" in one.output


def test_analyze_output_file_is_escaped(tmp_path: Path) -> None:
    """`analyze -o` writes through the same escaping console: a hostile file name stays inert in it."""
    name = "m\x1b[2K\x1b]52;c;aGk=\x07.yaml"
    (tmp_path / name).write_text(version_text("v1"), encoding="utf-8")
    cat = str(hostile_catalog(tmp_path, spoof=""))
    result = invoke(tmp_path, "analyze", name, "-o", "out.txt", "--catalog", cat, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    written = (tmp_path / "out.txt").read_text(encoding="utf-8")
    assert_inert(written)
    assert "Support assistant" in written


def test_check_and_validate_escape_a_hostile_file_name(tmp_path: Path) -> None:
    name = "m\x1b[2K\r\x1b[32mPASS\x1b]52;c;aGk=\x07\u202e.yaml"
    (tmp_path / name).write_text(version_text("v1"), encoding="utf-8")
    check = invoke(tmp_path, "check", name, "--catalog", str(CATALOG), "--as-of", AS_OF)
    assert check.exit_code == 1
    assert_inert(check.output)
    assert check.stdout.startswith("FAIL m\\x1b[2K\\x1b[32mPASS")
    broken = "bad\x1b]0;t\x07.yaml"
    (tmp_path / broken).write_text("schema_version: 1\nsystem: [\n", encoding="utf-8")
    for command in ("validate", "analyze", "check"):
        result = invoke(tmp_path, command, broken, "--catalog", str(CATALOG))
        assert result.exit_code == 2, (command, result.output)
        assert_inert(result.output)
        assert "bad\\x1b]0;t\\x07.yaml" in result.output


def test_diff_escapes_hostile_labels(tmp_path: Path) -> None:
    old, new = "old\x1b[8m.yaml", "new\u202e.yaml"
    (tmp_path / old).write_text(version_text("v1"), encoding="utf-8")
    (tmp_path / new).write_text(version_text("v2"), encoding="utf-8")
    result = invoke(tmp_path, "diff", old, new, "--catalog", str(CATALOG), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert_inert(result.output)
    assert "old\\x1b[8m.yaml" in result.output and "new\\u202e.yaml" in result.output


# ---------------------------------------------------------------------------
# check --format md, for $GITHUB_STEP_SUMMARY


HOSTILE_NAME = "# PASS <img src=x onerror=alert(1)> [ok](https://evil.example) ![i](http://x/y.png) | a | www.evil.com"


def test_check_markdown_is_inert_golden(tmp_path: Path) -> None:
    """Exact output for a hostile system name and file name: no heading, link, image, HTML,
    table cell or autolink comes from them, and controls are visible."""
    text = version_text("v1").replace("  name: Support assistant\n", f"  name: {yaml_str(HOSTILE_NAME)}\n", 1)
    assert HOSTILE_NAME in text or "evil.example" in text
    name = "pr\x1b[32m|`x`.yaml"
    (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "ok.yaml").write_text(version_text("v3"), encoding="utf-8")
    result = invoke(tmp_path, "check", name, "ok.yaml", "--format", "md", "--catalog", str(CATALOG), "--as-of", AS_OF)
    assert result.exit_code == 1, result.output
    assert_inert(result.stdout)
    assert not re.search(r"(?<!\\)\]\(", result.stdout)
    assert "://" not in result.stdout.replace("\\://", "")
    assert_golden(GOLDEN / "hostile.md", result.stdout)


@pytest.mark.parametrize("fmt", ["text", "md"])
def test_check_formats_agree_on_the_verdict(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "v3.yaml").write_text(version_text("v3"), encoding="utf-8")
    result = invoke(tmp_path, "check", "v3.yaml", "--format", fmt, "--catalog", str(CATALOG), "--as-of", AS_OF)
    assert result.exit_code == 0
    assert "Gate passed: 1 model" in result.stdout
