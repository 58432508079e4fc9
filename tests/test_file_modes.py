"""Runtime files are private: the var/ folder 0700, databases (and their -wal/-shm), keys and logs 0600."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from loanwhy import accounts, ops, paths, session
from loanwhy.store import open_db, shared_db

ROOT = Path(__file__).resolve().parent.parent


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture()
def var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A runtime folder not yet made, under the usual permissive umask."""
    folder = tmp_path / "var"
    monkeypatch.setenv("LOANWHY_VAR", str(folder))
    monkeypatch.setenv("LOANWHY_APP_DB", str(folder / "app.sqlite"))
    monkeypatch.delenv("LOANWHY_SESSION_SECRET", raising=False)
    monkeypatch.setattr(session, "_CACHE", {})
    old = os.umask(0o022)
    try:
        yield folder
    finally:
        os.umask(old)


def test_app_database_with_password_hashes_is_private(var: Path) -> None:
    accounts.add_user("agent1", "correct horse 42")
    assert mode(var) == 0o700
    assert mode(var / "app.sqlite") == 0o600
    for side in ("app.sqlite-wal", "app.sqlite-shm"):
        if (var / side).exists():
            assert mode(var / side) == 0o600, side


def test_shared_connection_file_is_private(var: Path) -> None:
    db = shared_db(var / "hot.sqlite")
    db.execute("create table t (x integer)")
    assert mode(var) == 0o700 and mode(var / "hot.sqlite") == 0o600
    assert mode(var / "hot.sqlite-wal") == 0o600


def test_existing_world_readable_files_are_tightened(var: Path) -> None:
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    db = open_db(var / "app.sqlite")
    db.execute("create table t (x integer)")
    db.close()
    (var / "app.sqlite").chmod(0o644)
    open_db(var / "app.sqlite").close()
    assert mode(var) == 0o700 and mode(var / "app.sqlite") == 0o600


def test_session_key_and_folder_are_private(var: Path) -> None:
    session.secret()
    assert mode(var) == 0o700 and mode(var / "session.key") == 0o600


def test_store_check_creates_private_tracker_database(var: Path) -> None:
    assert ops.check_sqlite(var / "tracker.db") is None
    assert mode(var) == 0o700 and mode(var / "tracker.db") == 0o600


def test_private_tree_tightens_the_runtime_folder(var: Path) -> None:
    (var / "log").mkdir(parents=True)
    var.chmod(0o755)
    (var / "log").chmod(0o755)
    (var / "log" / "web.log").write_text("x")
    (var / "log" / "web.log").chmod(0o644)
    (var / "tracker.db").write_text("")
    (var / "tracker.db").chmod(0o644)
    changed = paths.private_tree(var)
    assert mode(var) == 0o700 and mode(var / "log") == 0o700
    assert mode(var / "log" / "web.log") == 0o600 and mode(var / "tracker.db") == 0o600
    assert set(changed) == {var, var / "log", var / "log" / "web.log", var / "tracker.db"}


def test_check_stores_command_tightens_the_folder_before_the_servers_start(var: Path) -> None:
    (var / "log").mkdir(parents=True)
    var.chmod(0o755)
    (var / "log" / "rasa.log").write_text("x")
    (var / "log" / "rasa.log").chmod(0o644)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "loanwhy.cli", "check-stores", "--var", str(var)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert mode(var) == 0o700 and mode(var / "log") == 0o700 and mode(var / "log" / "rasa.log") == 0o600
    assert mode(var / "tracker.db") == 0o600 and mode(var / "app.sqlite") == 0o600


@pytest.mark.parametrize("module", ["web.server", "staff.server", "staff.cli", "loanwhy.cli"])
def test_entry_points_set_a_private_umask(module: str, var: Path) -> None:
    code = (
        "import os, sys, runpy\n"
        f"import {module} as m\n"
        "try:\n    m.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(oct(os.umask(0)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.strip().splitlines()[-1] == "0o77", done.stdout + done.stderr
