"""The Oshara REST client: the ONLY module that imports httpx.

It owns everything between "call this endpoint" and "here is the JSON": authentication (through a
``credentials.Credentials``), retries with backoff for dropped connections, 5xx and 429
(honouring ``Retry-After``), the https rule, ``--debug`` tracing with secrets redacted, and the
mapping of every failure onto ``errors``. httpx exceptions never escape this module.

Why retries are safe here: GET/PUT/PATCH/DELETE are idempotent. A POST create whose response
was lost may already have created the character, so a retried create that meets "slug already
exists" re-reads the character instead of failing or duplicating it; a retried DELETE that meets
404 is done.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json
import os
import random
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit

import httpx

from osharactl.credentials import (
    Credentials,
    Session,
    TokenCache,
    TokenPair,
    config_dir,
    resolve_credentials,
)
from osharactl.errors import ApiError, AuthError, ConfigError, ConnectionFailed, NotFound
from osharactl.models.meta import SENSITIVE
from osharactl.redact import Redactor

if TYPE_CHECKING:
    from osharactl.config import Settings

CHARACTERS = "/api/ai-characters/"
SANDBOX = "sandbox"  # the api_url value that selects the in-process sandbox
SANDBOX_BASE_URL = "http://sandbox.invalid"  # .invalid never resolves: nothing leaves the process
MASK = SENSITIVE
ERROR_BODY_LIMIT = 500
TRACE_BODY_LIMIT = 500
RETRY_AFTER_MAX = 60.0  # a server asking for longer is treated as asking for a minute
MAX_PAGES = 100_000

Trace = Callable[[str], None]
Redact = Callable[[str], str]


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_secure_url(url: str, *, in_process: bool = False) -> None:
    """Credentials must not travel in clear: http:// only to loopback (or the in-process app)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise ConfigError(
            "the API URL is not a valid URL", hint="e.g. https://api.oshara.ai"
        ) from None
    if parts.username or parts.password:
        raise ConfigError(
            "the API URL must not contain credentials (user:password@)",
            hint="use OSHARA_TOKEN, OSHARA_API_KEY, OSHARA_EMAIL/OSHARA_PASSWORD or "
            "`osharactl login`",
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"API URL {url!r} is not an http(s) URL",
            hint="use e.g. https://api.oshara.ai, or `--sandbox` for the embedded sandbox",
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname) and not in_process:
        raise ConfigError(
            f"refusing to send credentials in clear text to {url}",
            hint="use https://, or http:// only for a loopback address such as "
            "http://127.0.0.1:8765",
        )


