"""Signed conversation ids for the web widget.

The server issues `<random>.<mac>`; a browser cannot choose another user's id.
The key is LOANWHY_SESSION_SECRET, else one made once in the runtime folder, so
web conversations survive restarts. Shared by the socket.io channel and the web
server (which must not import Rasa).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import uuid

from loanwhy import paths

_CACHE: dict[str, bytes] = {}


def secret(create: bool = True) -> bytes | None:
    value = os.environ.get("LOANWHY_SESSION_SECRET")
    if value:
        return value.encode()
    path = paths.var_dir() / "session.key"
    cached = _CACHE.get(str(path))
    if cached:
        return cached
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        except FileExistsError:
            pass  # another process made it first
    key = path.read_text().strip().encode()
    _CACHE[str(path)] = key
    return key


def _mac(key: bytes, raw: str) -> str:
    return hmac.new(key, raw.encode(), hashlib.sha256).hexdigest()[:24]


def sign(raw: str | None = None) -> str:
    raw = raw or uuid.uuid4().hex
    return f"{raw}.{_mac(secret() or b'', raw)}"


def verify(value: object, create: bool = True) -> str | None:
    """The id if it carries our signature, else None."""
    if not isinstance(value, str) or value.count(".") != 1 or len(value) > 100:
        return None
    raw, mac = value.split(".")
    key = secret(create)
    if not raw or key is None:
        return None
    # bytes: compare_digest raises TypeError on non-ASCII str (a client can send "x.\x80")
    return value if hmac.compare_digest(mac.encode(), _mac(key, raw).encode()) else None
