"""`discover` on hostile trees: bounded work, symlinks never followed, nothing executed, and
every unreadable file listed with its reason instead of a traceback."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from threatmodel.cli import cli
from threatmodel.io.discover import scan as scan_module
from threatmodel.io.discover.scan import scan_repository


def write(root: Path, rel: str, data: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def reasons(inv) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {s.path: s.reason for s in inv.skipped}


def test_symlinks_are_never_followed_out_of_the_tree(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, "secret.py", "import openai\n")
    write(outside, "model.pkl", b"\x80\x04.")
    repo = tmp_path / "repo"
    write(repo, "app.py", "import anthropic\n")
    os.symlink(outside, repo / "linked-dir")
    os.symlink(outside / "secret.py", repo / "linked.py")
    os.symlink(outside / "model.pkl", repo / "weights.pkl")
    os.symlink(repo, repo / "loop")
    inv = scan_repository(repo)
    assert [i.id for i in inv.items] == ["llm-provider:anthropic"]
    assert reasons(inv) == {
        "linked-dir": "symbolic link, not followed",
        "linked.py": "symbolic link, not followed",
        "loop": "symbolic link, not followed",
        "weights.pkl": "symbolic link, not followed",
    }


def test_binary_undecodable_and_oversized_files_are_listed_not_read(tmp_path: Path) -> None:
    write(tmp_path, "native.py", b"import openai\n\x00\x01\x02")
    write(tmp_path, "bad.js", b'import x from "openai";\n\xff\xfe\n')
    write(tmp_path, "huge.py", "import openai\n" + "#" * (scan_module.MAX_FILE_BYTES + 10))
    write(tmp_path, "ok.py", "import openai\n")
    inv = scan_repository(tmp_path)
    assert reasons(inv) == {
        "bad.js": "not UTF-8 text (line 2)",
        "huge.py": "larger than 2 MiB, not read",
        "native.py": "binary file",
    }
    (item,) = inv.items
    assert [e.path for e in item.evidence] == ["ok.py"]


def test_a_fifo_is_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    write(tmp_path, "ok.py", "import openai\n")
    started = time.monotonic()
    inv = scan_repository(tmp_path)
    assert time.monotonic() - started < 2
    assert [e.path for i in inv.items for e in i.evidence] == ["ok.py"]


def test_depth_budget(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["d"] * (scan_module.MAX_DEPTH + 5))
    deep.mkdir(parents=True)
    (deep / "x.py").write_text("import openai\n", encoding="utf-8")
    inv = scan_repository(tmp_path)
    assert inv.items == ()
    assert inv.limits == (f"folders deeper than {scan_module.MAX_DEPTH} levels were not entered",)


def test_entry_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_module, "MAX_ENTRIES", 40)
    for i in range(100):
        write(tmp_path, f"m{i:03}.py", "import openai\n")
    inv = scan_repository(tmp_path)
    assert inv.limits == ("stopped after 40 directory entries",)
    assert inv.files_scanned <= 40


def test_evidence_budget_per_file(tmp_path: Path) -> None:
    write(tmp_path, "gen.py", "import openai\n" * (scan_module.MAX_EVIDENCE_PER_FILE + 50))
    inv = scan_repository(tmp_path)
    assert len(inv.items[0].evidence) == scan_module.MAX_EVIDENCE_PER_FILE
    assert any("evidence" in limit for limit in inv.limits)


@pytest.mark.parametrize(
    ("name", "content", "reason_start"),
    [
        ("deep.py", "import openai\nx = " + "(" * 5_000 + ")" * 5_000 + "\n", "Python syntax error"),
        ("chain.py", "import openai\nx = " + "+".join(["a"] * 200_000) + "\n", None),
        ("cookie.py", b"# -*- coding: no-such-codec -*-\nimport openai\n", "not UTF-8"),
        ("unterminated.ts", 'import a from "openai' + "x" * 500_000 + "\n/* " + "/" * 500_000, None),
        ("regexes.js", '"openai"' + "/" * 400_000 + "'" + '"' * 400_000, None),
        ("hosts.ts", '"api.openai.com' + "a." * 400_000 + '"', None),
        ("package.json", "{" * 100_000, "not valid JSON"),
        (".vscode/mcp.json", "[" * 100_000, "not valid JSON"),
        ("pyproject.toml", "[project\ndependencies = [", "not valid TOML"),
        ("settings.yaml", "url: api.openai.com" + "https://" * 200_000, None),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else "",
)
def test_pathological_files_cost_bounded_time_and_never_a_traceback(
    tmp_path: Path, name: str, content: str | bytes, reason_start: str | None
) -> None:
    write(tmp_path, name, content)
    started = time.monotonic()
    inv = scan_repository(tmp_path)
    assert time.monotonic() - started < 5
    if reason_start is None:
        assert name not in reasons(inv) or reasons(inv)[name]
    else:
        assert reasons(inv)[name].startswith(reason_start), reasons(inv)


def test_control_characters_in_names_are_escaped_in_every_output(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo, "evil\x1b[31m\n.pkl", b"\x80\x04.")
    write(repo, ".cursor/mcp.json", json.dumps({"mcpServers": {"srv\u202e\x07": {"command": "npx"}}}))
    runner = CliRunner()
    for fmt in ("text", "json", "sarif"):
        result = runner.invoke(cli, ["discover", str(repo), "-f", fmt])
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "\u202e" not in result.stdout
        if fmt != "text":
            json.loads(result.stdout)
        else:  # a newline in a file name cannot start a forged line of the report
            assert "evil\\x1b[31m\\x0a.pkl" in result.stdout
            assert not any(line.startswith(".pkl") for line in result.stdout.splitlines())


def test_a_notebook_cell_python_cannot_parse_is_noted_and_the_others_still_read(tmp_path: Path) -> None:
    cells = [
        {"cell_type": "code", "source": ["import openai\n"]},
        {"cell_type": "code", "source": ["def broken(:\n", "    import anthropic\n"]},
        {"cell_type": "code", "source": ["%%bash\n", "python -c 'import cohere'\n"]},
        {"cell_type": "code", "source": "await openai.AsyncOpenAI().models.list()"},
        {"cell_type": "raw", "source": ["import mistralai"]},
    ]
    write(tmp_path, "lab.ipynb", json.dumps({"cells": cells, "nbformat": 4}, indent=1))
    write(tmp_path, "odd.ipynb", json.dumps(["import openai"]))
    inv = scan_repository(tmp_path)
    assert [i.id for i in inv.items] == ["llm-provider:openai"]
    assert [(e.line, e.detail) for e in inv.items[0].evidence] == [(6, "import openai")]
    assert [(s.path, s.reason) for s in inv.skipped] == [
        ("lab.ipynb", "cell 2 not read: Python syntax error at line 1: invalid syntax"),
        ("odd.ipynb", "not a Jupyter notebook: no 'cells' list"),
    ]


def test_a_text_pth_file_is_a_python_path_file_not_weights(tmp_path: Path) -> None:
    write(tmp_path, "site/distutils-precedence.pth", "import os; var = 'SETUPTOOLS_USE_DISTUTILS'\n")
    write(tmp_path, "checkpoints/resnet.pth", b"PK\x03\x04\x00\x00archive/data.pkl")
    inv = scan_repository(tmp_path)
    assert [i.id for i in inv.items] == ["model-file:checkpoints/resnet.pth"]
