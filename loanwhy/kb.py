"""Knowledge base: YAML sources in knowledge/ → one SQLite database.

The YAML files are the one source of truth. `build()` checks them and writes
`kb.sqlite` in the runtime folder (LOANWHY_VAR, default `var/`); everything else
(bot, channels, staff tool) reads the database through `load()`. Errors name the
file and the entry at fault.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from loanwhy import paths

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = ROOT / "knowledge"

SIGNAL_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "name": str,
    "severity": str,
    "weight": int,
    "in_control": bool,
    "grounded_in": str,
    "summary": str,
    "why": str,
    "steps": list,
    "question": str,
    "answers": list,
    "ask_staff": str,
    "script": str,
    "synonyms": list,
    "recognise": dict,
}
FACT_FIELDS = ("id", "title", "answer", "keywords", "source")
MEASURE_KINDS = {"count_in_period", "ratio", "used_of_limit", "count", "drop", "amount"}
# the lexicon's `measure_words`: the word lists each kind of measure reads (loanwhy/detect.py)
MEASURE_WORDS = {
    "count_in_period": ("default_units", "also_counts", "lately"),
    "count": ("default_units",),
    "ratio": ("fell", "used"),
    "used_of_limit": ("limit", "used", "limit_after"),
    "drop": ("from_to", "only_left", "fell", "fell_to", "not_reached"),
    "amount": ("more_than",),
}
# the lexicon's `privacy` patterns (loanwhy/privacy.py); `digits` is a list of characters
PRIVACY_PATTERNS = (
    "amount_units",
    "secret_names",
    "number_kinds",
    "number_part",
    "value_after",
    "secret_names_later",
    "expiry",
    "expiry_after",
    "offered_kinds",
    "offer_after",
    "offer_before",
    "offered_after",
    "told_secret",
)


class KnowledgeError(ValueError):
    """A knowledge source file is broken; the message names file and entry."""


def db_path() -> Path:
    return paths.kb_db()


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path.name}: not valid YAML: {exc}") from exc


def _check_regexes(where: str, patterns: Any) -> None:
    if not isinstance(patterns, list):
        raise KnowledgeError(f"{where}: expected a list of patterns")
    for pattern in patterns:
        try:
            re.compile(str(pattern))
        except re.error as exc:
            raise KnowledgeError(f"{where}: bad pattern {pattern!r}: {exc}") from exc


def _check_signal(path: Path, entry: Any, known: list[str], severities: list[str]) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise KnowledgeError(f"{path.name}: expected a mapping with the signal's fields")
    sid = entry.get("id", "?")
    where = f"{path.name} [{sid}]"
    for name, kind in SIGNAL_FIELDS.items():
        if name not in entry or entry[name] is None:
            raise KnowledgeError(f"{where}: missing field '{name}'")
        if not isinstance(entry[name], kind):
            raise KnowledgeError(f"{where}: field '{name}' should be {getattr(kind, '__name__', kind)}")
    if sid not in known:
        raise KnowledgeError(f"{where}: unknown signal id '{sid}' (not in catalog.yml)")
    if path.stem != sid:
        raise KnowledgeError(f"{where}: file name must be {sid}.yml")
    if entry["severity"] not in severities:
        raise KnowledgeError(f"{where}: severity must be one of {severities}")
    if not entry["steps"]:
        raise KnowledgeError(f"{where}: needs at least one step")
    for i, step in enumerate(entry["steps"]):
        if not isinstance(step, dict) or not step.get("action") or not step.get("horizon"):
            raise KnowledgeError(f"{where}: step {i + 1} needs 'action' and 'horizon'")
    rec = entry["recognise"]
    for part in ("cues", "fine", "measures"):
        if part not in rec:
            raise KnowledgeError(f"{where}: recognise needs '{part}'")
    _check_regexes(f"{where} recognise.cues", rec["cues"])
    _check_regexes(f"{where} recognise.fine", rec["fine"])
    _check_regexes(f"{where} recognise.unless", rec.get("unless", []))
    _check_regexes(f"{where} recognise.resolved", rec.get("resolved", []))
    _check_regexes(f"{where} recognise.replaced", rec.get("replaced", []))
    if rec.get("topic_cues"):
        topic = rec["topic_cues"]
        if not isinstance(topic, dict) or not topic.get("topic") or not topic.get("cues"):
            raise KnowledgeError(f"{where}: topic_cues needs 'topic' and 'cues'")
        _check_regexes(f"{where} recognise.topic_cues", [topic["topic"], *topic["cues"], *topic.get("fine", [])])
    for m in rec["measures"]:
        if m.get("kind") not in MEASURE_KINDS:
            raise KnowledgeError(f"{where}: measure kind must be one of {sorted(MEASURE_KINDS)}")
        _check_regexes(f"{where} measure context", [m.get("context", ""), m.get("unless", "")])
        if m["kind"] == "count_in_period" and not m.get("rules"):
            raise KnowledgeError(f"{where}: count_in_period needs 'rules'")
        if m["kind"] != "count_in_period" and "min" not in m:
            raise KnowledgeError(f"{where}: measure {m['kind']} needs 'min'")
    if entry["question"] and not entry["answers"]:
        raise KnowledgeError(f"{where}: a self-check question needs answer buttons")
    return entry


def _check_words(where: str, words: Any) -> list[str]:
    """A non-empty list of non-empty words (an empty word would match everywhere)."""
    if not isinstance(words, list) or not words or not all(isinstance(w, str) and w for w in words):
        raise KnowledgeError(f"{where}: expected a non-empty list of words")
    return words


def _worth(where: str, value: Any, zero: bool = False) -> float:
    """A unit's worth: a positive number (or zero when allowed), or a fraction written 1/30."""
    try:
        number = float(Fraction(str(value))) if not isinstance(value, bool) else -1.0
    except (ValueError, ZeroDivisionError):
        number = -1.0
    if number < 0 or (number == 0 and not zero):
        least = "a number of at least 0" if zero else "a positive number"
        raise KnowledgeError(f"{where}: expected {least} or a fraction such as 1/30, not {value!r}")
    return number


