"""A measured speed-up for Rasa 3.6, applied when our custom policy is loaded.

Rasa checks every action-server response with `jsonschema.validate()`, which
re-validates the schema itself on every call: about 20 ms per call under load
and a third of the Rasa process's CPU in `make bench`. Here the validator is
built once; a bad response still raises the same ValidationError.
"""

from __future__ import annotations

from typing import Any

from jsonschema import ValidationError, validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_VALIDATOR: dict[str, Any] = {}


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    validator = _VALIDATOR.get("v")
    if validator is None:
        schema = self.action_response_format_spec()
        cls = validators.validator_for(schema)
        cls.check_schema(schema)
        validator = _VALIDATOR.setdefault("v", cls(schema))
    error: ValidationError | None = best_match(validator.iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def apply() -> None:
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
