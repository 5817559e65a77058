"""How an informal reply answers a casual opening ("Hoi Sam," → "Hoi Ria,"): greetings.toml beside this module."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

GREETINGS_FILE = Path(__file__).resolve().parent / "greetings.toml"


@cache
def _table() -> dict[str, dict[str, str]]:
    return tomllib.loads(GREETINGS_FILE.read_text(encoding="utf-8"))


def titled_greetings(language: str) -> dict[str, str]:
    """A formal letter's opening word before a title ('geachte') → the reply's before the writer's whole name, for one language."""
    titled: dict[str, dict[str, str]] = _table().get("titled", {})  # type: ignore[assignment]
    return titled.get(language, {})


def reply_greetings(language: str) -> dict[str, str]:
    """The employer's casual opening word → the reply's greeting word, for one language ({} where it has none)."""
    return _table().get(language, {})
