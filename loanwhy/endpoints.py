"""Where Rasa keeps conversations, read from the endpoints file Rasa itself runs with.

The `tracker_store` section of endpoints.yml (LOANWHY_ENDPOINTS names another file, e.g.
ops/cluster/endpoints.yml) is the one statement of where the tracker store is: Rasa reads
it to write conversations, and loanwhy/events.py (staff transcripts, weekly figures,
retention) and `loanwhy.cli check-stores` read it here to find them. It is read as Rasa
3.6 reads it (rasa.shared.utils.io, rasa.core.tracker_store.SQLTrackerStore.get_db_url):

- an unquoted value with `${VAR}` in it takes the environment's value; a variable that
  is not set is an error; quoted values are taken as written. Only the section read needs
  its variables (Rasa needs every section's). LOANWHY_VAR, when unset, is `var` here as
  everywhere in this project (Rasa gets it from scripts/run.sh and the Makefile);
- an SQL store (type `SQL`, or this project's subclass of it) is `url` when that is a full
  SQLAlchemy URL, else built from dialect (default sqlite), url as host, port, db
  (default rasa.db), username, password and query;
- an SQLite file named by a relative path is relative to the checkout (scripts/run.sh
  starts Rasa there).

Plain module: no Rasa import (tests/test_endpoints.py compares it with Rasa's reader).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
import yaml

from loanwhy import paths

ENV = "LOANWHY_ENDPOINTS"
DEFAULT_FILE = paths.ROOT / "endpoints.yml"
# dotted paths of this project's subclasses of Rasa's SQLTrackerStore (type `SQL`, any case, is Rasa's own)
SQL_CLASSES = frozenset({"trackers.cached_sql.CachedSQLTrackerStore"})
DEFAULTS = {"LOANWHY_VAR": paths.DEFAULT_VAR}

Store = Path | str  # an SQLite file, or an SQLAlchemy URL


class EndpointsError(ValueError):
    """The endpoints file is missing, unreadable, or names no store this project can read."""


_ENV_VAR = re.compile(r"^(.*)\$\{(.*)\}(.*)$")  # Rasa's pattern: a plain scalar with ${...}
_EXPAND = re.compile(r"\$(\w+|\{[^}]*\})", re.ASCII)  # what os.path.expandvars expands


class _Unexpanded(str):
    """A value with ${VAR} in it, replaced when its section is read."""


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_implicit_resolver("!env_var", _ENV_VAR, None)


def _unexpanded(loader: yaml.SafeLoader, node: yaml.Node) -> _Unexpanded:
    if not isinstance(node, yaml.ScalarNode):  # implicit resolvers tag plain scalars only
        raise EndpointsError(f"!env_var on a {type(node).__name__}")
    return _Unexpanded(loader.construct_scalar(node))


_Loader.add_constructor("!env_var", _unexpanded)


def _expand(value: str, env: Mapping[str, str]) -> str:
    """os.path.expandvars over `env`, and Rasa's check that nothing was left unset."""
    expanded = _EXPAND.sub(lambda m: env.get(m.group(1).strip("{}"), m.group(0)), value)
    missing = [w for w in expanded.split() if w.startswith("$") and w in value]
    if missing:
        raise EndpointsError(f"environment variables not set in '{value}': {missing}")
    return expanded


def _expanded(data: Any, env: Mapping[str, str]) -> Any:
    if isinstance(data, _Unexpanded):
        return _expand(data, env)
    if isinstance(data, dict):
        return {k: _expanded(v, env) for k, v in data.items()}
    if isinstance(data, list):
        return [_expanded(v, env) for v in data]
    return data


def settings(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment the file is read with: the process's, with `env` over it."""
    return {**DEFAULTS, **os.environ, **(env or {})}


def file(env: Mapping[str, str] | None = None) -> Path:
    """LOANWHY_ENDPOINTS (relative: to the checkout), else the checkout's endpoints.yml."""
    named = settings(env).get(ENV, "").strip()
    if not named:
        return DEFAULT_FILE
    path = Path(named)
    return path if path.is_absolute() else paths.ROOT / path


def read(path: Path) -> dict[str, Any]:
    """The endpoints file, its ${VAR} values not replaced yet (see `section`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EndpointsError(f"{path}: {exc.strerror or exc}") from None
    try:
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader with one more resolver
    except yaml.YAMLError as exc:
        raise EndpointsError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise EndpointsError(f"{path}: expected a mapping of endpoints")
    return data


def section(name: str, path: Path | None = None, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One endpoint's settings as Rasa sees them, ${VAR}s replaced; {} when the file has none.
    Only this section's variables must be set (Rasa, reading every section, needs them all)."""
    path = path or file(env)
    found = read(path).get(name)
    if not isinstance(found, dict):
        return {}
    try:
        return dict(_expanded(found, settings(env)))
    except EndpointsError as exc:
        raise EndpointsError(f"{path}: {exc}") from None


def tracker_store(path: Path | None = None, env: Mapping[str, str] | None = None) -> Store:
    """The tracker store Rasa writes: an SQLite file, or the SQLAlchemy URL of a database server."""
    path = path or file(env)
    store = section("tracker_store", path, env)
    kind = store["store_type"] if "store_type" in store else store.get("type")
    if not kind:
        raise EndpointsError(f"{path}: no tracker_store type: Rasa keeps conversations in memory only")
    if str(kind).lower() != "sql" and kind not in SQL_CLASSES:
        raise EndpointsError(f"{path}: tracker store {kind!r} is not an SQL store; only SQL stores can be read")
    host = store.get("url")
    if host and "://" in str(host):
        return str(host)
    try:
        url = _sql_url(store, str(host) if host else None)
    except (ValueError, TypeError, sa.exc.ArgumentError) as exc:
        raise EndpointsError(f"{path}: tracker_store: {exc}") from None
    if url.get_backend_name() != "sqlite":
        return url.render_as_string(hide_password=False)
    db = Path(url.database or "")
    return db if db.is_absolute() else paths.ROOT / db


def _sql_url(store: dict[str, Any], host: str | None) -> sa.engine.URL:
    """SQLTrackerStore.get_db_url of Rasa 3.6: the host may carry a port ("db.internal:5432")."""
    port = store.get("port")
    port = int(port) if port is not None else None
    if host:
        parsed = urlsplit(f"scheme://{host}")
        port = parsed.port or port
        host = parsed.hostname or host
    return sa.engine.URL.create(
        str(store.get("dialect", "sqlite")),
        username=store.get("username"),
        password=store.get("password"),
        host=host,
        port=port,
        database=str(store.get("db", "rasa.db")),
        query=store.get("query") or {},
    )
