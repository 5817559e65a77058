"""Custom spaCy components, registered by name so a saved pipeline can find them on load."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from agent.classifier.extract import Extractor, Headers
from agent.domain import Extraction

EXTRACTOR = "rebound_extractor"


@Language.factory(EXTRACTOR)
def make_extractor(nlp: Language, name: str) -> ExtractorComponent:
    """The extraction step; it learns nothing, so training leaves it as it is."""
    return ExtractorComponent(nlp)


class ExtractorComponent:
    """Fills doc.user_data['extraction'] for job mail; skips mail the text classifier calls not_job."""

    def __init__(self, nlp: Language) -> None:
        self.extractor = Extractor(nlp.vocab)

    def __call__(self, doc: Doc) -> Doc:
        cats = doc.cats
        if cats and max(cats, key=cats.__getitem__) == "not_job":
            return doc  # extraction only where it is needed
        headers = doc.user_data.get("headers", Headers())
        company, role, contact, stage, human, feedback, reapply = self.extractor(doc, headers)
        doc.user_data["extraction"] = Extraction(
            company=company,
            role=role,
            contact_name=contact,
            stage=stage,
            human_sender=human,
            offers_feedback=feedback,
            invites_reapply=reapply,
        )
        return doc
