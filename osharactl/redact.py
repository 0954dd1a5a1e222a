"""Mask known secret values inside free text: API error bodies, ``--debug`` traces, messages.

Values are masked as written and in the forms a server echoes them in: JSON-escaped (quotes and
backslashes escaped, non-ASCII as ``\\uXXXX``) and URL-encoded. Values shorter than ``MIN_LENGTH``
are not masked: they would garble every message and are no secret anyway.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote

from osharactl.models.meta import SENSITIVE

MIN_LENGTH = 4


def _forms(secret: str) -> set[str]:
    return {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
    }


class Redactor:
    """Callable masking every form of every known value, longest first (so a secret that
    contains another one is masked whole)."""

    def __init__(self, values: Iterable[str]) -> None:
        found = {form for v in values if len(v) >= MIN_LENGTH for form in _forms(v)}
        self._forms = sorted(found, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, SENSITIVE)
        return text
