"""Where the files that ship with Rebound live, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """A top-level folder of the project (templates, models): inside the wheel, or beside agent/."""
    inside = _PACKAGE / name
    return inside if inside.exists() else _PACKAGE.parent / name


def templates_dir() -> Path:
    """The templates Rebound ships with."""
    return bundled("templates")


def model_dir() -> Path:
    """The trained spaCy pipeline Rebound ships with."""
    return bundled("models") / "pipeline"


def demo_mail_dir() -> Path:
    """The sample mailbox used by `rebound demo`."""
    return _PACKAGE / "demo_mail"