def _read_units(units: Any) -> dict[str, Any]:
    """Unit words and their worth, checked; fractions become numbers."""
    where = "lexicon.yml [units]"
    if not isinstance(units, dict):
        raise KnowledgeError(f"{where}: missing, or not a mapping")
    out: dict[str, Any] = {
        kind: _check_words(f"{where} {kind}", units.get(kind)) for kind in ("count", "percent", "percent_of", "tenths")
    }
    for kind in ("money", "time", "named_periods", "shares"):
        table = units.get(kind)
        if not isinstance(table, dict) or not table:
            raise KnowledgeError(f"{where} {kind}: expected word: worth pairs")
        _check_words(f"{where} {kind}", list(table))
        if kind == "money" and any(str(word) != str(word).lower() for word in table):
            raise KnowledgeError(f"{where} money: write units in lower case (10W and 3K still match)")
        out[kind] = {str(word): _worth(f"{where} {kind} {word}", worth) for word, worth in table.items()}
    base = units.get("base")
    if not isinstance(base, dict) or set(base) != {"money", "time"}:
        raise KnowledgeError(f"{where} base: expected the unit of money and of time")
    for kind, word in base.items():
        if out[kind].get(str(word)) != 1:
            raise KnowledgeError(f"{where} base: {kind} {word!r} must be one of {kind}, worth 1")
    out["base"] = {kind: str(word) for kind, word in base.items()}
    return out


def _read_measure_words(table: Any) -> dict[str, dict[str, Any]]:
    """The words each kind of measure reads around its number, checked (every list non-empty)."""
    where = "lexicon.yml [measure_words]"
    if not isinstance(table, dict):
        raise KnowledgeError(f"{where}: missing, or not a mapping")
    out: dict[str, dict[str, Any]] = {}
    for kind, keys in MEASURE_WORDS.items():
        words = table.get(kind)
        if not isinstance(words, dict):
            raise KnowledgeError(f"{where} {kind}: missing, or not a mapping")
        out[kind] = {key: _check_words(f"{where} {kind}.{key}", words.get(key)) for key in keys}
    out["count_in_period"]["lately_months"] = _worth(
        f"{where} count_in_period.lately_months", table["count_in_period"].get("lately_months")
    )
    return out


def _read_privacy(table: Any) -> dict[str, Any]:
    """What masking reads, checked: a missing or broken entry would let a number or secret through."""
    where = "lexicon.yml [privacy]"
    if not isinstance(table, dict):
        raise KnowledgeError(f"{where}: missing, or not a mapping")
    out: dict[str, Any] = {"digits": _check_characters(f"{where} digits", table.get("digits"))}
    for key in PRIVACY_PATTERNS:
        pattern = table.get(key)
        if not isinstance(pattern, str) or not pattern:
            raise KnowledgeError(f"{where} {key}: expected a pattern")
        _check_regexes(f"{where} {key}", [pattern])
        out[key] = pattern
    return out


