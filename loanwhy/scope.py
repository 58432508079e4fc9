"""Whether a message is about our domain at all.

NLU decides it, once per message (nlu/relevance.py): it turns a domain intent DIET guessed for a
text with no word of ours into `out_of_scope`, and it records under OFF_TOPIC in the parse data
whether the text says more than a bare follow-up ("要等多久?") without a word of ours. The
actions only read that flag (actions/diagnosis.py: a why / how-long question with no report to
follow up gets the scope reminder).
"""

from __future__ import annotations

from loanwhy.kb import has_any

OFF_TOPIC = "off_topic"  # the parse data's key for NLU's verdict
BARE_FOLLOW_UP = 8  # letters and digits: a bare "how long?" is a follow-up, a longer text says more


def off_topic(text: str, words: list[str]) -> bool:
    """More than a bare follow-up, and none of `words` (the domain's, `Knowledge.domain_words`) in it:
    DIET may have matched the shape of the question, but the topic is another one."""
    letters = "".join(ch for ch in text if ch.isalnum())
    return len(letters) > BARE_FOLLOW_UP and not has_any(letters, words)
