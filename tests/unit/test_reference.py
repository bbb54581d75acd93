"""The README's command reference is rendered from the registered commands and kept in sync."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.config import load_settings
from cogs.help import leaf_commands
from cogs.reference import END, START, command_tree, render, replace_section

README = Path(__file__).resolve().parents[2] / "README.md"
REGENERATE = "run `.venv/bin/bridges commands --readme README.md` and commit the result"


async def test_the_readme_lists_every_registered_command_as_rendered() -> None:
    tree = await command_tree(load_settings(None, {}))
    reference = render(tree)
    for command, _ in leaf_commands(tree):
        assert f"`/{command.qualified_name}" in reference
    readme = README.read_text(encoding="utf-8")
    assert replace_section(readme, reference) == readme, (
        f"README.md's command reference is out of date: {REGENERATE}"
    )


def test_the_section_needs_both_markers() -> None:
    with pytest.raises(ValueError, match="markers"):
        replace_section("# no markers here\n", "| x |\n")
    assert (
        replace_section(f"a\n{START}\nold\n{END}\nb\n", "new\n") == f"a\n{START}\nnew\n{END}\nb\n"
    )


def test_the_cli_rewrites_only_the_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    readme = tmp_path / "README.md"
    readme.write_text(f"# School\n\n{START}\nstale\n{END}\n\nmore\n", encoding="utf-8")
    assert main(["commands", "--readme", str(readme)]) == 0
    assert "updated" in capsys.readouterr().out
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# School\n") and text.endswith(f"{END}\n\nmore\n")
    assert "`/setup" in text and "stale" not in text
    assert main(["commands", "--readme", str(readme)]) == 0
    assert "already up to date" in capsys.readouterr().out
    assert main(["commands", "--readme", str(tmp_path / "missing.md")]) == 1
