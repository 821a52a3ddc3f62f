"""Shared fixtures: the NLP model once per session, temp stores, the repo's paths."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"


@pytest.fixture(scope="session")
def nlp():
    """The spaCy pipeline, loaded once for the whole test session."""
    from events import nlp as nlp_module

    return nlp_module.load()


@pytest.fixture
def db_path(tmp_path):
    """A fresh SQLite file path."""
    return tmp_path / "events.sqlite"
