"""A small socket.io client for the tests: connect, ask for a session, say things, collect answers."""

from __future__ import annotations

import asyncio
from typing import Any

import socketio


class Client:
    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.session_id: str | None = None
        for name in ("bot_uttered", "error_message", "session_confirm"):
            self.sio.on(name, self._collector(name))
        self.sio.on("disconnect", self._collector("disconnect"))

    def _collector(self, name: str) -> Any:
        async def collect(*args: Any) -> None:
            await self.events.put((name, args[0] if args else None))

        return collect

    async def connect(self, session_id: object = None, request_session: bool = True) -> str | None:
        await self.sio.connect(self.url, transports=["polling"], wait_timeout=10)
        if request_session:
            await self.sio.emit("session_request", {"session_id": session_id})
            name, value = await self.next(10)
            assert name == "session_confirm", (name, value)
            self.session_id = value if isinstance(value, str) else (value or {}).get("session_id")
        return self.session_id

    async def next(self, timeout: float) -> tuple[str, Any]:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def say(self, data: Any, timeout: float = 30.0, quiet: float = 1.5) -> list[tuple[str, Any]]:
        """Emit user_uttered; the events that follow (until `quiet` seconds pass without one)."""
        await self.sio.emit("user_uttered", data)
        got = [await self.next(timeout)]
        while got[-1][0] != "disconnect":
            try:
                got.append(await self.next(quiet))
            except asyncio.TimeoutError:
                break
        return got

    async def close(self) -> None:
        """Close without waiting for the long-poll to return (a graceful polling close takes ~25 s)."""
        eio = self.sio.eio
        reader = getattr(eio, "read_loop_task", None)
        if eio.state == "connected":
            await eio.disconnect(abort=True)
        if reader is not None:
            reader.cancel()


def bot_texts(events: list[tuple[str, Any]]) -> list[str]:
    return [v["text"] for n, v in events if n == "bot_uttered" and isinstance(v, dict) and v.get("text")]


def diagnosis_ids(events: list[tuple[str, Any]]) -> list[str]:
    for name, value in events:
        custom = value.get("custom") if name == "bot_uttered" and isinstance(value, dict) else None
        if isinstance(custom, dict) and isinstance(custom.get("diagnosis"), dict):
            return [s["id"] for s in custom["diagnosis"]["signals"]]
    return []
