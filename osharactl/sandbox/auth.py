"""Accounts, JWT access/refresh tokens and ``sk_`` API keys for the sandbox.

Tokens are HS256 JWTs with ``exp`` signed with a per-database secret (stored in the db), so
tokens survive a restart on the same file and are useless against another sandbox. API keys are
stored as SHA-256 hashes; the full key is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

import jwt
from werkzeug.wrappers import Request

from osharactl.sandbox.config import SandboxConfig
from osharactl.sandbox.store import ApiKey, Store, User
from osharactl.sandbox.web import Problem, now_iso

PBKDF2_ROUNDS = 20_000  # a sandbox: enough to not store plain text, cheap enough for tests
NO_CREDENTIALS = "Authentication credentials were not provided."
TOKEN_INVALID = "Given token not valid for any token type"


def hash_password(password: str) -> str:
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), PBKDF2_ROUNDS)
    return f"pbkdf2_sha256${PBKDF2_ROUNDS}${salt}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, rounds, salt, expected = stored.split("$")
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(rounds))
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_preview(key: str) -> str:
    """First 5 and last 4 characters, as the docs describe (``sk_a1...6789``)."""
    return f"{key[:5]}...{key[-4:]}"


def _unauthorized(message: str, code: str | None = None) -> Problem:
    payload: dict[str, Any] = {"detail": message}
    if code:
        payload["code"] = code
    return Problem(401, payload, {"WWW-Authenticate": 'Bearer realm="api"'})


class Auth:
    """Everything about who a request is; raises ``Problem(401)`` when it cannot tell."""

    def __init__(self, store: Store, config: SandboxConfig) -> None:
        self.store = store
        self.config = config
        self.secret = store.meta_value("jwt_secret", lambda: secrets.token_hex(32))
        store.create_user(config.email, hash_password(config.password), replace=True)

    # -- tokens ------------------------------------------------------------------------------

    def _issue(self, user_id: int, kind: str, ttl: float) -> str:
        now = time.time()
        claims = {
            "token_type": kind,
            "user_id": user_id,
            "iat": int(now),
            "exp": now + ttl,
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def _decode(self, token: str, kind: str) -> int:
        try:
            claims = jwt.decode(token, self.secret, algorithms=["HS256"])
        except jwt.PyJWTError:
            raise _unauthorized(TOKEN_INVALID, "token_not_valid") from None
        user_id = claims.get("user_id")
        if claims.get("token_type") != kind or not isinstance(user_id, int):
            raise _unauthorized(TOKEN_INVALID, "token_not_valid")
        return user_id

    def login(self, email: Any, password: Any) -> dict[str, str]:
        errors = {
            k: ["This field is required."]
            for k, v in (("email", email), ("password", password))
            if not isinstance(v, str) or not v
        }
        if errors:
            raise Problem(400, errors)
        user = self.store.user_by_email(email)
        if user is None or not check_password(password, user.password_hash):
            raise _unauthorized("No active account found with the given credentials")
        return {
            "access": self._issue(user.id, "access", self.config.access_ttl_seconds),
            "refresh": self._issue(user.id, "refresh", self.config.refresh_ttl_seconds),
        }

    def refresh(self, token: Any) -> dict[str, str]:
        if not isinstance(token, str) or not token:
            raise Problem(400, {"refresh": ["This field is required."]})
        user_id = self._decode(token, "refresh")
        if self.store.user_by_id(user_id) is None:
            raise _unauthorized(TOKEN_INVALID, "token_not_valid")
        return {"access": self._issue(user_id, "access", self.config.access_ttl_seconds)}

    def signup(self, email: Any, password: Any) -> User:
        errors: dict[str, list[str]] = {}
        if not isinstance(email, str) or "@" not in email:
            errors["email"] = ["Enter a valid email address."]
        if not isinstance(password, str) or not password:
            errors["password"] = ["This field is required."]
        if errors:
            raise Problem(400, errors)
        user = self.store.create_user(str(email), hash_password(str(password)))
        if user is None:
            raise Problem(400, {"email": ["user with this email already exists."]})
        return user

    # -- request authentication --------------------------------------------------------------

    def authenticate(self, request: Request, *, allow_api_key: bool = True) -> User:
        """The calling user. ``X-API-Key`` wins over ``Authorization`` when both are sent."""
        key = request.headers.get("X-API-Key")  # werkzeug headers are case-insensitive
        if key and allow_api_key:
            found = self.store.use_api_key(hash_key(key), now_iso())
            if found is None:
                raise _unauthorized("Invalid API key.")
            return self._user(found.user_id)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized(NO_CREDENTIALS)
        return self._user(self._decode(token.strip(), "access"))

    def _user(self, user_id: int) -> User:
        user = self.store.user_by_id(user_id)
        if user is None:
            raise _unauthorized("User not found", "user_not_found")
        return user

    # -- API keys ----------------------------------------------------------------------------

    def create_api_key(self, user: User, name: Any, is_active: Any) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        if not isinstance(name, str) or not name.strip():
            errors["name"] = ["This field is required."]
        if not isinstance(is_active, bool):
            errors["is_active"] = ["Must be a valid boolean."]
        if errors:
            raise Problem(400, errors)
        key = "sk_" + secrets.token_hex(32)
        row = self.store.create_api_key(
            user.id, name, hash_key(key), key_preview(key), is_active, now_iso()
        )
        return {**api_key_json(row), "key": key}

    def list_api_keys(self, user: User) -> list[dict[str, Any]]:
        return [api_key_json(k) for k in self.store.list_api_keys(user.id)]


def api_key_json(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "key_preview": key.key_preview,
        "is_active": key.is_active,
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
    }
