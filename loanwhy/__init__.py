"""Plain logic of the loan-refusal assistant: no Rasa imports here.

Shared by the Rasa actions, the channels, the staff tool and the benchmarks.
"""
