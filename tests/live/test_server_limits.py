"""What the running servers accept and tell before a channel sees a request (issue 11)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import rasa

from loanwhy import access, rest_auth
from tests.live.conftest import Live


def request(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")
    except (ConnectionResetError, urllib.error.URLError) as err:  # a server may hang up on a huge body
        return -1, str(err)


def test_a_two_megabyte_body_is_refused_with_413_before_it_is_read(live: Live) -> None:
    body = json.dumps({"sender": "big", "message": "a" * (2 * 1024 * 1024)}).encode()
    headers = {"Content-Type": "application/json", **rest_auth.client_headers()}
    status, text = request(live.webhook, body, headers)
    assert status == 413 and "body larger than" not in text  # Sanic's refusal, not the channel's after reading


def test_rasa_root_answers_without_its_version(live: Live) -> None:
    status, text = request(live.rasa + "/")
    assert status == 200 and rasa.__version__ not in text
    token = (live.var / "operator.token").read_text().strip()
    assert rasa.__version__ in request(live.rasa + "/", headers={access.OPERATOR_HEADER: token})[1]


def test_health_names_no_store_class_for_anonymous_callers(live: Live) -> None:
    status, text = request(live.rasa + "/webhooks/health/status")
    assert status == 200 and json.loads(text) == {"status": "ok", "failed": []}
    assert "TrackerStore" not in text and "LockStore" not in text


def test_action_server_needs_the_token_and_json(live: Live) -> None:
    url = f"http://127.0.0.1:{live.env['ACTION_PORT']}/webhook"
    call = json.dumps({"next_action": "action_handoff", "sender_id": "forged", "tracker": {}, "domain": {}}).encode()
    assert request(url, call, {"Content-Type": "application/json"})[0] == 401
    assert request(url, call, {"Content-Type": "text/plain"})[0] == 401
    token = (live.var / "action.token").read_text().strip()
    assert request(f"{url}?token={token}", call, {"Content-Type": "text/plain"})[0] == 415
    assert (live.var / "action.token").stat().st_mode & 0o077 == 0
    assert (live.var / "run" / "endpoints.yml").stat().st_mode & 0o077 == 0
    # and Rasa, which has the token, still gets its actions run
    assert any(r.get("text") for r in live.say("limits-1", "我的贷款被拒了"))
