"""The web front end: the lender's demo page, the chat widget and its small HTTP API."""
