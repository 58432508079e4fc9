"""The tracker store is said once, in Rasa's endpoints file, and read here as Rasa reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from loanwhy import endpoints, events, ops
from loanwhy.paths import ROOT

CLUSTER = ROOT / "ops" / "cluster" / "endpoints.yml"
PG = {
    "CLUSTER_PG_HOST": "db.internal",
    "CLUSTER_PG_PORT": "5932",
    "CLUSTER_PG_DB": "rasa",
    "CLUSTER_PG_USER": "loanwhy",
    "CLUSTER_PG_PASSWORD": "p@ss:w/rd",
}
# the rest of the cluster file: Rasa reads every section, so it needs these too; we do not
OTHERS = {
    "CLUSTER_REDIS_HOST": "127.0.0.1",
    "CLUSTER_REDIS_PORT": "5979",
    "CLUSTER_ACTION_HOST": "127.0.0.1",
    "CLUSTER_ACTION_PORT": "5955",
    "LOANWHY_ACTION_TOKEN": "t",
}


def rasa_store(path: Path) -> Path | str:
    """What Rasa 3.6 connects to for this file, in loanwhy.endpoints' terms."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    config = read_endpoint_config(str(path), "tracker_store")
    assert config is not None
    names = ("dialect", "port", "db", "username", "password", "login_db", "query")
    url = SQLTrackerStore.get_db_url(host=config.url, **{k: v for k, v in config.kwargs.items() if k in names})
    if isinstance(url, str):
        return url
    if url.get_backend_name() == "sqlite":
        return ROOT / str(url.database)  # Rasa runs in the checkout (scripts/run.sh)
    return str(url.render_as_string(hide_password=False))


@pytest.fixture()
def write(tmp_path: Path) -> object:
    def make(text: str) -> Path:
        path = tmp_path / "endpoints.yml"
        path.write_text(text, encoding="utf-8")
        return path

    return make


@pytest.mark.parametrize("var", ["var", "var/other", "/srv/loanwhy var"])
def test_the_project_file_as_rasa_reads_it(var: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOANWHY_VAR", var)
    assert endpoints.tracker_store(ROOT / "endpoints.yml") == rasa_store(ROOT / "endpoints.yml")
    assert endpoints.tracker_store(ROOT / "endpoints.yml") == Path(ROOT / var / "tracker.db")


@pytest.mark.parametrize("password", ["p@ss:w/rd", ""])
def test_the_cluster_file_as_rasa_reads_it(password: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**PG, "CLUSTER_PG_PASSWORD": password}.items():
        monkeypatch.setenv(name, value)
    for name in OTHERS:
        monkeypatch.delenv(name, raising=False)
    found = endpoints.tracker_store(CLUSTER)  # only the tracker store's variables are needed
    for name, value in OTHERS.items():
        monkeypatch.setenv(name, value)
    assert found == rasa_store(CLUSTER)
    assert (
        isinstance(found, str)
        and found.startswith("postgresql://loanwhy:")
        and found.endswith("@db.internal:5932/rasa")
    )


@pytest.mark.parametrize(
    "section",
    [
        "  type: SQL\n  url: postgresql://u:pw@h:5433/conversations\n",
        "  type: SQL\n  dialect: postgresql\n  url: db.internal:6543\n  port: 5432\n  db: rasa\n",
        "  type: sql\n  dialect: postgresql\n  url: ${PGHOST}\n  db: rasa\n  username: u\n  query: {sslmode: require}\n",
        "  type: SQL\n  db: /abs/tracker.db\n",
        "  type: SQL\n",  # Rasa's defaults: SQLite, rasa.db
        '  type: SQL\n  db: "${NOT_SUBSTITUTED}/x.db"\n',  # quoted: taken as written, by Rasa too
    ],
)
def test_sql_sections_as_rasa_reads_them(section: str, write: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGHOST", "pg.internal")
    path = write("tracker_store:\n" + section)  # type: ignore[operator]
    assert endpoints.tracker_store(path) == rasa_store(path)


def test_an_unset_variable_is_an_error_as_in_rasa(write: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.shared.exceptions import RasaException
    from rasa.utils.endpoints import read_endpoint_config

    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    path = write("tracker_store:\n  type: SQL\n  db: ${NOT_SET_ANYWHERE}/tracker.db\n")  # type: ignore[operator]
    with pytest.raises(RasaException):
        read_endpoint_config(str(path), "tracker_store")
    with pytest.raises(endpoints.EndpointsError, match=r"NOT_SET_ANYWHERE"):
        endpoints.tracker_store(path)


def test_the_runtime_folder_defaults_to_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOANWHY_VAR", raising=False)
    assert endpoints.tracker_store(ROOT / "endpoints.yml") == ROOT / "var" / "tracker.db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("action_endpoint:\n  url: http://x\n", "in memory only"),
        ("tracker_store:\n  type: redis\n  url: localhost\n", "'redis' is not an SQL store"),
        ("tracker_store:\n  type: mongod\n", "not an SQL store"),
        ("tracker_store:\n  type: SQL\n  port: five\n", "tracker_store:"),
        ("tracker_store: [unclosed\n", "not valid YAML"),
        ("- a list\n", "expected a mapping"),
    ],
)
def test_stores_that_cannot_be_read_are_named(text: str, message: str, write: object) -> None:
    with pytest.raises(endpoints.EndpointsError, match=message):
        endpoints.tracker_store(write(text))  # type: ignore[operator]


def test_sql_classes_are_rasa_sql_stores() -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.utils.common import class_from_module_path

    assert all(issubclass(class_from_module_path(c), SQLTrackerStore) for c in endpoints.SQL_CLASSES)
    assert endpoints.section("tracker_store", ROOT / "endpoints.yml")["type"] in endpoints.SQL_CLASSES


def test_loanwhy_endpoints_names_the_file_and_the_url_still_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in PG.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LOANWHY_VAR", str(tmp_path))
    monkeypatch.delenv("LOANWHY_TRACKER_URL", raising=False)
    assert events.location() == tmp_path / "tracker.db"
    monkeypatch.setenv("LOANWHY_ENDPOINTS", "ops/cluster/endpoints.yml")  # relative: to the checkout
    assert events.location() == "postgresql://loanwhy:p%40ss%3Aw%2Frd@db.internal:5932/rasa"
    monkeypatch.setenv("LOANWHY_TRACKER_URL", "sqlite:////elsewhere/tracker.db")
    assert events.location() == "sqlite:////elsewhere/tracker.db"


def test_a_broken_endpoints_file_is_a_store_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOANWHY_TRACKER_URL", raising=False)
    monkeypatch.setenv("LOANWHY_ENDPOINTS", str(tmp_path / "missing.yml"))
    with pytest.raises(events.EventStoreError, match="missing.yml"):
        events.location()
    assert events.conversation("a", tmp_path / "none.db") == []  # a store given explicitly needs no file


def test_check_stores_checks_an_sqlite_tracker_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ops.check_stores(tmp_path / "a") == []
    assert (tmp_path / "a" / "tracker.db").exists() and (tmp_path / "a" / "app.sqlite").exists()
    for name, value in PG.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LOANWHY_ENDPOINTS", str(CLUSTER))
    assert ops.check_stores(tmp_path / "b") == []  # PostgreSQL: no SQLite file made for it
    assert not (tmp_path / "b" / "tracker.db").exists() and (tmp_path / "b" / "app.sqlite").exists()
    monkeypatch.delenv("CLUSTER_PG_HOST")
    assert ops.check_stores(tmp_path / "c")[0].startswith("tracker store:")
