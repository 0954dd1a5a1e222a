"""Secrets are masked in the forms servers echo them in, and URLs never carry credentials."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from osharactl.client import require_secure_url
from osharactl.errors import ConfigError
from osharactl.redact import Redactor

SECRET = 'sk-CANARY"Q\\uote-é2'


@pytest.mark.parametrize(
    "echo",
    [
        SECRET,
        json.dumps({"got": SECRET}),
        json.dumps({"got": SECRET}, ensure_ascii=False),
        "token=" + quote(SECRET, safe=""),
    ],
)
def test_every_echoed_form_is_masked(echo: str) -> None:
    masked = Redactor([SECRET])(echo)
    assert "CANARY" not in masked
    assert "(sensitive)" in masked


def test_longest_secret_first_and_short_values_left_alone() -> None:
    redact = Redactor(["abcdef", "abcdefghij", "x"])
    assert redact("abcdefghij abcdef x") == "(sensitive) (sensitive) x"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://user:CANARYPASS@api.oshara.ai", "must not contain credentials"),
        ("http://[::1", "not a valid URL"),
        ("http://127.0.0.1:99999", "not a valid URL"),
        ("http://10.1.1.1", "refusing to send credentials in clear text"),
    ],
)
def test_bad_api_urls_are_refused_without_echoing_secrets(url: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        require_secure_url(url)
    assert message in str(caught.value)
    assert "CANARYPASS" not in str(caught.value)
