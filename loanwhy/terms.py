"""Credit slang and lenders' wording asked about ("连三累六是什么意思"): what each usually means.

The terms live in knowledge/terms.yml. A message asks about a term when it names one and carries a
"what does it mean" phrase; a message that only uses the slang to describe the applicant's own
situation is for the signal detection, not for this.
"""

from __future__ import annotations

import re

from loanwhy.detect import prepare
from loanwhy.kb import Knowledge, load


def asked(text: str, kb: Knowledge | None = None) -> list[dict[str, object]]:
    """The terms a message asks the meaning of, in the order they appear; [] when it asks none."""
    table = (kb or load()).lexicon.get("terms") or {}
    said = prepare(text)
    if not table or not re.search(table["asks"], said):
        return []
    found: list[tuple[int, dict[str, object]]] = []
    for term in table["terms"]:
        hits = [m.start() for w in term["words"] for m in [re.search(w, said)] if m]
        if hits:
            found.append((min(hits), term))
    return [term for _, term in sorted(found, key=lambda pair: pair[0])]


def explain(text: str, kb: Knowledge | None = None) -> str:
    """One line per term asked about ("" when none), for a reply."""
    return "\n".join(str(term["text"]) for term in asked(text, kb))
