"""Outbound calls: access tokens, customer-service messages, WeCom app messages.

Used only when an answer missed the passive-reply deadline. The token is
cached in the shared store and refreshed early; WeChat's `stable_token` is used
because the plain `/cgi-bin/token` invalidates the previous token on every
fetch, so several processes would keep breaking each other. A call refused for
an invalid/expired token (40001, 42001, 40014) refreshes once and retries.
Bodies go out as UTF-8 JSON without escaping, as the platform expects.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from typing import Any, Protocol

import aiohttp

from channels.wechat.store import Store

logger = logging.getLogger(__name__)

TOKEN_ERRORS = frozenset({40001, 42001, 40014})
REFRESH_EARLY_S = 300
TIMEOUT_S = 5.0


class ApiError(Exception):
    """The platform answered with a non-zero errcode (or not at all)."""

    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


def _check(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ApiError(-2, "answer is not a JSON object")
    return data


async def _json(resp: aiohttp.ClientResponse) -> dict[str, Any]:
    if resp.status != 200:
        raise ApiError(-1, f"HTTP {resp.status}")
    try:
        return _check(json.loads(await resp.read()))
    except ValueError as exc:
        raise ApiError(-2, "answer is not JSON") from exc


def _body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


class TokenSource(Protocol):
    name: str  # cache key in the store

    async def fetch(self, session: aiohttp.ClientSession, force: bool) -> tuple[str, int]: ...


class StableToken:
    """Official Account token from POST /cgi-bin/stable_token."""

    def __init__(self, base: str, appid: str, secret: str) -> None:
        self.base, self.appid, self.secret = base.rstrip("/"), appid, secret
        self.name = f"stable:{self.base}:{appid}"

    async def fetch(self, session: aiohttp.ClientSession, force: bool) -> tuple[str, int]:
        payload = {
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": self.secret,
            "force_refresh": force,
        }
        headers = {"Content-Type": "application/json; charset=utf-8"}
        async with session.post(f"{self.base}/cgi-bin/stable_token", data=_body(payload), headers=headers) as resp:
            data = await _json(resp)
        return _token_of(data)


class CorpToken:
    """WeCom app token from GET /cgi-bin/gettoken?corpid&corpsecret."""

    def __init__(self, base: str, corpid: str, secret: str) -> None:
        self.base, self.corpid, self.secret = base.rstrip("/"), corpid, secret
        self.name = (
            f"corp:{self.base}:{corpid}:{hashlib.sha256(secret.encode()).hexdigest()[:8]}"  # one token per app secret
        )

    async def fetch(self, session: aiohttp.ClientSession, force: bool) -> tuple[str, int]:
        params = {"corpid": self.corpid, "corpsecret": self.secret}
        async with session.get(f"{self.base}/cgi-bin/gettoken", params=params) as resp:
            data = await _json(resp)
        return _token_of(data)


def _token_of(data: dict[str, Any]) -> tuple[str, int]:
    if data.get("errcode") or not data.get("access_token"):
        # 40164: this server's IP is not whitelisted; 60020 (WeCom): not a trusted IP
        raise ApiError(int(data.get("errcode") or -3), str(data.get("errmsg") or "no access_token"))
    return str(data["access_token"]), int(data.get("expires_in") or 7200)


class ApiClient:
    """Token-authenticated POSTs to one platform base URL."""

    def __init__(self, base: str, tokens: TokenSource, store: Store, timeout_s: float = TIMEOUT_S) -> None:
        self.base = base.rstrip("/")
        self.tokens = tokens
        self.store = store
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._lock = asyncio.Lock()

    async def _token(self, session: aiohttp.ClientSession, bad: str | None = None) -> str:
        async with self._lock:  # one fetch at a time; the others reuse its result
            cached = self.store.token(self.tokens.name)
            if cached and cached != bad:
                return cached
            token, expires_in = await self.tokens.fetch(session, force=False)
            if bad and token == bad:  # the platform still hands out the rejected one
                token, expires_in = await self.tokens.fetch(session, force=True)
            self.store.put_token(
                self.tokens.name,
                token,
                time.time() + max(60, expires_in - REFRESH_EARLY_S),
            )
            return token

    async def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                token = await self._token(session)
                for attempt in (1, 2):
                    url = f"{self.base}{path}"
                    async with session.post(
                        url,
                        params={"access_token": token},
                        data=_body(payload),
                        headers=headers,
                    ) as r:
                        data = await _json(r)
                    code = int(data.get("errcode") or 0)
                    if code in TOKEN_ERRORS and attempt == 1:
                        logger.info("access token refused (%s); refreshing once", code)
                        self.store.drop_token(self.tokens.name)
                        token = await self._token(session, bad=token)
                        continue
                    if code:
                        raise ApiError(code, str(data.get("errmsg") or ""))
                    return data
        except (asyncio.TimeoutError, aiohttp.ClientError) as exc:  # noqa: UP041 (3.10: not the builtin)
            raise ApiError(-1, f"{type(exc).__name__}: {exc}") from exc
        raise ApiError(-4, "unreachable")


class CustomerService:
    """Official Account customer-service text messages (verified accounts only; else 48001)."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    async def push(self, user: str, text: str) -> None:
        payload = {"touser": user, "msgtype": "text", "text": {"content": text}}
        await self.client.post("/cgi-bin/message/custom/send", payload)


class WeComMessages:
    """WeCom self-built app messages to one member."""

    def __init__(self, client: ApiClient, agent_id: str) -> None:
        self.client = client
        self.agent_id = agent_id

    async def push(self, user: str, text: str) -> None:
        agent: int | str = int(self.agent_id) if self.agent_id.isdigit() else self.agent_id
        payload = {
            "touser": user,
            "msgtype": "text",
            "agentid": agent,
            "text": {"content": text},
        }
        data = await self.client.post("/cgi-bin/message/send", payload)
        if data.get("invaliduser"):
            raise ApiError(-5, f"not delivered to {data['invaliduser']}")
