"""The repository itself: nothing half-merged ships."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXT = {".py", ".md", ".toml", ".j2", ".cfg", ".txt", ".ini", ".yml", ".yaml", ".sql"}
SKIP = {".venv", ".git", "build", "pipeline", "node_modules", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def _text_files() -> list[Path]:
    out = []
    for path in ROOT.rglob("*"):
        if any(part in SKIP for part in path.relative_to(ROOT).parts):
            continue
        if path.is_file() and (path.suffix in TEXT or path.name in {"Makefile", "Dockerfile"}):
            out.append(path)
    return out


def test_no_merge_conflict_markers() -> None:
    files = _text_files()
    assert len(files) > 50, "the walk found too few files to mean anything"
    marked = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in files
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").split("\n"), 1)
        if line.startswith(("<<<<<<< ", ">>>>>>> ")) or line == "======="
    ]
    assert not marked, "merge conflict markers left in: " + ", ".join(marked)
