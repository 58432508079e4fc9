"""Where runtime files live: one git-ignored folder, `var/` unless LOANWHY_VAR says otherwise."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR = "var"


def var_dir() -> Path:
    path = Path(os.environ.get("LOANWHY_VAR", DEFAULT_VAR))
    return path if path.is_absolute() else ROOT / path


def app_db() -> Path:
    """Handoffs, case log, feedback, staff accounts."""
    return Path(os.environ.get("LOANWHY_APP_DB", var_dir() / "app.sqlite"))


def wechat_db() -> Path:
    """WeChat message ids and pending replies: WECHAT_DB, else wechat.sqlite beside the others."""
    env = os.environ.get("WECHAT_DB")
    return Path(env) if env else var_dir() / "wechat.sqlite"


def kb_db() -> Path:
    """The knowledge base `make kb` builds from knowledge/: LOANWHY_KB (tests), else kb.sqlite here."""
    env = os.environ.get("LOANWHY_KB")
    return Path(env) if env else var_dir() / "kb.sqlite"


def jieba_dir() -> Path:
    """The jieba user dictionary `make kb` writes; Rasa training copies it into the model."""
    return var_dir() / "jieba"


def locks_db() -> Path:
    """Conversation locks shared by several Rasa worker processes (trackers/sqlite_lock.py)."""
    return var_dir() / "locks.sqlite"


# Runtime files hold conversations, password hashes and keys: only this user may read them.
DIR_MODE, FILE_MODE, UMASK = 0o700, 0o600, 0o077
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_umask() -> None:
    """Called first by every entry point that writes runtime files: new files 0600, folders 0700."""
    os.umask(UMASK)


def _ours(path: Path) -> bool:
    """Inside the runtime folder (the folder itself included): safe to tighten."""
    var = var_dir().resolve()
    target = path.resolve()
    return target == var or var in target.parents


def private_dir(path: Path) -> Path:
    """Make `path` (and missing parents) as 0700; tighten it if it is the runtime folder or in it."""
    if not path.exists():
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        path.chmod(DIR_MODE)  # mkdir's mode is filtered by the umask
    elif _ours(path) and path.stat().st_mode & 0o777 != DIR_MODE:
        path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create `path` as 0600 if missing (so SQLite's -wal and -shm files inherit 0600), else tighten it."""
    private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass
    for candidate in [path, *(path.with_name(path.name + s) for s in SQLITE_SIDE_FILES)]:
        try:
            if candidate.stat().st_mode & 0o777 != FILE_MODE:
                candidate.chmod(FILE_MODE)
        except FileNotFoundError:
            continue
    return path


def private_tree(root: Path | None = None) -> list[Path]:
    """Tighten the runtime folder and everything in it (files 0600, folders 0700); what changed."""
    root = root or var_dir()
    changed: list[Path] = []
    if not root.exists():
        private_dir(root)
        return [root]
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        want = DIR_MODE if path.is_dir() else FILE_MODE
        if path.stat().st_mode & 0o777 != want:
            path.chmod(want)
            changed.append(path)
    return changed
