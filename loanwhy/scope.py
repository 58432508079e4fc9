"""Whether a message is about our domain at all.

NLU decides it, once per message (nlu/relevance.py): it turns a domain intent DIET guessed for a
text with no word of ours into `out_of_scope`, and it records under OFF_TOPIC in the parse data
whether the text says more than a bare follow-up ("要等多久?") without a word of ours. The
actions only read that flag (actions/diagnosis.py: a why / how-long question with no report to
follow up gets the scope reminder).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from loanwhy.kb import has_any

OFF_TOPIC = "off_topic"  # the parse data's key for NLU's verdict
BARE_FOLLOW_UP = 8  # letters and digits: a bare "how long?" is a follow-up, a longer text says more


def off_topic(text: str, words: list[str]) -> bool:
    """More than a bare follow-up, and none of `words` (the domain's, `Knowledge.domain_words`) in it:
    DIET may have matched the shape of the question, but the topic is another one."""
    letters = "".join(ch for ch in text if ch.isalnum())
    return len(letters) > BARE_FOLLOW_UP and not has_any(letters, words)


def asks_elsewhere(text: str, asks: Sequence[re.Pattern[str]], loan_words: list[str]) -> bool:
    """A question about another topic that borrows our words ("信用卡积分能换点啥", "白酒板块还能上车吗"):
    one of `asks` (the lexicon's `off_topic_asks`) matches, and once what they match is taken out, no
    word only a loan message carries is left ("积分很多，但贷款被拒了" stays ours)."""
    rest, found = text, False
    for ask in asks:
        rest, n = ask.subn(" ", rest)
        found = found or n > 0
    return found and not has_any(rest, loan_words)
