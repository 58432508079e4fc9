"""loanwhy.events on a real PostgreSQL: transcripts, weekly figures and retention read the same
conversations there as in the SQLite file.

Each run starts its own throw-away PostgreSQL (initdb + pg_ctl in a temporary folder, on a free
loopback port; as the 'postgres' user when run as root, since PostgreSQL refuses root) and
stops and deletes it at the end. Debian's server binaries come with `make cluster-deps`, which
`make test-cluster` runs and `make test` does not: that is why this file is in tests/cluster/.
It needs no LOANWHY_CLUSTER=1 and takes a few seconds; without the binaries it is skipped.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from loanwhy import events, retention, stats
from staff import transcript

T0 = 1_700_000_000.0  # a Tuesday
DAY = 86400.0
PG_ROOT = Path("/usr/lib/postgresql")
TYPES = ("user", "bot", "action", "session_started")
INITDB_OPTIONS = ("--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")  # a throw-away cluster


def pg_bin() -> Path | None:
    """The newest Debian PostgreSQL server binaries (as ops/cluster/up.sh picks them)."""
    found = [p.parent for p in PG_ROOT.glob("*/bin/initdb") if (p.parent / "pg_ctl").exists()]
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0) if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """An SQLAlchemy URL of an empty database `rasa` on a private PostgreSQL server."""
    binaries = pg_bin()
    if binaries is None:
        pytest.skip(f"no PostgreSQL server binaries under {PG_ROOT}/*/bin (make cluster-deps installs them)")
    root = Path(tempfile.mkdtemp(prefix="loanwhy-pg-"))
    data, log = root / "data", root / "server.log"
    as_server: list[str] = []
    pg_ctl: list[object] = []

    def run(*cmd: object, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=check, timeout=120)

    try:
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root (ops/cluster/up.sh does the same)
            try:
                server_user = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("as root, PostgreSQL needs the 'postgres' user (Debian's postgresql package makes it)")
            os.chown(root, server_user.pw_uid, server_user.pw_gid)
            as_server = ["runuser", "-u", "postgres", "--"]
        run(*as_server, binaries / "initdb", "-D", data, "-U", "postgres", *INITDB_OPTIONS)
        pg_ctl = [*as_server, binaries / "pg_ctl", "-D", data]
        for _attempt in range(3):  # the free port may be taken between the probe and the start
            port = free_port()
            options = f"-p {port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off"
            started = run(*pg_ctl, "-l", log, "-w", "-t", "60", "-o", options, "start", check=False)
            if started.returncode == 0:
                break
        else:
            pytest.fail(f"PostgreSQL did not start: {started.stderr}\n{log.read_text() if log.exists() else ''}")
        run(binaries / "createdb", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "rasa")
        yield f"postgresql://postgres@127.0.0.1:{port}/rasa"
    finally:
        if pg_ctl:
            run(*pg_ctl, "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)


def write_conversations(url_or_file: str | Path) -> None:
    """Conversations as Rasa stores them: its own SQLTrackerStore creates the table and writes."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    if isinstance(url_or_file, Path):
        store = SQLTrackerStore(Domain.empty(), db=str(url_or_file))
    else:
        url = make_url(url_or_file)
        store = SQLTrackerStore(
            Domain.empty(), dialect="postgresql", host=url.host, port=url.port, db=url.database, username=url.username
        )
    talk = DialogueStateTracker("rest:pg-1", [])
    for event in [
        ActionExecuted("action_session_start", timestamp=T0),
        SessionStarted(timestamp=T0),
        UserUttered(
            "我的贷款被拒了，电话13812345678",
            intent={"name": "describe_situation", "confidence": 0.9},
            timestamp=T0 + 1,
        ),
        ActionExecuted("action_diagnose", timestamp=T0 + 2),
        BotUttered(None, data={"custom": {"diagnosis": {"signals": []}}}, timestamp=T0 + 3),
        UserUttered("哔哩吧啦", intent={"name": "nlu_fallback", "confidence": 0.2}, timestamp=T0 + 4),
        BotUttered("您好，我是客服", metadata={"staff": "amy"}, timestamp=T0 + 5),
    ]:
        talk.update(event)
    old = DialogueStateTracker("rest:pg-old", [])
    old.update(UserUttered("好久以前", intent={"name": "nlu_fallback", "confidence": 0.1}, timestamp=T0 - 400 * DAY))
    for tracker in (talk, old):
        asyncio.run(store.save(tracker))
    store.engine.dispose()


