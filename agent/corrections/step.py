"""The corrections' part of a pass: read the Rebound folders, then apply whatever is queued."""

from __future__ import annotations

from collections.abc import Sequence

from agent.classifier import Classifier
from agent.corrections.corrector import Applied, Corrector
from agent.corrections.folders import CorrectionFolders, FolderSource
from agent.drafts import DraftWriter
from agent.store import Store


class CorrectionStep:
    """Run after the watched folders in every pass (and by `rebound correct`)."""

    def __init__(
        self,
        source: FolderSource,
        store: Store,
        classifier: Classifier,
        writer: DraftWriter,
        account: str,
        watched: Sequence[str],
        *,
        folders: bool = True,
    ) -> None:
        """folders: make and read the Rebound folders ([imap] correction_folders); queued corrections are applied either way."""
        self.folders = CorrectionFolders(source, store, account) if folders else None
        self.corrector = Corrector(source, store, classifier, writer, account)
        self.watched = tuple(watched)
        self.source = source

    @property
    def classifier(self) -> Classifier:
        return self.corrector.classifier

    @classifier.setter
    def classifier(self, classifier: Classifier) -> None:
        self.corrector.classifier = classifier

    def run(self, drafts_folder: str | None = None) -> Applied:
        """Queue what the user moved, apply every queued correction, bring Drafts in step."""
        fetched = self.folders.read() if self.folders is not None else {}
        look_in = [*self.watched, *(self.folders.names if self.folders is not None else [])]
        return self.corrector.apply_pending(drafts_folder or self.source.drafts_folder(), fetched, look_in)
