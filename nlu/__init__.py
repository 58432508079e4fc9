"""Rasa graph components of this project (the only Rasa-aware NLU code).

In pipeline order (config.yml): the normaliser before the tokenizer, then after DIET the domain gate
(relevance.py), stated situations and lender wording (situation_cues.py), refusals (refusal_cues.py)
and the fact DIET and the knowledge search agree on (fact_vote.py), before the FallbackClassifier.
Each step keeps its own `create()` (Rasa's registration needs one per class, and it is where a step
says which knowledge it reads); what they share, replacing DIET's guess, is `intents.force_intent`.
The logic each calls lives in `loanwhy/`, without Rasa.
"""
