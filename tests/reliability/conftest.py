"""The fault tests' own running assistant (see stack.py); stopped at the end of the session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.live.conftest import MODEL
from tests.reliability.stack import ROOT, Stack


@pytest.fixture(scope="session")
def rel() -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test does it)")
    stack = Stack.create(ROOT / "var" / "test-rel")
    try:
        stack.run()
        yield stack
    finally:
        stack.stop()


@pytest.fixture()
def sender() -> str:
    return f"r-{uuid.uuid4().hex[:12]}"
