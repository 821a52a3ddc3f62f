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


def test_the_readme_configuration_table_is_the_settings_table():
    import re

    from events.config import SETTINGS

    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(EVENTS_\w+)` \|", section, flags=re.MULTILINE)
    assert documented == [name for name, _default, _help in SETTINGS]


def test_settings_are_read_through_the_settings_table():
    """One way to read a setting (events.config.get): no module reads EVENTS_* from the environment itself."""
    root = Path(__file__).resolve().parents[1]
    for path in [root / "dashboard.py", *(root / "src" / "events").rglob("*.py")]:
        if path.name == "config.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert 'environ.get("EVENTS_' not in text and 'getenv("EVENTS_' not in text, path
