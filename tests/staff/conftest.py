"""Fixtures for the staff console: temp databases, a staff user, a logged-in client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from staff_client import PASSWORD, Client, make_app

from loanwhy import accounts


@pytest.fixture()
def staff_env(kb_db: Path, app_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fresh application database, empty var/ (tracker store), a bridge token."""
    var = tmp_path / "var"
    var.mkdir()
    monkeypatch.setenv("LOANWHY_VAR", str(var))
    monkeypatch.setenv("LOANWHY_STAFF_TOKEN", "test-token")
    monkeypatch.setenv("LOANWHY_RASA_URL", "http://127.0.0.1:9")
    return app_db


@pytest.fixture()
def client(staff_env: Path) -> Iterator[Client]:
    c = Client(make_app())
    yield c
    c.close()


@pytest.fixture()
def staff_user(staff_env: Path) -> str:
    accounts.add_user("agent1", PASSWORD)
    return "agent1"


@pytest.fixture()
def logged_in(client: Client, staff_user: str) -> Client:
    resp = client.login(staff_user)
    assert resp.status == 302, resp.text
    return client
