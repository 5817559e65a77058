"""Recruiter-email understanding: the only package that imports spaCy."""

from agent.classifier.model import Classifier, load_pipeline

__all__ = ["Classifier", "load_pipeline"]