def _check_characters(where: str, chars: Any) -> list[str]:
    if not all(len(c) == 1 for c in _check_words(where, chars)):
        raise KnowledgeError(f"{where}: expected single characters")
    return list(chars)


def _read_numbers(numbers: Any) -> dict[str, Any]:
    """How numbers are written, checked: characters, vague words and their values, ranges."""
    where = "lexicon.yml [numbers]"
    if not isinstance(numbers, dict):
        raise KnowledgeError(f"{where}: missing, or not a mapping")
    characters = _check_characters(f"{where} characters", numbers.get("characters"))
    out: dict[str, Any] = {"characters": characters}
    for kind in ("more", "vague", "range_scales"):
        table = numbers.get(kind)
        if not isinstance(table, dict) or not table:
            raise KnowledgeError(f"{where} {kind}: expected word: value pairs")
        _check_words(f"{where} {kind}", list(table))
        out[kind] = {
            str(word): _worth(f"{where} {kind} {word}", value, zero=kind == "more") for word, value in table.items()
        }
    _check_characters(f"{where} more", list(out["more"]))
    if not isinstance(numbers.get("vague_forms"), str) or not numbers["vague_forms"]:
        raise KnowledgeError(f"{where} vague_forms: expected a pattern")
    _check_regexes(f"{where} vague_forms", [numbers["vague_forms"]])
    out["vague_forms"] = numbers["vague_forms"]
    out["range_digits"] = _check_characters(f"{where} range_digits", numbers.get("range_digits"))
    outside = [c for c in [*out["range_digits"], *out["range_scales"]] if c not in characters]
    if outside:
        raise KnowledgeError(f"{where}: range digits and scales must be numeral characters, not {outside}")
    return out


def _read_refusals(path: Path) -> dict[str, dict[str, list[str]]]:
    data = _read_yaml(path) or {}
    if not isinstance(data, dict):
        raise KnowledgeError(f"{path.name}: expected intent: {{cues, across, unless, goes_ahead, doubts}} entries")
    out = {}
    for intent, rule in data.items():
        if not isinstance(rule, dict) or not rule.get("cues"):
            raise KnowledgeError(f"{path.name} [{intent}]: needs a 'cues' list")
        _check_regexes(f"{path.name} [{intent}] cues", rule["cues"])
        _check_regexes(f"{path.name} [{intent}] unless", rule.get("unless", []))
        _check_regexes(f"{path.name} [{intent}] across", rule.get("across", []))
        _check_regexes(f"{path.name} [{intent}] goes_ahead", rule.get("goes_ahead", []))
        _check_regexes(f"{path.name} [{intent}] doubts", rule.get("doubts", []))
        if rule.get("doubts") and not rule.get("goes_ahead"):
            raise KnowledgeError(f"{path.name} [{intent}]: 'doubts' needs a 'goes_ahead' list")
        out[str(intent)] = {
            key: list(rule.get(key, [])) for key in ("cues", "unless", "across", "goes_ahead", "doubts")
        }
    return out


def _read_terms(path: Path) -> dict[str, Any]:
    data = _read_yaml(path) or {}
    if not isinstance(data, dict) or not isinstance(data.get("asks"), str) or not isinstance(data.get("terms"), list):
        raise KnowledgeError(f"{path.name}: needs 'asks' (a regex) and a 'terms' list")
    _check_regexes(f"{path.name} [asks]", [data["asks"]])
    terms = []
    for n, term in enumerate(data["terms"]):
        where = f"{path.name} terms[{n}]"
        if not isinstance(term, dict) or not term.get("words") or not isinstance(term.get("text"), str):
            raise KnowledgeError(f"{where}: needs 'words' and 'text'")
        _check_regexes(f"{where} words", term["words"])
        terms.append({"words": list(term["words"]), "signals": list(term.get("signals") or []), "text": term["text"]})
    return {"asks": data["asks"], "terms": terms}


