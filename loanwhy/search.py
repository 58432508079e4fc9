"""Chinese full-text search over the knowledge base, for staff.

SQLite FTS5 does not segment Chinese, so every field is segmented with jieba
(search mode: "征信查询" is indexed as 征信 / 查询 / 征信查询) and stored as
space-separated words; two-character words such as 征信 or 担保 then match, which
the trigram tokenizer cannot do. Each signal gives two documents, its meaning
and its guidance (steps, phone script, what to ask); each fact gives one.

Staff type questions ("客户问查询次数多怎么解释"), not keywords. The filler of a
question (`lexicon.search_filler`: 客户, 问, 怎么, 解释...) is left out of the match; the
rest must all match (else any of it). Each document then scores its bm25 (column
weights, relative to the best), plus the share of the query's words its name,
synonyms or keywords hold, plus, for a signal, a vote when the bot's own recogniser
(loanwhy/detect.py) hears it in the query and a smaller one when the query names one
of its synonyms (查征信 → frequent_inquiries). A signal the recogniser hears but whose
words matched nothing still joins the results.

The index lives in the application database and is rebuilt when the knowledge base
changes (content hash in `search_meta`). The words of the finance dictionary come
from the knowledge base itself (`lexicon.terms`), not from the file `make kb` writes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from loanwhy import detect, paths
from loanwhy.kb import Knowledge, load
from loanwhy.normalize import normalize
from loanwhy.store import open_db

INDEX_VERSION = "1"
COLUMNS = ("title", "synonyms", "keywords", "body")
WEIGHTS = (6.0, 8.0, 4.0, 1.0)  # bm25 column weights, in COLUMNS order
# Added to bm25 relative to the best hit (1.0); set on staff-style questions and the keyword table
# in tests/staff/test_staff_search.py
HEADING = 1.0  # times the share of the query's words in a document's name, synonyms or keywords
VOTE = 0.5  # a signal the recogniser (loanwhy/detect.py) hears in the query
NAMED = 0.3  # a signal one of whose synonyms, or its name, the query contains
_WORD = re.compile(r"[0-9A-Za-z\u3400-\u9fff]")
SNIPPET_CHARS = 80

Part = tuple[str, bool]  # (text, is_match): the UI wraps matches in <mark>, escaping both


class SearchError(ValueError):
    """The query cannot be searched (empty after clean-up)."""


@dataclass(frozen=True)
class Doc:
    kind: str  # signal | guidance | fact
    ref: str  # signal id or fact id
    title: str
    synonyms: list[str]
    keywords: list[str]
    body: str


@dataclass
class Hit:
    kind: str
    ref: str
    title: str
    score: float
    title_parts: list[Part] = field(default_factory=list)
    snippet: list[Part] = field(default_factory=list)
    synonyms: list[str] = field(default_factory=list)  # synonyms the query named

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "ref": self.ref,
            "title": self.title,
            "score": round(self.score, 3),
            "title_parts": self.title_parts,
            "snippet": self.snippet,
            "synonyms": self.synonyms,
        }


def documents(kb: Knowledge) -> list[Doc]:
    docs: list[Doc] = []
    for sid, s in kb.signals.items():
        docs.append(
            Doc(
                "signal",
                sid,
                s["name"],
                list(s["synonyms"]),
                [],
                "\n".join([s["summary"], " ".join(str(s["why"]).split())]),
            )
        )
        guidance = [st["action"] for st in s["steps"]] + [s["script"], s["ask_staff"], s.get("question") or ""]
        docs.append(Doc("guidance", sid, s["name"], [], [], "\n".join(" ".join(str(g).split()) for g in guidance if g)))
    for fid, f in kb.facts.items():
        docs.append(
            Doc("fact", fid, f["title"], [], [str(k) for k in f["keywords"]], " ".join(str(f["answer"]).split()))
        )
    return docs


@lru_cache(maxsize=4)
def _tokenizer(words: tuple[str, ...]) -> Any:
    """jieba with the knowledge base's words: the finance dictionary's (`lexicon.terms`), names, keywords."""
    import jieba  # type: ignore[import-untyped]

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    for w in words:
        tok.add_word(w, 2000)
    return tok


def _kb_words(kb: Knowledge) -> tuple[str, ...]:
    from loanwhy.lexicon import terms

    names = [s["name"] for s in kb.signals.values()]
    keywords = [str(k) for f in kb.facts.values() for k in f["keywords"]]
    return tuple(sorted({w for w in terms(kb) + names + keywords if w and " " not in w}))


@lru_cache(maxsize=4)
def _setup(kb: Knowledge) -> tuple[Any, str]:
    """The tokenizer for this knowledge base and the content hash of what the index holds."""
    words = _kb_words(kb)
    digest = hashlib.sha256(INDEX_VERSION.encode())
    for doc in documents(kb):
        digest.update(json.dumps(doc.__dict__, ensure_ascii=False, sort_keys=True).encode())
    digest.update("\n".join(words).encode())
    return _tokenizer(words), digest.hexdigest()


def _clean(text: str) -> str:
    return normalize(text, max_chars=20000).lower()


def segment(text: str, kb: Knowledge | None = None, for_search: bool = True) -> list[str]:
    """Words of a text (search mode adds the sub-words of long words)."""
    tok, _ = _setup(kb or load())
    cut = tok.cut_for_search if for_search else tok.cut
    return [w.strip() for w in cut(_clean(text)) if _WORD.search(w)]


def _index_text(values: Iterable[str], kb: Knowledge) -> str:
    return " ".join(" ".join(segment(v, kb)) for v in values)


def ensure_index(kb: Knowledge | None = None, path: Path | None = None) -> bool:
    """Build the index when missing or stale; True when it was (re)built."""
    kb = kb or load()
    _, digest = _setup(kb)
    db = open_db(path or paths.app_db())
    conn = db.conn
    try:
        conn.execute("create table if not exists search_meta (key text primary key, value text)")
        row = conn.execute("select value from search_meta where key = 'hash'").fetchone()
        if row and row[0] == digest:
            return False
        conn.execute("begin immediate")
        row = conn.execute("select value from search_meta where key = 'hash'").fetchone()
        if row and row[0] == digest:
            conn.execute("rollback")
            return False
        conn.execute("drop table if exists search_index")
        conn.execute(
            "create virtual table search_index using fts5(kind unindexed, ref unindexed, label unindexed, "
            + ", ".join(COLUMNS)
            + ", tokenize = 'unicode61')"
        )
        for doc in documents(kb):
            conn.execute(
                "insert into search_index values (?, ?, ?, ?, ?, ?, ?)",
                (
                    doc.kind,
                    doc.ref,
                    doc.title,
                    _index_text([doc.title], kb),
                    _index_text(doc.synonyms, kb),
                    _index_text(doc.keywords, kb),
                    _index_text([doc.body], kb),
                ),
            )
        conn.execute("insert or replace into search_meta values ('hash', ?)", (digest,))
        conn.execute("commit")
        return True
    except BaseException:
        if conn.in_transaction:
            conn.execute("rollback")
        raise
    finally:
        db.close()


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def synonym_hits(query: str, kb: Knowledge) -> dict[str, list[str]]:
    """Signals whose synonym or name appears in the query: {signal id: [synonyms named]}."""
    clean = _clean(query)
    hits: dict[str, list[str]] = {}
    for sid, s in kb.signals.items():
        named = [w for w in [*s["synonyms"], s["name"]] if w and _clean(w) in clean]
        if named:
            hits[sid] = named
    return hits


def content_words(words: list[str], kb: Knowledge) -> list[str]:
    """The words that say what is asked: filler (`lexicon.search_filler`: 客户, 怎么, 解释...) dropped,
    unless nothing else is left (a search for 客户 alone still searches for it)."""
    filler = set(kb.lexicon["search_filler"])
    kept = [w for w in words if w not in filler]
    return kept or words


def recognised(query: str, kb: Knowledge) -> set[str]:
    """Signals the bot would hear in the query, by the bot's own recogniser (loanwhy/detect.py):
    whatever it states (raised or fine, as if supposed) and the cue words a question names."""
    return set(detect.analyse(query, kb, hypothetical=True)) | detect.named(query, kb)


@lru_cache(maxsize=4)
def _headings(kb: Knowledge) -> dict[tuple[str, str], frozenset[str]]:
    """The words of each document's name, synonyms and keywords (a guidance shares its signal's)."""
    out: dict[tuple[str, str], frozenset[str]] = {}
    for doc in documents(kb):
        words = set(segment(doc.title, kb))
        for w in [*doc.synonyms, *doc.keywords]:
            words.update(segment(w, kb))
        out[(doc.kind, doc.ref)] = frozenset(words)
    for sid in kb.signals:
        out[("guidance", sid)] = out[("signal", sid)]
    return out


def _run(conn: sqlite3.Connection, match: str, limit: int) -> list[tuple[str, str, str, float]]:
    weights = ", ".join(str(w) for w in WEIGHTS)
    sql = (
        f"select kind, ref, label, bm25(search_index, 0, 0, 0, {weights}) as rank from search_index "
        "where search_index match ? order by rank limit ?"
    )
    return [(r[0], r[1], r[2], float(r[3])) for r in conn.execute(sql, (match, limit))]


def _ranked(
    rows: list[tuple[str, str, str, float]], words: list[str], voted: set[str], named: set[str], kb: Knowledge
) -> list[tuple[str, str, str, float]]:
    """Rows scored, best first (see the module's docstring); voted signals the words missed join."""
    found = {(kind, ref) for kind, ref, _, _ in rows}
    rows = rows + [("signal", sid, kb.signals[sid]["name"], 0.0) for sid in voted if ("signal", sid) not in found]
    best = max((-rank for *_, rank in rows), default=0.0) or 1.0
    headings = _headings(kb)
    scored = []
    for kind, ref, label, rank in rows:
        heading = headings.get((kind, ref), frozenset())
        share = sum(w in heading for w in words) / len(words) if words else 0.0
        vote = VOTE * (ref in voted) + NAMED * (ref in named) if kind != "fact" else 0.0
        scored.append((kind, ref, label, -rank / best + HEADING * share + vote))
    return sorted(scored, key=lambda r: -r[3])


def search(query: str, limit: int = 10, kb: Knowledge | None = None, path: Path | None = None) -> list[Hit]:
    """Ranked hits, one per signal or fact, with the matched words marked."""
    kb = kb or load()
    words = content_words(list(dict.fromkeys(segment(query, kb, for_search=False))), kb)
    if not words:
        raise SearchError("empty query")
    ensure_index(kb, path)
    broad = content_words(list(dict.fromkeys(words + segment(query, kb))), kb)
    db = open_db(path or paths.app_db())
    try:
        rows = _run(db.conn, " AND ".join(_quote(w) for w in words), 200)
        if not rows:
            rows = _run(db.conn, " OR ".join(_quote(w) for w in broad), 200)
    finally:
        db.close()
    named = synonym_hits(query, kb)
    rows = _ranked(rows, broad, recognised(query, kb), set(named), kb)
    terms = _highlight_terms(broad, named, query)
    hits: list[Hit] = []
    seen: set[str] = set()
    for kind, ref, label, score in rows:
        if ref in seen:
            continue
        seen.add(ref)
        hits.append(
            Hit(
                kind,
                ref,
                label,
                score,
                mark(label, terms),
                snippet(_body(kind, ref, kb), terms),
                named.get(ref, []) if kind != "fact" else [],
            )
        )
        if len(hits) >= limit:
            break
    return hits


@lru_cache(maxsize=4)
def _bodies(kb: Knowledge) -> dict[tuple[str, str], str]:
    return {(doc.kind, doc.ref): doc.body for doc in documents(kb)}


def _body(kind: str, ref: str, kb: Knowledge) -> str:
    return _bodies(kb).get((kind, ref), "")


def _highlight_terms(words: list[str], named: dict[str, list[str]], query: str) -> list[str]:
    """Words worth marking: multi-character words, or anything when the query is one character."""
    terms = {w for w in words if len(w) > 1 or len(_clean(query)) == 1}
    terms.update(w.lower() for ws in named.values() for w in ws)
    return sorted(terms, key=len, reverse=True)


def mark(text: str, terms: list[str]) -> list[Part]:
    """Split a text into (piece, matched) parts; longest terms win, case-insensitive."""
    if not text or not terms:
        return [(text, False)] if text else []
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    parts: list[Part] = []
    pos = 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            parts.append((text[pos : m.start()], False))
        parts.append((m.group(0), True))
        pos = m.end()
    if pos < len(text):
        parts.append((text[pos:], False))
    return parts


def snippet(text: str, terms: list[str], width: int = SNIPPET_CHARS) -> list[Part]:
    """A window of the text around its first match, marked."""
    lower = text.lower()
    found = [i for i in (lower.find(t.lower()) for t in terms) if i >= 0]
    start = max(0, min(found) - width // 4) if found else 0
    piece = text[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return mark(prefix + piece + suffix, terms)


def plain(parts: list[Part], left: str = "[", right: str = "]") -> str:
    """Parts as text, matches wrapped in markers (for the command line)."""
    return "".join(f"{left}{t}{right}" if hit else t for t, hit in parts)


def agreed_fact(query: str, candidates: list[str], kb: Knowledge | None = None, path: Path | None = None) -> str | None:
    """The fact this search ranks best among `candidates` (fact ids a classifier also considered), or None.

    The bot asks this when its intent classifier is unsure between answers: two readers agreeing
    on a fact is a safer answer than "I did not understand" ("亚联财是哪年进的大陆？靠不靠谱").
    """
    wanted = set(candidates)
    try:
        hits = search(query, limit=10, kb=kb, path=path)
    except SearchError:
        return None
    return next((h.ref for h in hits if h.kind == "fact" and h.ref in wanted), None)
