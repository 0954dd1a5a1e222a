"""Who we are towards the API: credential lookup, JWT sessions with refresh, the token cache.

This module never talks HTTP itself (only ``client.py`` imports httpx): a session asks an
``AuthApi`` (the client) to log in or refresh, so the retry, tracing and redaction rules of the
client apply to auth calls too. Sessions are shared by apply's worker threads, hence the locks:
when many requests see an expired token at once, exactly one refresh happens.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from osharactl.errors import AuthError, ConfigError

# A token this close to its expiry counts as expired: clocks drift and requests take time.
EXPIRY_MARGIN_SECONDS = 10.0
CACHE_FILE_NAME = "tokens.json"
NO_CREDENTIALS_HINT = (
    "set OSHARA_TOKEN, OSHARA_API_KEY, or OSHARA_EMAIL and OSHARA_PASSWORD, "
    "or run `osharactl login` once"
)


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str | None = None


class AuthApi(Protocol):
    """The two unauthenticated calls a session needs; implemented by ``client.Client``."""

    def login(self, email: str, password: str) -> TokenPair: ...

    def refresh(self, refresh_token: str) -> TokenPair: ...


class Credentials(ABC):
    """What a request carries to prove who we are, and how to recover when it is refused."""

    source: str  # shown in messages: where these credentials came from

    @abstractmethod
    def headers(self, api: AuthApi) -> dict[str, str]:
        """Headers for the next request (may log in or refresh first)."""

    @abstractmethod
    def renew(self, api: AuthApi, rejected: Mapping[str, str]) -> None:
        """The server answered 401 to ``rejected`` headers: get new ones or raise AuthError."""

    @abstractmethod
    def secrets(self) -> list[str]:
        """Every secret value held now: the client masks them in traces and errors."""


class StaticToken(Credentials):
    """``OSHARA_TOKEN``: a bearer token we cannot refresh."""

    def __init__(self, token: str, source: str = "OSHARA_TOKEN") -> None:
        self.token = token
        self.source = source

    def headers(self, api: AuthApi) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def renew(self, api: AuthApi, rejected: Mapping[str, str]) -> None:
        raise AuthError(
            f"the access token from {self.source} was refused (expired or invalid)",
            hint="set a fresh OSHARA_TOKEN, or use OSHARA_EMAIL and OSHARA_PASSWORD so "
            "osharactl can refresh it itself",
        )

    def secrets(self) -> list[str]:
        return [self.token]


class ApiKey(Credentials):
    """``OSHARA_API_KEY``: an ``sk_`` key sent as ``X-API-Key``; it does not expire."""

    def __init__(self, key: str, source: str = "OSHARA_API_KEY") -> None:
        self.key = key
        self.source = source

    def headers(self, api: AuthApi) -> dict[str, str]:
        return {"X-API-Key": self.key}

    def renew(self, api: AuthApi, rejected: Mapping[str, str]) -> None:
        raise AuthError(
            f"the API key from {self.source} was refused (revoked, disabled or mistyped)",
            hint="create a new key in the dashboard (Settings → Developer) and set OSHARA_API_KEY",
        )

    def secrets(self) -> list[str]:
        return [self.key]


class Session(Credentials):
    """A JWT session: logs in lazily, refreshes before expiry and on 401, then logs in again.

    Built from email + password (env or the sandbox account), from a cached token pair, or both.
    When backed by the cache, every new token pair is written back so the next run reuses it.
    """

    def __init__(
        self,
        *,
        source: str,
        email: str | None = None,
        password: str | None = None,
        tokens: TokenPair | None = None,
        cache: TokenCache | None = None,
        cache_key: str | None = None,
        password_is_secret: bool = True,
    ) -> None:
        self.source = source
        self.password_is_secret = password_is_secret  # False for the public sandbox account
        self.email = email
        self.password = password
        self.tokens = tokens
        self.cache = cache
        self.cache_key = cache_key
        self._lock = threading.Lock()

    def headers(self, api: AuthApi) -> dict[str, str]:
        with self._lock:
            if self.tokens is None:
                self._login(api)
            elif token_expired(self.tokens.access):
                self._renew(api)
            assert self.tokens is not None
            return {"Authorization": f"Bearer {self.tokens.access}"}

    def renew(self, api: AuthApi, rejected: Mapping[str, str]) -> None:
        with self._lock:
            current = self.tokens and f"Bearer {self.tokens.access}"
            if current and rejected.get("Authorization") != current:
                return  # another thread already renewed after this request was sent
            self._renew(api)

    def secrets(self) -> list[str]:
        found = [self.password] if self.password and self.password_is_secret else []
        if self.tokens:
            found.append(self.tokens.access)
            if self.tokens.refresh:
                found.append(self.tokens.refresh)
        return found

    def _renew(self, api: AuthApi) -> None:
        """Refresh once; if that fails, log in again when we can; else say what to do."""
        if self.tokens and self.tokens.refresh and not token_expired(self.tokens.refresh):
            try:
                pair = api.refresh(self.tokens.refresh)
            except AuthError:
                pass
            else:
                self._store(TokenPair(pair.access, pair.refresh or self.tokens.refresh))
                return
        if self.email and self.password:
            self._login(api)
            return
        raise AuthError(
            f"the {self.source} has expired and could not be refreshed",
            hint="run `osharactl login` again, or set OSHARA_EMAIL and OSHARA_PASSWORD so "
            "osharactl can log in by itself",
        )

    def _login(self, api: AuthApi) -> None:
        if not (self.email and self.password):
            raise AuthError("no credentials to log in with", hint=NO_CREDENTIALS_HINT)
        self._store(api.login(self.email, self.password))

    def _store(self, pair: TokenPair) -> None:
        self.tokens = pair
        if self.cache is not None and self.cache_key is not None:
            self.cache.put(self.cache_key, pair, email=self.email)


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, decoded WITHOUT verifying the signature (only the server can):
    we only read ``exp`` to refresh before the server refuses us. Not a JWT → ``{}``."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, binascii.Error):
        return {}
    return claims if isinstance(claims, dict) else {}


def token_expired(token: str, now: float | None = None) -> bool:
    """True when ``exp`` has passed or is within the margin. Tokens without ``exp`` never
    expire as far as we can tell (the server's 401 is the fallback)."""
    claims = jwt_claims(token)
    exp = claims.get("exp")
    if not isinstance(exp, int | float):
        return False
    now = time.time() if now is None else now
    margin = EXPIRY_MARGIN_SECONDS
    issued = claims.get("iat")
    if isinstance(issued, int | float) and exp > issued:
        margin = min(margin, (exp - issued) / 4)  # short-lived tokens (tests) stay usable
    return now >= exp - margin


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where osharactl keeps per-user state; ``OSHARACTL_CONFIG_DIR`` overrides (tests, CI)."""
    env = os.environ if environ is None else environ
    if env.get("OSHARACTL_CONFIG_DIR"):
        return Path(env["OSHARACTL_CONFIG_DIR"])
    import platformdirs  # lazily: start-up time matters and most runs never need it

    return Path(platformdirs.user_config_dir("osharactl"))


class TokenCache:
    """Token pairs from ``osharactl login``, keyed by API URL, in one JSON file (mode 0600).

    Written atomically (temp file created 0600, then renamed) so a crash or a parallel run never
    leaves a truncated or briefly world-readable file. Passwords are never stored.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / CACHE_FILE_NAME
        self._lock = threading.Lock()

    def get(self, api_url: str) -> tuple[TokenPair, str | None] | None:
        entry = self._load().get(api_url)
        if not isinstance(entry, dict) or not isinstance(entry.get("access"), str):
            return None
        refresh = entry.get("refresh")
        email = entry.get("email")
        pair = TokenPair(entry["access"], refresh if isinstance(refresh, str) else None)
        return pair, email if isinstance(email, str) else None

    def put(self, api_url: str, pair: TokenPair, *, email: str | None = None) -> None:
        with self._lock:
            data = self._load()
            data[api_url] = {"access": pair.access, "refresh": pair.refresh, "email": email}
            self._write(data)

    def remove(self, api_url: str) -> bool:
        with self._lock:
            data = self._load()
            if api_url not in data:
                return False
            del data[api_url]
            self._write(data)
            return True

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}  # unreadable or corrupt: treated as empty; the next login rewrites it
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, Any]) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(self.directory, 0o700)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tokens-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:  # mkstemp: mode 0600
                    json.dump(data, fh, indent=2, sort_keys=True)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
        except OSError as exc:
            raise ConfigError(
                f"cannot write the token cache {self.path}: {exc.strerror}",
                hint="set OSHARACTL_CONFIG_DIR to a writable directory",
            ) from None


