"""Your own copy of the pipeline: written by `rebound learn`, kept beside the database, used whenever it exists.

The copy was learned from one base pipeline (the shipped one, or [classifier] model_path). When
that base is replaced, by an upgrade of Rebound or by `make train`, the copy would hide whatever
the new base does better: it is set aside (and a warning says to run `rebound learn` again)
rather than used.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from agent.config import default_data_dir
from agent.resources import model_dir

log = logging.getLogger(__name__)

# Written last into a new copy: the copy is complete when it is there, and its time says when it changed.
NOTE = "rebound-learned.json"
# The files that hold what the base pipeline learned; their hash names the base.
WEIGHTS = ("textcat/model", "facets/model")


@dataclass(frozen=True)
class Note:
    """What a personal copy was learned from, and how it scored."""

    base: str
    base_id: str
    learned_at: str
    corrections: int
    heldout_f1_before: float
    heldout_f1_after: float


def personal_dir(database_url: str) -> Path:
    """Where `rebound learn` keeps the copy: beside the SQLite database, else in the data folder."""
    if database_url.startswith("sqlite:///") and not database_url.endswith(":memory:"):
        db = Path(database_url.removeprefix("sqlite:///"))
        return db.with_name(f"{db.stem}-pipeline")
    return default_data_dir() / "pipeline"


def base_id(path: Path) -> str:
    """A name for what a pipeline has learned: the hash of its weights (~40 MB, a tenth of a second)."""
    digest = hashlib.sha256()
    for name in WEIGHTS:
        weights = path / name
        if weights.exists():
            with weights.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def read_note(copy: Path) -> Note | None:
    """The note of a complete personal copy, None when there is none (or it cannot be read)."""
    try:
        return Note(**json.loads((copy / NOTE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def write_note(copy: Path, note: Note) -> None:
    """Finish a copy: written last, so a copy without its note is never used."""
    (copy / NOTE).write_text(json.dumps(asdict(note), indent=2) + "\n", encoding="utf-8")


class PipelineChoice:
    """Which pipeline to load: the personal copy when there is a good one, else the base; cheap to ask again."""

    def __init__(self, model_path: Path | None, database_url: str) -> None:
        self.base = model_path or model_dir()
        self.copy = personal_dir(database_url)
        self._base_id: str | None = None
        self._seen: tuple[float, bool] | None = None

    def current(self) -> tuple[Path, float]:
        """The pipeline to load, and a stamp that changes whenever `rebound learn` writes a new copy (one stat)."""
        try:
            stamp = (self.copy / NOTE).stat().st_mtime
        except OSError:
            return self.base, 0.0
        if self._seen is None or self._seen[0] != stamp:
            self._seen = (stamp, self._fits(read_note(self.copy)))
        return (self.copy, stamp) if self._seen[1] else (self.base, 0.0)

    def _fits(self, note: Note | None) -> bool:
        if note is None:
            return False
        if self._base_id is None:
            self._base_id = base_id(self.base)
        if note.base_id != self._base_id:
            log.warning(
                "your personal pipeline %s was learned from another version of %s; using that one until you run `rebound learn` again",
                self.copy, self.base,
            )
            return False
        return True
