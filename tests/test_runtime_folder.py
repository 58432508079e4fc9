"""Everything the assistant writes goes to its runtime folder, LOANWHY_VAR (default var/)."""

from __future__ import annotations

import importlib.util
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from loanwhy import events, learned, lexicon, paths
from loanwhy import kb as kbmod
from trackers.sqlite_lock import SQLiteLockStore

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("train_if_changed", ROOT / "scripts" / "train_if_changed.py")
assert _spec and _spec.loader
train = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(train)


@pytest.fixture()
def var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "elsewhere"
    monkeypatch.setenv("LOANWHY_VAR", str(folder))
    monkeypatch.delenv("LOANWHY_KB", raising=False)
    return folder


def test_every_runtime_path_is_in_the_folder(var: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for override in ("LOANWHY_APP_DB", "WECHAT_DB"):  # tests/conftest.py points the app database elsewhere
        monkeypatch.delenv(override, raising=False)
    found = {
        "app": paths.app_db(),
        "tracker": Path(events.location()),
        "wechat": paths.wechat_db(),
        "kb": kbmod.db_path(),
        "jieba": lexicon.dictionary_file(),
        "locks": paths.locks_db(),
    }
    assert {name: path.is_relative_to(var) for name, path in found.items()} == dict.fromkeys(found, True)


def test_a_relative_folder_is_the_checkout_s(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOANWHY_VAR", "var/other")
    assert paths.var_dir() == ROOT / "var" / "other"


def test_build_kb_writes_the_database_and_dictionary_there(var: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "loanwhy.cli", "build-kb"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    built = kbmod.read_db(var / "kb.sqlite")
    assert built.signals
    words = (var / "jieba" / "finance.txt").read_text(encoding="utf-8").splitlines()
    assert words == [f"{w} 2000" for w in lexicon.terms(built)]


def test_the_lock_store_defaults_to_the_folder(var: Path) -> None:
    SQLiteLockStore()
    assert (var / "locks.sqlite").exists()


def test_training_reads_this_folder_s_dictionary(var: Path) -> None:
    config = train.rasa_config()
    assert config.is_relative_to(var)
    assert f"dictionary_path: {var / 'jieba'}" in config.read_text(encoding="utf-8")


def test_training_with_the_default_folder_uses_config_yml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOANWHY_VAR", raising=False)
    assert train.rasa_config() == ROOT / "config.yml"


def test_the_signal_classifier_keeps_its_dictionary() -> None:
    """Its words do not depend on the runtime folder a process finds (or on one existing)."""
    words = learned._Words("卡债压身 2000\n")
    assert "卡债压身" in words("最近卡债压身，贷款被拒")
    again = pickle.loads(pickle.dumps(words))  # noqa: S301 - our own object
    assert "卡债压身" in again("最近卡债压身，贷款被拒")
    assert "卡债压身" not in learned._Words("")("最近卡债压身，贷款被拒")