def read_sources(source_dir: Path = SOURCE_DIR) -> dict[str, Any]:
    """Load and check every source file; raise KnowledgeError on the first fault."""
    catalog = _read_yaml(source_dir / "catalog.yml")
    if not isinstance(catalog, dict) or not catalog.get("signals"):
        raise KnowledgeError("catalog.yml: needs a 'signals' list")
    known: list[str] = catalog["signals"]
    severities: list[str] = catalog.get("severities", ["high", "medium", "low"])
    signals: dict[str, dict[str, Any]] = {}
    for path in sorted((source_dir / "signals").glob("*.y*ml")):
        entry = _check_signal(path, _read_yaml(path), known, severities)
        if entry["id"] in signals:
            raise KnowledgeError(f"{path.name} [{entry['id']}]: duplicate signal id")
        signals[entry["id"]] = entry
    missing = [sid for sid in known if sid not in signals]
    if missing:
        raise KnowledgeError(f"signals/: no file for {', '.join(missing)}")
    facts: dict[str, dict[str, Any]] = {}
    for path in sorted((source_dir / "facts").glob("*.y*ml")):
        entries = _read_yaml(path)
        if not isinstance(entries, list):
            raise KnowledgeError(f"{path.name}: expected a list of facts")
        for entry in entries:
            fid = entry.get("id", "?") if isinstance(entry, dict) else "?"
            for name in FACT_FIELDS:
                if not isinstance(entry, dict) or not entry.get(name):
                    raise KnowledgeError(f"{path.name} [{fid}]: missing field '{name}'")
            if fid in facts:
                raise KnowledgeError(f"{path.name} [{fid}]: duplicate fact id")
            facts[fid] = {"lender": "", "counterparts": {}, **entry}  # every row has every column
    suggestions = _read_yaml(source_dir / "suggestions.yml") or {}
    if not isinstance(suggestions, dict) or not all(isinstance(v, str) and v for v in suggestions.values()):
        raise KnowledgeError("suggestions.yml: expected intent: button text pairs")
    lexicon = _read_yaml(source_dir / "lexicon.yml")
    if not isinstance(lexicon, dict):
        raise KnowledgeError("lexicon.yml: expected a mapping")
    for key in ("typos", "negators", "doubts", "clause_breaks", "finance_terms", "not_negations"):
        if key not in lexicon:
            raise KnowledgeError(f"lexicon.yml [{key}]: missing")
    _check_regexes("lexicon.yml [off_topic_asks]", lexicon.get("off_topic_asks") or [])
    for key in ("refusal_negators", "refusal_not_negations", "search_filler"):
        _check_words(f"lexicon.yml [{key}]", lexicon.get(key))
    lexicon["numbers"] = _read_numbers(lexicon.get("numbers"))
    lexicon["units"] = _read_units(lexicon.get("units"))
    lexicon["measure_words"] = _read_measure_words(lexicon.get("measure_words"))
    lexicon["privacy"] = _read_privacy(lexicon.get("privacy"))
    button = (lexicon.get("formats") or {}).get("numbered_button")
    if not isinstance(button, str) or "{n}" not in button or "{title}" not in button:
        raise KnowledgeError("lexicon.yml [formats.numbered_button]: needs {n} (what the user types) and {title}")
    lexicon["suggestions"] = suggestions
    lexicon["refusals"] = _read_refusals(source_dir / "refusals.yml")
    lexicon["terms"] = _read_terms(source_dir / "terms.yml")
    _check_topics(catalog, known)
    return {"catalog": catalog, "signals": signals, "facts": facts, "lexicon": lexicon}


def _check_topics(catalog: dict[str, Any], known: list[str]) -> None:
    """Self-check topics name catalog signals, and each button clears or raises only its own topic's."""
    for n, topic in enumerate(catalog.get("selfcheck_topics") or []):
        where = f"catalog.yml selfcheck_topics[{n}] {topic.get('id', '?')}"
        if not topic.get("id") or not topic.get("question") or not topic.get("signals"):
            raise KnowledgeError(f"{where}: needs id, question and signals")
        unknown = [s for s in topic["signals"] if s not in known]
        if unknown:
            raise KnowledgeError(f"{where}: unknown signals {unknown}")
        parts = topic.get("parts")
        if parts is not None and [s for part in parts for s in part] != list(topic["signals"]):
            raise KnowledgeError(f"{where}: parts must list the topic's signals once each, in order")
        for answer in topic.get("answers") or []:
            named = set(answer.get("raised", [])) | set(answer.get("fine", []))
            if not answer.get("text") or not named <= set(topic["signals"]):
                raise KnowledgeError(f"{where}: answer {answer!r} needs a text and this topic's signals only")


