"""The README cannot drift: every command and every config key is documented there."""

from __future__ import annotations

import argparse
from pathlib import Path

from pydantic import BaseModel

from mediamon.cli import build_parser
from mediamon.config import Config

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


def keys(model: type[BaseModel]) -> set[str]:
    found: set[str] = set()
    for name, field in model.model_fields.items():
        if name == "path":
            continue
        found.add(field.alias or name)
        annotation = field.annotation
        for candidate in (annotation, *getattr(annotation, "__args__", ())):
            for inner in (candidate, *getattr(candidate, "__args__", ())):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    found |= keys(inner)
    return found


def test_every_command_is_in_the_readme() -> None:
    missing = [name for name in commands() if f"`{name}" not in README]
    assert missing == []


def test_every_config_key_is_in_the_readme() -> None:
    missing = sorted(
        key for key in keys(Config) if f"{key}:" not in README and f"`{key}`" not in README
    )
    assert missing == []
