"""Shared fixtures. The knowledge base is built once per test session into a temp file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from loanwhy import kb as kbmod

ROOT = Path(__file__).resolve().parent.parent

# CI runs the property tests with a fixed seed so a pass or a failure repeats;
# HYPOTHESIS_PROFILE=explore searches with fresh random inputs each run.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", max_examples=500, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session", autouse=True)
def isolated_app_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No test writes the developer's var/app.sqlite."""
    path = tmp_path_factory.mktemp("app") / "app.sqlite"
    os.environ["LOANWHY_APP_DB"] = str(path)
    return path


@pytest.fixture(scope="session", autouse=True)
def default_tracker_store() -> None:
    """Transcripts, figures and retention read LOANWHY_TRACKER_URL first: not a developer's database."""
    os.environ.pop("LOANWHY_TRACKER_URL", None)


@pytest.fixture(scope="session", autouse=True)
def kb_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every test reads the knowledge of this checkout, not a developer's var/kb.sqlite: masking,
    which almost every path does, reads its words from it."""
    path = tmp_path_factory.mktemp("kb") / "kb.sqlite"
    kbmod.build(path)
    os.environ["LOANWHY_KB"] = str(path)
    return path


@pytest.fixture(scope="session")
def kb(kb_db: Path) -> kbmod.Knowledge:
    return kbmod.load(kb_db)


@pytest.fixture()
def app_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "app.sqlite"
    monkeypatch.setenv("LOANWHY_APP_DB", str(path))
    return path
