"""What must not be reachable: Rasa's HTTP API (off by default), the action server and the staff console off loopback."""

from __future__ import annotations

import socket
import subprocess
import urllib.error
import urllib.request

import pytest

from tests.reliability.stack import ALLOWED_ORIGIN, Stack, http

API_ROUTES = [
    ("GET", "/conversations/x/tracker"),
    ("POST", "/conversations/x/tracker/events"),
    ("GET", "/conversations/x/story"),
    ("POST", "/model/parse"),
    ("PUT", "/model"),
    ("GET", "/status"),
    ("POST", "/conversations/x/execute"),
    ("GET", "/domain"),
]


@pytest.mark.parametrize("method, path", API_ROUTES)
def test_http_api_is_off_by_default(rel: Stack, method: str, path: str) -> None:
    # guards: scripts/run.sh starting Rasa without --enable-api (anyone could read or rewrite conversations)
    status, _ = http(method, rel.rasa + path, body={} if method != "GET" else None, timeout=10)
    assert status in (403, 404, 405)


def listeners(port: str) -> list[str]:
    out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout
    return [line.split()[3] for line in out.splitlines() if line.strip()]


def outside_address() -> str | None:
    """An address of this machine that is not loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET, nothing is sent
            addr = str(s.getsockname()[0])
        except OSError:
            return None
    return None if addr.startswith("127.") else addr


@pytest.mark.parametrize("name", ["ACTION_PORT", "RASA_PORT", "STAFF_PORT"])
def test_servers_listen_on_loopback_only(rel: Stack, name: str) -> None:
    # guards: SANIC_HOST=127.0.0.1 for the action server, RASA_INTERFACE=127.0.0.1 and STAFF_HOST=127.0.0.1
    # in scripts/run.sh (rasa-sdk has no authentication and listens on every interface by default; the
    # staff console is for this machine unless an operator publishes it)
    bound = listeners(rel.env[name])
    assert bound and all(addr.startswith(("127.0.0.1:", "[::1]:")) for addr in bound), bound
    addr = outside_address()
    if addr is None:
        pytest.skip("this machine has no non-loopback address to try")
    with socket.socket() as s:
        s.settimeout(2)
        assert s.connect_ex((addr, int(rel.env[name]))) != 0


def cors_headers(url: str, origin: str, method: str = "OPTIONS") -> dict[str, str]:
    req = urllib.request.Request(
        url, method=method, headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return {k.lower(): v for k, v in resp.headers.items()}
    except urllib.error.HTTPError as err:
        return {k.lower(): v for k, v in err.headers.items()}


@pytest.mark.parametrize("path", ["/webhooks/rest/webhook", "/webhooks/health/status", "/"])
def test_cors_only_for_configured_origins(rel: Stack, path: str) -> None:
    # guards: LOANWHY_CORS_ORIGINS passed to `rasa run --cors` in scripts/run.sh (with "*" any web page
    # could drive the REST webhook from a visitor's browser)
    allowed = cors_headers(rel.rasa + path, ALLOWED_ORIGIN)
    other = cors_headers(rel.rasa + path, "http://evil.example")
    assert allowed.get("access-control-allow-origin") == ALLOWED_ORIGIN
    assert other.get("access-control-allow-origin") not in ("*", "http://evil.example")


def test_socketio_refuses_other_origins(rel: Stack) -> None:
    # guards: cors_allowed_origins from LOANWHY_CORS_ORIGINS in channels/socketio.py
    url = rel.rasa + "/socket.io/?EIO=4&transport=polling"
    good = urllib.request.Request(url, headers={"Origin": ALLOWED_ORIGIN})
    with urllib.request.urlopen(good, timeout=10) as resp:
        assert resp.status == 200
        # guards OneCorsSocketBlueprint: one header (Rasa's --cors and python-socketio each added
        # one; browsers refuse two, so polling clients such as rasa-webchat never connected)
        assert resp.headers.get_all("Access-Control-Allow-Origin") == [ALLOWED_ORIGIN]
    bad = urllib.request.Request(url, headers={"Origin": "http://evil.example"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(bad, timeout=10)
    assert err.value.code in (400, 403)
