"""👍/👎 on the assistant's answers, kept in the app database for the staff tool.

Plain library: the web server parses the request body and calls `parse`, `answers` and `record`.
A second vote on the same answer replaces the first. The widget names its answers itself, so the
server cannot check a vote's message id; it caps the votes of a conversation at the number of
answers the assistant gave in it (issue 11: otherwise one answered conversation could post any
number of 👎 under made-up ids and rewrite the weekly figures).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loanwhy import events, session
from loanwhy.privacy import mask
from loanwhy.store import open_db

TABLE = "feedback"
RATINGS = ("up", "down")
MAX_TEXT = 2000
_CONVERSATION = re.compile(r"^[A-Za-z0-9_-]{1,75}\.[0-9a-f]{24}$")
_MESSAGE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class FeedbackError(ValueError):
    """The request does not describe a vote; the message says which field is wrong."""


class TooManyVotes(ValueError):
    """A new vote in a conversation that already has one vote per answer of the assistant."""


@dataclass(frozen=True)
class Feedback:
    conversation_id: str
    message_id: str
    rating: str
    text: str = ""


def _signed(conversation_id: str) -> bool:
    """Signed by the socket.io channel (loanwhy.session); before any key exists only the shape is checked."""
    if session.secret(create=False) is None:
        return True
    return session.verify(conversation_id, create=False) is not None


def parse(data: Any) -> Feedback:
    """A validated vote from a decoded JSON body, or FeedbackError."""
    if not isinstance(data, dict):
        raise FeedbackError("body must be a JSON object")
    conversation = data.get("conversation_id")
    if not isinstance(conversation, str) or not _CONVERSATION.match(conversation) or not _signed(conversation):
        raise FeedbackError("conversation_id is not a conversation of this assistant")
    message = data.get("message_id")
    index = data.get("index")
    if message is None and isinstance(index, int) and not isinstance(index, bool) and 0 <= index < 100_000:
        message = str(index)
    if not isinstance(message, str) or not _MESSAGE.match(message):
        raise FeedbackError("message_id (string) or index (integer >= 0) is required")
    rating = data.get("rating")
    if rating not in RATINGS:
        raise FeedbackError("rating must be 'up' or 'down'")
    text = data.get("text", "")
    if not isinstance(text, str):
        raise FeedbackError("text must be a string")
    return Feedback(conversation, message, rating, mask(text[:MAX_TEXT]))


def answers(conversation_id: str, tracker_db: Path | str | None = None) -> int:
    """How many answers the assistant gave: runs of its messages between user messages, as the
    widget gives each run one rating bar (the welcome too). 0 when the store cannot be read."""
    try:
        rows = events.conversation(conversation_id, tracker_db, types=("user", "bot"))
    except events.EventStoreError:
        return 0
    count, previous = 0, "user"
    for event in rows:
        spoke = event.type_name == "bot" and bool(
            event.data.get("text") or any((event.data.get("data") or {}).values())
        )
        if spoke and previous != "bot":
            count += 1
        if event.type_name == "user" or spoke:
            previous = event.type_name
    return count


def answered(conversation_id: str, tracker_db: Path | str | None = None) -> bool:
    """The conversation holds an answer of the assistant: a vote on nothing would only skew the figures."""
    return answers(conversation_id, tracker_db) > 0


def record(vote: Feedback, path: Path | None = None, limit: int | None = None) -> None:
    """Store a vote, replacing this answer's earlier one; with `limit` (the conversation's answers),
    TooManyVotes for a new message id once the conversation has that many votes."""
    db = open_db(path)
    try:
        if limit is not None and TABLE in db.table_names():
            known = db.execute(
                f"select count(*), sum(message_id = ?) from {TABLE} where conversation_id = ?",
                [vote.message_id, vote.conversation_id],
            ).fetchone()
            if not known[1] and known[0] >= limit:
                raise TooManyVotes(f"{limit} answer(s), {known[0]} vote(s) already")
        db.table(TABLE).upsert(
            {
                "conversation_id": vote.conversation_id,
                "message_id": vote.message_id,
                "rating": vote.rating,
                "text": vote.text,
                "created_at": time.time(),
            },
            pk=("conversation_id", "message_id"),
        )
    finally:
        db.close()


def for_conversation(conversation_id: str, path: Path | None = None) -> list[dict[str, Any]]:
    db = open_db(path)
    try:
        if TABLE not in db.table_names():
            return []
        return list(db[TABLE].rows_where("conversation_id = ?", [conversation_id], order_by="created_at"))
    finally:
        db.close()
