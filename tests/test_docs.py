"""Documentation moves with the code: every setting, CLI command and endpoint is documented."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from followlytics.api.app import create_app
from followlytics.cli import app as cli_app
from followlytics.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def _commands(group, prefix: str = "") -> list[str]:
    names = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            names.extend(_commands(command, f"{prefix}{name} "))
        else:
            names.append(f"{prefix}{name}")
    return names


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme(name: str) -> None:
    assert f"`FOLLOWLYTICS_{name.upper()}`" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("command", sorted(_commands(typer.main.get_command(cli_app))))
def test_every_cli_command_is_in_the_cli_docs(command: str) -> None:
    assert f"`followlytics {command}" in (ROOT / "docs" / "cli.md").read_text()


def _routes() -> list[str]:
    paths = create_app().openapi()["paths"]
    return sorted(f"{method.upper()} {path}" for path, methods in paths.items() for method in methods)


@pytest.mark.parametrize("route", _routes())
def test_every_endpoint_is_in_the_api_docs(route: str) -> None:
    assert f"`{route}`" in (ROOT / "docs" / "api.md").read_text()