def monday() -> date:
    return stats.week_start(datetime.fromtimestamp(T0).date())


def everything_read(store: str | Path, app_db: Path) -> dict[str, object]:
    week = stats.weekly(monday(), path=app_db, tracker=store)
    return {
        "transcript": transcript.read("rest:pg-1", store),
        "events": events.conversation("rest:pg-1", store, types=TYPES),
        "week": (week.conversations, week.user_messages, week.fallbacks),
        "idle": events.idle_senders(T0, store),
    }


@pytest.fixture(scope="module")
def stores(postgres: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    sqlite_file = tmp_path_factory.mktemp("sqlite") / "tracker.db"
    write_conversations(postgres)
    write_conversations(sqlite_file)
    return postgres, sqlite_file


def test_a_staff_transcript_on_postgresql(stores: tuple[str, Path]) -> None:
    msgs = transcript.read("rest:pg-1", stores[0])
    assert [(m["who"], m["staff"]) for m in msgs] == [("user", ""), ("bot", ""), ("user", ""), ("staff", "amy")]
    assert msgs[1]["text"] == "[诊断结果]" and "13812345678" not in msgs[0]["text"]
    assert [m["at"] for m in msgs] == [T0 + 1, T0 + 3, T0 + 4, T0 + 5]


def test_the_weekly_not_understood_figure_on_postgresql(stores: tuple[str, Path], tmp_path: Path) -> None:
    week = stats.weekly(monday(), path=tmp_path / "app.sqlite", tracker=stores[0])
    assert (week.conversations, week.user_messages, week.fallbacks) == (1, 2, 1)
    assert week.fallback_rate == 0.5


def test_the_staff_console_finds_postgresql_through_the_environment(
    stores: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOANWHY_VAR", str(tmp_path))  # no tracker.db there
    monkeypatch.setenv("LOANWHY_TRACKER_URL", stores[0])
    assert len(transcript.read("rest:pg-1")) == 4
    assert stats.weekly(monday(), path=tmp_path / "app.sqlite").fallbacks == 1


def test_postgresql_and_sqlite_read_the_same(stores: tuple[str, Path], tmp_path: Path) -> None:
    on_pg, on_sqlite = (everything_read(s, tmp_path / "app.sqlite") for s in stores)
    assert on_pg == on_sqlite
    assert on_pg["idle"] == ["rest:pg-old"]
    assert [e.type_name for e in events.conversation("rest:pg-1", stores[0], types=TYPES)] == [
        "action",
        "session_started",
        "user",
        "action",
        "bot",
        "user",
        "bot",
    ]


def test_retention_on_postgresql(stores: tuple[str, Path], tmp_path: Path) -> None:
    postgres = stores[0]
    where = retention.Stores(tracker=postgres, app=tmp_path / "a.sqlite", wechat=tmp_path / "w.sqlite")
    assert retention.forget_older(days=180, stores=where, now=T0).deleted == {"tracker.events": 1}  # rest:pg-old
    assert events.idle_senders(T0 + DAY, postgres) == ["rest:pg-1"]
    assert retention.forget_user("rest:pg-1", where).deleted == {"tracker.events": 7}
    assert events.conversation("rest:pg-1", postgres) == [] and events.idle_senders(T0 + DAY, postgres) == []
    # the table is still there, so Rasa goes on writing into it
    assert events.count_user_messages(0, T0 + DAY, "nlu_fallback", postgres) == events.MessageCounts(0, 0, 0)


def test_no_server_on_the_port_is_an_error_not_an_empty_transcript(postgres: str) -> None:
    nobody = make_url(postgres).set(port=free_port()).render_as_string(hide_password=False)
    with pytest.raises(events.EventStoreError, match="127.0.0.1"):
        events.conversation("rest:pg-1", nobody)
