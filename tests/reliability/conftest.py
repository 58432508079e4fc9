"""The fault tests' own running assistant (see stack.py); stopped at the end of the session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.live.conftest import MODEL
from tests.reliability.stack import ROOT, VAR_NAME, PortLock, Stack


@pytest.fixture(scope="session")
def rel() -> Iterator[Stack]:
    """Ports 5505/5555/8505 (LOANWHY_REL_PORT=N: N/N+50/N+3000), var/test-rel; one session at a time."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test does it)")
    with PortLock(VAR_NAME):
        stack = Stack.create(ROOT / "var" / VAR_NAME)
        try:
            stack.run()
            yield stack
        finally:
            stack.stop()


@pytest.fixture()
def sender() -> str:
    return f"r-{uuid.uuid4().hex[:12]}"
