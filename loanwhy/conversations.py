"""Conversation ids, namespaced per channel, so one channel can never name another's conversation.

Rasa keeps every conversation under one id in one tracker store. Each channel
builds its ids in its own namespace:

- REST: ``rest:<sender>`` (the client's `sender`, whatever it says);
- WeChat Official Account: ``wechat:<OpenID>``; WeCom: ``wecom:<UserID>``;
- socket.io (web widget): the server-issued signed id ``<hex>.<mac>``, which
  contains no colon, so it can never equal a prefixed id of another channel.

A REST client who sends a widget id or an OpenID as `sender` therefore reaches
``rest:<that text>``: a different, empty conversation. Plain module (no Rasa).
"""

from __future__ import annotations

SEPARATOR = ":"
REST, WECHAT, WECOM, SOCKETIO = "rest", "wechat", "wecom", "socketio"
PREFIXED = (REST, WECHAT, WECOM)  # channels whose ids carry "<channel>:"


def make(channel: str, local_id: str) -> str:
    """The conversation id of `local_id` (a REST sender, an OpenID, a UserID) on `channel`."""
    if not channel or SEPARATOR in channel:
        raise ValueError(f"not a channel name: {channel!r}")
    return f"{channel}{SEPARATOR}{local_id}"


def split(conversation_id: str) -> tuple[str, str]:
    """(channel, id within the channel); ("", id) for an id without a known prefix
    (a widget's signed id, the warm-up, or a conversation stored before namespacing)."""
    channel, sep, rest = conversation_id.partition(SEPARATOR)
    if sep and channel in PREFIXED:
        return channel, rest
    return "", conversation_id


def local_part(conversation_id: str, channel: str | None = None) -> str:
    """The id within its channel (an OpenID for ``wechat:<OpenID>``); unchanged when it has
    no prefix, or, with `channel` given, when it is not in that channel's namespace."""
    found, rest = split(conversation_id)
    if found and (channel is None or found == channel):
        return rest
    return conversation_id
