"""Turning a service's problem+json answer into plain-language messages for a form: one message per field
(shown next to it) and, for what belongs to no field, one for the whole form. Never a stack trace, never
the service's English validation text.

Convention used here: a service's own codes are UPPER_CASE and their `detail` is written for people in the
platform's language (accounts' texts module); lower-case codes are pydantic's validation types, whose
`detail` is English developer text, so those get our own message for the field. A service whose `detail` is
English developer text too (volunteers) passes its area's words by code as `messages`: then a code it does not
name gets our plain message for the status, never that `detail`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from platformkit.problems import CODES_BY_STATUS
from web.texts import Texts

# Codes whose `detail` is generic English (the platform's defaults, the gateway's own answers).
_GENERIC_CODES = frozenset(CODES_BY_STATUS.values())
_GENERIC_PREFIXES = ("UPSTREAM_", "CSRF_", "SESSION_", "UNKNOWN_SERVICE", "DATABASE_")
# Statuses where a service's own detail says what is wrong with the input (not "try later").
_OWN_WORDS_STATUSES = frozenset({400, 404, 409, 422})


def _speaks_for_people(code: str, status: int) -> bool:
    return (code.isupper() and status in _OWN_WORDS_STATUSES and code not in _GENERIC_CODES
            and not code.startswith(_GENERIC_PREFIXES))


@dataclass
class FormErrors:
    """Messages by form field name, plus one for the form as a whole."""

    fields: dict[str, str] = field(default_factory=dict)
    general: str | None = None

    def __bool__(self) -> bool:
        return bool(self.fields) or self.general is not None

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, message)


def _field_message(code: str, detail: str, form_field: str, status: int, texts: Texts) -> str:
    if detail and _speaks_for_people(code, status):
        return detail
    if code in {"missing", "string_too_short"}:
        return texts.error_required
    if code == "string_too_long":
        return texts.error_too_long
    if code == "string_pattern_mismatch":
        if form_field == "email":
            return texts.error_email
        if form_field == "phone":
            return texts.error_phone
    return texts.error_generic_field


def status_message(status: int, texts: Texts) -> str:
    if status in (412, 428):
        return texts.error_version
    if status == 409:
        return texts.error_conflict
    if status == 429:
        return texts.error_too_many
    if status == 404:
        return texts.error_not_found
    if status == 403:
        return texts.error_forbidden
    if status >= 500:
        return texts.error_service_down
    return texts.error_bad_request


def problem_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def form_errors(response: httpx.Response, field_names: Mapping[str, str], texts: Texts,
                messages: Mapping[str, str] | None = None) -> FormErrors:
    """`field_names` maps a problem's field path (`body.email`) to the form's field (`email`); a problem whose
    field the form does not have becomes the message for the whole form. `messages`: our words by problem
    code, for a service whose `detail` is not written for people (see the module's docstring)."""
    body = problem_body(response)
    errors = FormErrors()
    items = body.get("errors")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        path = str(item.get("field", ""))
        form_field = field_names.get(path)
        if form_field is None:
            continue
        code, detail = str(item.get("code", "")), str(item.get("detail", ""))
        if messages is not None:
            found = messages.get(code)
            errors.add(form_field, found if found is not None else _field_message(
                code, "", form_field, response.status_code, texts))
        else:
            errors.add(form_field, _field_message(code, detail, form_field, response.status_code, texts))
    if not errors.fields:
        code = str(body.get("code", ""))
        detail = str(body.get("detail", ""))
        # A service's own detail for bad input (e.g. "Diese Rolle gibt es nicht.") says more than ours.
        own_words = (messages is None and bool(detail) and _speaks_for_people(code, response.status_code)
                     and code != "VALIDATION_FAILED")
        if messages is not None and code in messages:
            errors.general = messages[code]
        else:
            errors.general = detail if own_words else status_message(response.status_code, texts)
    return errors
