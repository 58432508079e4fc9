"""Rasa graph components of this project (the only Rasa-aware NLU code)."""