def resolve_credentials(api_url: str, environ: Mapping[str, str] | None = None) -> Credentials:
    """First found wins: OSHARA_TOKEN, OSHARA_API_KEY, OSHARA_EMAIL + OSHARA_PASSWORD, the
    token cached by ``osharactl login`` for this API URL. Nothing → AuthError saying what to do."""
    env = os.environ if environ is None else environ
    if env.get("OSHARA_TOKEN"):
        return StaticToken(env["OSHARA_TOKEN"])
    if env.get("OSHARA_API_KEY"):
        return ApiKey(env["OSHARA_API_KEY"])
    email, password = env.get("OSHARA_EMAIL"), env.get("OSHARA_PASSWORD")
    if email and password:
        return Session(
            source="login from OSHARA_EMAIL/OSHARA_PASSWORD", email=email, password=password
        )
    cache = TokenCache(config_dir(env))
    cached = cache.get(api_url)
    if cached is not None:
        pair, cached_email = cached
        return Session(
            source=f"cached login for {api_url}" + (f" ({cached_email})" if cached_email else ""),
            email=cached_email,
            tokens=pair,
            cache=cache,
            cache_key=api_url,
        )
    half = " (OSHARA_EMAIL is set but OSHARA_PASSWORD is not)" if email else ""
    raise AuthError(f"no credentials for {api_url}{half}", hint=NO_CREDENTIALS_HINT)
