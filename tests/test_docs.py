"""The README stays true: every command has help text and is documented, the two commands are there."""

from pathlib import Path

import click

from events.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group, prefix="events"):
    for name, command in group.commands.items():
        yield f"{prefix} {name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix} {name}")


def test_every_command_has_help_and_is_in_the_readme():
    for name, command in _commands(main):
        assert command.help, f"{name} has no help text"
        if not isinstance(command, click.Group):
            assert f"`{name}" in README, f"{name} is not in the README"


def test_readme_has_the_two_commands_and_ci_runs_the_tests():
    assert "python3 -m pip install -e . && python3 -m streamlit run dashboard.py" in README
    assert "bash .ci/run" in README
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "pytest" in ci