def selfcheck_topic_ids(source_dir: Path = SOURCE_DIR) -> tuple[str, ...]:
    """The self-check topics in catalog order, read from the source (the action server needs them at import,
    before any database exists). The domain declares one `sc_<id>` slot each; a test keeps the two equal."""
    catalog = _read_yaml(source_dir / "catalog.yml")
    return tuple(str(t["id"]) for t in catalog.get("selfcheck_topics") or [])


def build(db_file: Path | None = None, source_dir: Path = SOURCE_DIR) -> Path:
    """Check the sources and (re)write the database; returns its path."""
    import sqlite_utils

    sources = read_sources(source_dir)
    target = db_file or db_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")  # two builders never share one
    tmp.unlink(missing_ok=True)
    db = sqlite_utils.Database(tmp)
    order = sources["catalog"]["signals"]
    db.table("signals").insert_all(
        (
            {
                **{k: v for k, v in s.items() if k in SIGNAL_FIELDS},
                "position": order.index(s["id"]),
                "extra": {k: v for k, v in s.items() if k not in SIGNAL_FIELDS},
            }
            for s in sources["signals"].values()
        ),
        pk="id",
    )
    db.table("facts").insert_all(sources["facts"].values(), pk="id")
    db.table("meta").insert_all(
        [
            {"key": "lexicon", "value": json.dumps(sources["lexicon"], ensure_ascii=False)},
            {"key": "catalog", "value": json.dumps(sources["catalog"], ensure_ascii=False)},
        ],
        pk="key",
    )
    db.close()
    os.replace(tmp, target)
    return target


def has_any(text: str, words: list[str]) -> bool:
    return any(w in text for w in words)


def alternation(patterns: list[str]) -> re.Pattern[str] | None:
    """One expression matching any of `patterns`, or None for none."""
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


@dataclass(frozen=True, eq=False)
class Knowledge:
    """Everything read from the database, once per process."""

    signals: dict[str, dict[str, Any]]
    facts: dict[str, dict[str, Any]]
    lexicon: dict[str, Any]
    catalog: dict[str, Any]
    severity_rank: dict[str, int] = field(default_factory=dict)

    @property
    def domain_words(self) -> list[str]:
        """The words of our domain (贷, 征信, 卡, ...) and every signal's synonyms: a (normalised) text
        with none of them is about something else (loanwhy/scope.py, nlu/relevance.py)."""
        return [*self.lexicon.get("domain_words", []), *(w for s in self.signals.values() for w in s["synonyms"])]

    def mentions_domain(self, text: str) -> bool:
        """True when the (normalised) text has one of `domain_words` (nlu/situation_cues.py)."""
        return has_any(text, self.domain_words)

    def ranked(self, ids: list[str]) -> list[str]:
        """Most important first: severity, then weight."""
        return sorted(
            ids,
            key=lambda i: (self.severity_rank[self.signals[i]["severity"]], -self.signals[i]["weight"]),
        )


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if isinstance(value, str) and value[:1] in "[{":
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        out[key] = value
    if "in_control" in out:
        out["in_control"] = bool(out["in_control"])
    out.update(out.pop("extra", None) or {})
    return out


def read_db(path: Path) -> Knowledge:
    import sqlite_utils

    if not path.exists():
        raise KnowledgeError(f"{path}: knowledge database missing; run `make kb`")
    db = sqlite_utils.Database(path)
    try:
        signals = {r["id"]: _decode(r) for r in db["signals"].rows_where(order_by="position")}
        facts = {r["id"]: _decode(r) for r in db["facts"].rows}
        meta = {r["key"]: json.loads(r["value"]) for r in db["meta"].rows}
    finally:
        db.close()
    catalog = meta["catalog"]
    rank = {sev: i for i, sev in enumerate(catalog["severities"])}
    return Knowledge(signals, facts, meta["lexicon"], catalog, rank)


@lru_cache(maxsize=4)
def _load_cached(path: str) -> Knowledge:
    return read_db(Path(path))


@lru_cache(maxsize=4)
def _load_default(kb_env: str | None, var_env: str | None) -> Knowledge:
    """Keyed by the variables `paths.kb_db` reads, so the path is not rebuilt on every call."""
    return _load_cached(str(db_path()))


def load(path: Path | None = None) -> Knowledge:
    """The knowledge of this process, read once from the database."""
    if path is not None:
        return _load_cached(str(path))
    return _load_default(os.environ.get("LOANWHY_KB"), os.environ.get("LOANWHY_VAR"))