class Client:
    """Thread-safe: apply calls it from several worker threads, sharing one connection pool."""

    def __init__(
        self,
        base_url: str,
        auth: Credentials,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        backoff_base: float = 0.2,
        backoff_max: float = 10.0,
        trace: Trace | None = None,
        redact: Redact | None = None,
        max_connections: int = 32,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        require_secure_url(self.base_url, in_process=transport is not None)
        self.auth = auth
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._trace = trace
        self._redact = redact
        self._sent = 0
        self._count_lock = threading.Lock()
        self._random = random.Random()
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout),
            limits=limits,
            headers={"Accept": "application/json", "User-Agent": "osharactl"},
        )

    # --- characters -------------------------------------------------------------------------

    def list_characters(self) -> list[dict[str, Any]]:
        """All characters in one call, or by following DRF ``next`` links if the server pages."""
        return [item for page in self.list_character_pages() for item in page]

    def list_character_pages(self, page_size: int | None = None) -> Iterator[list[dict[str, Any]]]:
        """The characters a page at a time, following DRF ``next`` links. ``page_size`` asks a
        paging server for pages of that size (DRF's ``page_size`` parameter); a server that does
        not page ignores it and answers with one list, which is then the only page."""
        url = CHARACTERS + (f"?page_size={page_size}" if page_size else "")
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            seen.add(url)
            data = self._json("GET", url)
            if isinstance(data, list):
                yield data
                return
            if not (isinstance(data, dict) and isinstance(data.get("results"), list)):
                raise self._shape_error("GET", url, "a list of characters or a page of them")
            yield data["results"]
            if not data.get("next"):
                return
            url = self._follow(str(data["next"]))
            if url in seen:
                raise self._shape_error("GET", url, "pages that do not link back to themselves")
        raise self._shape_error("GET", CHARACTERS, f"at most {MAX_PAGES} pages")

    def get_character(self, slug: str) -> dict[str, Any]:
        return self._object("GET", character_path(slug))

    def create_character(self, body: dict[str, Any]) -> dict[str, Any]:
        secrets = body_secrets(body)
        response, maybe_done = self._send("POST", CHARACTERS, body=body, secrets=secrets)
        if response.status_code == 400 and maybe_done and _slug_exists(response):
            # An earlier attempt created it; only its response was lost. Not a duplicate.
            return self.get_character(str(body.get("slug", "")))
        return self._decode_object("POST", CHARACTERS, response, secrets)

    def update_character(self, slug: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._object("PATCH", character_path(slug), body)

    def replace_character(self, slug: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._object("PUT", character_path(slug), body)

    def delete_character(self, slug: str) -> None:
        path = character_path(slug)
        response, maybe_done = self._send("DELETE", path)
        if response.status_code == 404 and maybe_done:
            return  # an earlier attempt deleted it; only its response was lost
        self._check("DELETE", path, response, ())

    def me(self) -> dict[str, Any]:
        return self._object("GET", "/api/auth/me/")

    # --- credentials.AuthApi ----------------------------------------------------------------

    def login(self, email: str, password: str) -> TokenPair:
        path = "/api/auth/login/"
        body = {"email": email, "password": password}
        response, _ = self._send("POST", path, body=body, authenticated=False, secrets=[password])
        if response.status_code in (400, 401, 403):
            raise AuthError(
                f"log-in to {self.base_url} as {email} was refused "
                f"({response.status_code} {_reason(response)})",
                hint="check the email and password (OSHARA_EMAIL/OSHARA_PASSWORD or "
                "`osharactl login`)",
            )
        return _token_pair(self._decode_object("POST", path, response, [password]), path)

    def refresh(self, refresh_token: str) -> TokenPair:
        path = "/api/auth/refresh/"
        body = {"refresh": refresh_token}
        response, _ = self._send("POST", path, body=body, authenticated=False)
        if response.status_code in (400, 401, 403):
            raise AuthError(f"token refresh at {self.base_url} was refused")
        return _token_pair(self._decode_object("POST", path, response, ()), path)

    # --- plumbing ---------------------------------------------------------------------------

    @property
    def requests_sent(self) -> int:
        """HTTP requests actually sent (every attempt, auth calls included)."""
        return self._sent

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _object(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        secrets = body_secrets(body) if body is not None else []
        response, _ = self._send(method, path, body=body, secrets=secrets)
        return self._decode_object(method, path, response, secrets)

    def _json(self, method: str, path: str) -> Any:
        response, _ = self._send(method, path)
        self._check(method, path, response, ())
        try:
            return json.loads(response.content)
        except ValueError:
            raise self._shape_error(method, path, "JSON") from None

    def _decode_object(
        self, method: str, path: str, response: httpx.Response, secrets: Iterable[str]
    ) -> dict[str, Any]:
        self._check(method, path, response, secrets)
        try:
            data = json.loads(response.content)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise self._shape_error(method, path, "a JSON object")
        return data

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        authenticated: bool = True,
        secrets: Iterable[str] = (),
    ) -> tuple[httpx.Response, bool]:
        """Send with retries. Returns the final response (any status) and whether an earlier
        attempt may have been processed by the server (its response lost or a 5xx)."""
        content = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        base_headers = {"Content-Type": "application/json"} if content is not None else {}
        secrets = list(secrets)
        attempt, renewed, maybe_done = 0, False, False
        while True:
            attempt += 1
            auth_headers = self.auth.headers(self) if authenticated else {}
            headers = {**base_headers, **auth_headers}
            self._trace_request(method, path, headers, body, secrets)
            started = time.monotonic()
            self._count()
            try:
                response = self._http.request(method, path, content=content, headers=headers)
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                unsent = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
                maybe_done = maybe_done or not isinstance(exc, unsent)
                reason = describe_transport_error(exc)
                if attempt > self.max_retries:
                    raise self._connection_failed(method, path, reason, attempt) from None
                self._wait(attempt, None, method, path, reason)
                continue
            except httpx.HTTPError as exc:
                reason = describe_transport_error(exc)
                raise self._connection_failed(method, path, reason, attempt) from None
            self._trace_response(method, path, response, time.monotonic() - started, secrets)
            status = response.status_code
            if status == 401 and authenticated and not renewed:
                renewed = True
                self.auth.renew(self, auth_headers)
                continue
            if (status == 429 or status >= 500) and attempt <= self.max_retries:
                maybe_done = maybe_done or status >= 500
                reason = f"{status} {_reason(response)}"
                self._wait(attempt, retry_after(response), method, path, reason)
                continue
            return response, maybe_done

    def _wait(
        self, attempt: int, server_delay: float | None, method: str, path: str, reason: str
    ) -> None:
        """Exponential backoff with jitter, or what the server asked for (capped)."""
        if server_delay is not None:
            delay = min(server_delay, RETRY_AFTER_MAX) + self._random.uniform(0, 0.1)
        else:
            ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
            delay = ceiling / 2 + self._random.uniform(0, ceiling / 2)
        self._emit(
            f"retry {attempt}/{self.max_retries} {method} {self._url(path)} "
            f"in {delay:.2f}s: {reason}"
        )
        time.sleep(delay)

    def _check(
        self, method: str, path: str, response: httpx.Response, secrets: Iterable[str]
    ) -> None:
        status = response.status_code
        if status < 400:
            return
        body = self.clean(response.text, secrets)
        if len(body) > ERROR_BODY_LIMIT:
            body = body[:ERROR_BODY_LIMIT] + "…"
        message = f"{method} {path}: {status} {_reason(response)}: {body}"
        if status == 401:
            raise AuthError(
                message,
                hint=f"the server refused the {self.auth.source}; check or renew it, or run "
                "`osharactl login`",
            )
        error = NotFound if status == 404 else ApiError
        raise error(message, status=status, method=method, path=path, body=body)

    def clean(self, text: str, extra: Iterable[str] = ()) -> str:
        """Mask every secret we know of: the credentials we hold, the secrets of the body we
        sent, and whatever the caller's ``redact`` knows."""
        text = Redactor((*self.auth.secrets(), *extra))(text)
        return self._redact(text) if self._redact else text

    def _connection_failed(
        self, method: str, path: str, reason: str, attempts: int
    ) -> ConnectionFailed:
        host = urlsplit(self.base_url).hostname or ""
        hint = "check the API URL and your network; --debug traces every attempt"
        if is_loopback(host):
            hint = "is the sandbox running? (`osharactl sandbox serve`); " + hint
        tries = "attempt" if attempts == 1 else "attempts"
        return ConnectionFailed(
            f"cannot reach {self.base_url}: {method} {self._url(path)} failed after "
            f"{attempts} {tries}: {reason}",
            hint=hint,
        )

    def _shape_error(self, method: str, path: str, expected: str) -> ApiError:
        return ApiError(
            f"{method} {path}: unexpected response (expected {expected})",
            status=0,
            method=method,
            path=path,
        )

    def _follow(self, next_url: str) -> str:
        """A ``next`` link, refused if it points elsewhere: our credentials go with it."""
        target = urljoin(self.base_url + "/", next_url)
        here, there = urlsplit(self.base_url), urlsplit(target)
        if (there.scheme, there.netloc) != (here.scheme, here.netloc):
            raise self._shape_error("GET", CHARACTERS, f"next links on {self.base_url}")
        return target

    def _url(self, path: str) -> str:
        return path if "://" in path else self.base_url + path

    def _count(self) -> None:
        with self._count_lock:
            self._sent += 1

    def _emit(self, line: str) -> None:
        if self._trace is not None:
            self._trace(line)

    def _trace_request(
        self, method: str, path: str, headers: Mapping[str, str], body: Any, secrets: list[str]
    ) -> None:
        if self._trace is None:
            return
        shown = {k: _mask_header(k, v) for k, v in headers.items()}
        text = "" if body is None else " body=" + self._trace_body(path, body, secrets)
        self._emit(f"> {method} {self._url(path)} headers={json.dumps(shown)}{text}")

    def _trace_response(
        self,
        method: str,
        path: str,
        response: httpx.Response,
        elapsed: float,
        secrets: list[str],
    ) -> None:
        if self._trace is None:
            return
        try:
            body: Any = json.loads(response.content) if response.content else None
        except ValueError:
            body = response.text
        text = "" if body is None else " body=" + self._trace_body(path, body, secrets)
        self._emit(
            f"< {response.status_code} {_reason(response)} {method} {self._url(path)} "
            f"({elapsed * 1000:.1f} ms){text}"
        )

    def _trace_body(self, path: str, body: Any, secrets: list[str]) -> str:
        if "/api/auth/" in path and not path.endswith("/me/"):
            return '"(credentials omitted)"'
        text = json.dumps(mask_character_secrets(body), ensure_ascii=False)
        text = self.clean(text, secrets)
        return text if len(text) <= TRACE_BODY_LIMIT else text[:TRACE_BODY_LIMIT] + "…"


class _InProcessTransport(httpx.BaseTransport):
    """The sandbox's WSGI app as a transport. Its injected "dropped connection" surfaces as a
    ``ConnectionError``; turn it into the httpx error a real dropped socket gives, so retries
    behave the same in-process and over HTTP. Closing it closes the sandbox's database."""

    def __init__(self, inner: httpx.WSGITransport, on_close: Callable[[], None]) -> None:
        self.inner = inner
        self.on_close = on_close

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return self.inner.handle_request(request)
        except ConnectionError as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from None

    def close(self) -> None:
        self.inner.close()
        self.on_close()


def character_path(slug: str) -> str:
    return f"{CHARACTERS}{quote(slug, safe='')}/"


def body_secrets(body: Any) -> list[str]:
    """Secret values inside a character body we send, so errors and traces never echo them."""
    if not isinstance(body, dict):
        return []
    from osharactl.models import Character, secret_values

    return secret_values(body, Character)


def mask_character_secrets(data: Any) -> Any:
    """Mask secret fields of a character, a list of them or a DRF page (for traces)."""
    from osharactl.models import Character, mask_secrets

    if isinstance(data, list):
        return [mask_secrets(item, Character) for item in data]
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return {**data, "results": mask_character_secrets(data["results"])}
    return mask_secrets(data, Character)


def _mask_header(name: str, value: str) -> str:
    lowered = name.lower()
    if lowered == "authorization":
        return value.split(" ", 1)[0] + " " + MASK if " " in value else MASK
    if lowered in ("x-api-key", "cookie") or "secret" in lowered or "token" in lowered:
        return MASK
    return value


def retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds: a number or an HTTP date; absent or garbled → None."""
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def describe_transport_error(exc: httpx.HTTPError) -> str:
    kinds: list[tuple[type[httpx.HTTPError], str]] = [
        (httpx.ConnectTimeout, "connection timed out"),
        (httpx.ConnectError, "connection failed"),
        (httpx.ReadTimeout, "no response in time"),
        (httpx.PoolTimeout, "no free connection in time"),
        (httpx.TimeoutException, "timed out"),
        (httpx.RemoteProtocolError, "connection dropped by the server"),
        (httpx.ReadError, "connection broken while reading the response"),
        (httpx.WriteError, "connection broken while sending the request"),
    ]
    label = next((text for kind, text in kinds if isinstance(exc, kind)), type(exc).__name__)
    detail = str(exc).strip()
    return f"{label} ({detail})" if detail else label


def _reason(response: httpx.Response) -> str:
    """The standard phrase ("Not Found"), whatever casing the server chose."""
    try:
        return HTTPStatus(response.status_code).phrase
    except ValueError:
        return response.reason_phrase


def _slug_exists(response: httpx.Response) -> bool:
    try:
        data = json.loads(response.content)
    except ValueError:
        return False
    messages = data.get("slug") if isinstance(data, dict) else None
    if isinstance(messages, str):
        messages = [messages]
    return isinstance(messages, list) and any("exist" in str(m).lower() for m in messages)


def _token_pair(data: dict[str, Any], path: str) -> TokenPair:
    access, refresh = data.get("access"), data.get("refresh")
    if not isinstance(access, str) or not access:
        raise ApiError(
            f"POST {path}: unexpected response (no access token)",
            status=0,
            method="POST",
            path=path,
        )
    return TokenPair(access, refresh if isinstance(refresh, str) and refresh else None)


def stderr_trace(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def open_client(
    settings: Settings,
    *,
    debug: bool = False,
    trace: Trace | None = None,
    redact: Redact | None = None,
    environ: Mapping[str, str] | None = None,
) -> Client:
    """A client for ``settings.api_url``: the in-process sandbox for ``"sandbox"``, else the URL
    with credentials looked up as documented. ``debug`` traces to stderr unless ``trace`` is
    given."""
    env = os.environ if environ is None else environ
    trace = trace or (stderr_trace if debug else None)
    connections = max(32, settings.parallelism)
    if settings.api_url == SANDBOX:
        return _sandbox_client(env, trace, redact, connections)
    require_secure_url(settings.api_url)
    auth = resolve_credentials(settings.api_url.rstrip("/"), env)
    return Client(settings.api_url, auth, trace=trace, redact=redact, max_connections=connections)


def log_in(
    settings: Settings,
    email: str,
    password: str,
    *,
    debug: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Path:
    """``osharactl login``: log in once and cache the token pair (never the password) for
    ``settings.api_url``; later runs refresh it by themselves. Returns the cache file."""
    api_url = settings.api_url.rstrip("/")
    require_secure_url(api_url)
    cache = TokenCache(config_dir(environ))
    session = Session(
        source=f"login as {email}", email=email, password=password, cache=cache, cache_key=api_url
    )
    with Client(api_url, session, trace=stderr_trace if debug else None) as client:
        session.headers(client)  # logs in, and the session writes the pair to the cache
    return cache.path


def log_out(settings: Settings, *, environ: Mapping[str, str] | None = None) -> bool:
    """Forget the cached token pair for ``settings.api_url``; False if there was none."""
    return TokenCache(config_dir(environ)).remove(settings.api_url.rstrip("/"))


def _sandbox_client(
    env: Mapping[str, str], trace: Trace | None, redact: Redact | None, connections: int
) -> Client:
    """The embedded sandbox behind a WSGI transport: no socket, state in a local SQLite file.
    Imported lazily so runs against the real API never pay for it."""
    from osharactl.sandbox import (
        DEFAULT_DB,
        DEFAULT_EMAIL,
        DEFAULT_PASSWORD,
        SandboxConfig,
        create_app,
    )

    db = Path(env.get("OSHARACTL_SANDBOX_DB") or DEFAULT_DB)
    try:
        config = SandboxConfig.from_env(env, db_path=db)
    except ValueError as exc:
        raise ConfigError(f"sandbox settings: {exc}") from None
    app = create_app(config)
    transport = _InProcessTransport(httpx.WSGITransport(app=app), app.close)
    auth = Session(
        source="sandbox account",
        email=DEFAULT_EMAIL,
        password=DEFAULT_PASSWORD,
        password_is_secret=False,
    )
    return Client(
        SANDBOX_BASE_URL,
        auth,
        transport=transport,
        trace=trace,
        redact=redact,
        max_connections=connections,
    )
