"""`python -m bench`: load, latency and memory of the assistant, side by side with stock Rasa.

Library first: each module is one concern (conversations from the eval files,
the asyncio load driver, starting servers, the diagnosis-only timing, the
report); `__main__` only parses options and calls them.
"""
