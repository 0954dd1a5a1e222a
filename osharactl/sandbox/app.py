"""The sandbox WSGI application: one callable for both served mode (werkzeug server) and
in-process mode (``httpx.WSGITransport``), so tests over HTTP and ``--sandbox`` runs see the
same behaviour. It holds no per-request state, so it is safe to call from many threads.

Around every request: fault injection (``faults.py``), dispatch to a handler, request log.
Handlers live in ``handlers.py``; this module only wires and routes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.wrappers import Request, Response

from osharactl.sandbox.auth import Auth
from osharactl.sandbox.config import SandboxConfig
from osharactl.sandbox.faults import ConnectionDropped, FaultInjector
from osharactl.sandbox.handlers import Handlers
from osharactl.sandbox.requestlog import RequestLog
from osharactl.sandbox.store import Store
from osharactl.sandbox.web import NOT_FOUND, Problem, json_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)
DEBUG_PREFIX = "/_sandbox/"

ROUTES = Map(
    [
        Rule("/api/auth/signup/", endpoint="signup", methods=["POST"]),
        Rule("/api/auth/login/", endpoint="login", methods=["POST"]),
        Rule("/api/auth/refresh/", endpoint="refresh", methods=["POST"]),
        Rule("/api/auth/me/", endpoint="me", methods=["GET"]),
        Rule("/api/auth/api-keys/", endpoint="api_keys", methods=["GET", "POST"]),
        Rule("/api/ai-characters/", endpoint="characters", methods=["GET", "POST"]),
        Rule(
            "/api/ai-characters/<slug>/",
            endpoint="character",
            methods=["GET", "PUT", "PATCH", "DELETE"],
        ),
        Rule("/api/agents/agent-session/", endpoint="agent_session", methods=["POST"]),
        Rule("/api/agents/<slug>/appearance/", endpoint="appearance", methods=["GET"]),
        Rule(
            "/api/agents/<slug>/form-responses/", endpoint="form_responses", methods=["GET", "POST"]
        ),
        Rule("/api/schema/", endpoint="schema", methods=["GET"]),
        Rule("/_sandbox/requests", endpoint="debug_requests", methods=["GET", "DELETE"]),
        Rule("/_sandbox/faults", endpoint="debug_faults", methods=["GET", "PUT"]),
    ]
)


class SandboxApp:
    """The WSGI callable. ``close()`` releases the database and the request-log file."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.store = Store(config.db_path)
        self.faults = FaultInjector(config.faults)
        self.requests = RequestLog(config.request_log, config.request_log_memory)
        self.handlers = Handlers(self.store, Auth(self.store, config), config, self)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        method, path = request.method, request.path
        decision = self.faults.decide(method, path)
        if decision.latency_ms:
            time.sleep(decision.latency_ms / 1000.0)
        if decision.kind == "drop":
            self._log(request, None, decision.kind, decision.latency_ms)
            raise ConnectionDropped("before")
        if decision.kind == "error":
            response = json_response(
                {"detail": "Service temporarily unavailable (sandbox fault injection)."}, 503
            )
        elif decision.kind == "rate_limit":
            retry_after = self.faults.retry_after_header()
            response = json_response(
                {"detail": f"Request was throttled. Expected available in {retry_after} seconds."},
                429,
                {"Retry-After": retry_after},
            )
        else:
            response = self.dispatch(request)
        self._log(request, response.status_code, decision.kind, decision.latency_ms)
        if decision.kind == "drop_after":
            raise ConnectionDropped("after")
        return response(environ, start_response)

    def _log(self, request: Request, status: int | None, fault: str | None, ms: float) -> None:
        if not request.path.startswith(DEBUG_PREFIX):
            query = request.query_string.decode("latin-1")
            self.requests.record(request.method, request.path, query, status, fault, ms)

    def dispatch(self, request: Request) -> Response:
        """Route and run one handler; every failure becomes a JSON error answer."""
        try:
            endpoint, args = ROUTES.bind_to_environ(request.environ).match()
            response: Response = getattr(self.handlers, str(endpoint))(request, **args)
            return response
        except Problem as problem:
            return json_response(problem.payload, problem.status, problem.headers)
        except (NotFound, RequestRedirect):  # no trailing slash = 404, never a redirect
            return json_response({"detail": NOT_FOUND}, 404)
        except MethodNotAllowed as exc:
            allow = ", ".join(exc.valid_methods or [])
            detail = f'Method "{request.method}" not allowed.'
            return json_response({"detail": detail}, 405, {"Allow": allow})
        except HTTPException as exc:
            return json_response({"detail": exc.description}, exc.code or 500)
        except Exception:  # a sandbox bug: answer like a server would, keep the trace
            log.exception("sandbox error on %s %s", request.method, request.path)
            return json_response({"detail": "Internal server error."}, 500)

    def close(self) -> None:
        self.requests.close()
        self.store.close()


def create_app(config: SandboxConfig | None = None) -> SandboxApp:
    """Build the sandbox for ``config`` (default: ``.osharactl/sandbox.sqlite3``, default user)."""
    return SandboxApp(config or SandboxConfig())
