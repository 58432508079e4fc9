"""The one way a staff reply reaches a user outside a turn: the channel's `push`.

The staff bridge (bridge.py) stores a staff reply in the conversation, then looks among
the InputChannel instances Rasa registered (credentials.yml) for the one whose `name()`
is the conversation's input channel, and calls its `push`. Each channel delivers in its
own way, and only to the conversation it is given: socket.io to the browser tabs of that
conversation (or through its outbox when none is connected to this process), WeChat and
WeCom through their platform API within its quota (else held for the user's next
message). A channel without `push` (REST: nothing can reach its clients between
requests) leaves the reply in the transcript only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable


@runtime_checkable
class Pushes(Protocol):
    """An input channel that can deliver a text to one of its conversations unprompted."""

    async def push(self, recipient_id: str, text: str) -> bool:
        """Deliver `text` to conversation `recipient_id`; False when it was not sent.

        The channel decides what counts as sent: socket.io says True when the text went to
        a connected tab or waits in its outbox for the next connection; WeChat says False
        when the platform's window is closed and the text is held for the user's next message.
        """
        ...


def pusher_for(channel: str, input_channels: Iterable[object] | None) -> Pushes | None:
    """The registered instance of `channel` if it can push, else None."""
    for instance in input_channels or []:
        if isinstance(instance, Pushes) and _name(instance) == channel:
            return instance
    return None


def _name(instance: object) -> str:
    try:
        return str(instance.name())  # type: ignore[attr-defined]
    except Exception:
        return ""
