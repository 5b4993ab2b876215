"""Subcommands are imported when used: `--help` and `validate` stay light, and nothing users see changes."""

from __future__ import annotations

from pathlib import Path

import click

from tests.helpers import run_python
from threatmodel.cli import COMMANDS, cli

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "models" / "agent-with-tools.yaml"


def test_command_table_matches_the_commands() -> None:
    """Each entry of the table names a command of that name whose help starts with the listed summary."""
    ctx = click.Context(cli)
    assert cli.list_commands(ctx) == sorted(COMMANDS)
    for name, (_module, _attribute, summary) in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name
        first_paragraph = " ".join((command.help or "").split("\n\n")[0].split())
        assert first_paragraph == summary, name


def test_help_lists_the_same_rows_before_and_after_the_commands_are_imported() -> None:
    """`threatmodel --help` from the table alone equals the help of the imported commands, at several widths."""
    code = (
        "import click\nfrom click.testing import CliRunner\nfrom threatmodel.cli import COMMANDS, cli\n"
        "def helps():\n"
        "    return [CliRunner().invoke(cli, ['--help'], terminal_width=w).output for w in (40, 60, 80, 100, 200)]\n"
        "lazy = helps()\n"
        "assert not cli.commands, sorted(cli.commands)\n"
        "for name in COMMANDS:\n"
        "    cli.get_command(click.Context(cli), name)\n"
        "assert sorted(cli.commands) == sorted(COMMANDS)\n"
        "eager = helps()\n"
        "print(lazy == eager)\n"
        "print(lazy[3])\n"
    )
    out = run_python(code)
    verdict, _, help_text = out.partition("\n")
    assert verdict == "True"
    for name in COMMANDS:
        assert f"\n  {name} " in help_text


def test_validate_imports_no_other_command_or_writer() -> None:
    """`validate` imports its own command module only: no analysis table, report writer, diff or git code."""
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom threatmodel.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['validate', {str(EXAMPLE)!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('threatmodel.cli.'))))\n"
        "mods = ('threatmodel.render', 'threatmodel.cli.analyze', 'threatmodel.cli.versioning.commands', "
        "'threatmodel.io.git', 'rich')\n"
        "print(','.join(m for m in mods if m in sys.modules))\n"
    )
    loaded, heavy = run_python(code).splitlines()
    assert loaded.split(",") == ["threatmodel.cli.common", "threatmodel.cli.model_cmds"]
    assert heavy == ""


def test_unknown_command_is_a_usage_error() -> None:
    """A misspelt command is refused as before (exit 2), naming it."""
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["valdate", "x.yaml"])
    assert result.exit_code == 2
    assert "No such command 'valdate'" in result.output
