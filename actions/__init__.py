"""Rasa custom actions: thin wrappers that call the plain `loanwhy` library."""
