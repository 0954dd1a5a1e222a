"""Served mode: the sandbox WSGI app on a real socket (werkzeug's threaded server, HTTP/1.1
keep-alive), in the foreground (``sandbox serve``) or on a background thread (tests, benchmarks).

Dropped connections need the socket, so they live here: the app raises ``ConnectionDropped``
and ``SandboxRequestHandler`` closes the connection without writing a byte.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from osharactl.errors import ExitCode
from osharactl.sandbox.app import SandboxApp, create_app
from osharactl.sandbox.config import DEFAULT_PASSWORD, SandboxConfig
from osharactl.sandbox.faults import ConnectionDropped


class SandboxRequestHandler(WSGIRequestHandler):
    """Keep-alive handler that honours injected drops and leaves logging to the request log."""

    protocol_version = "HTTP/1.1"

    def connection_dropped(self, error: BaseException, environ: Any = None) -> None:
        if isinstance(error, ConnectionDropped):
            self.close_connection = True  # end the keep-alive loop: the client sees EOF

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silent: every request is already in the sandbox's own request log."""


def build_server(config: SandboxConfig, host: str = "127.0.0.1", port: int = 0) -> BaseWSGIServer:
    """Bind (port 0 = any free port) and return the server; ``server.app`` is the sandbox.

    We bind the socket ourselves: werkzeug prints and calls ``sys.exit`` when the port is
    busy, and the caller must get an ``OSError`` it can turn into a clear message.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.create_server((host, port), family=family)
    app = create_app(config)
    try:
        return make_server(
            host,
            port,
            app,
            threaded=True,
            request_handler=SandboxRequestHandler,
            fd=listener.fileno(),
        )
    except BaseException:
        app.close()
        raise
    finally:
        listener.close()  # werkzeug holds its own duplicate of the descriptor


def server_url(server: BaseWSGIServer) -> str:
    host, port = server.socket.getsockname()[:2]
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}"


class BackgroundSandbox:
    """The served sandbox on a daemon thread; a context manager that stops it cleanly."""

    def __init__(self, config: SandboxConfig, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = build_server(config, host, port)
        self.url = server_url(self.server)
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def app(self) -> SandboxApp:
        app = self.server.app
        assert isinstance(app, SandboxApp)
        return app

    def stop(self) -> None:
        if self._thread.is_alive():
            self.server.shutdown()
            self._thread.join()
        self.server.server_close()
        self.app.close()

    def __enter__(self) -> BackgroundSandbox:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class _Stop(BaseException):
    """Raised from our signal handlers to leave ``serve_forever`` in the main thread. Not a
    ``KeyboardInterrupt``: werkzeug's ``serve_forever`` swallows that and returns normally."""

    def __init__(self, code: ExitCode) -> None:
        super().__init__(code)
        self.code = code


def _stop_with(code: ExitCode) -> Callable[[int, FrameType | None], None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise _Stop(code)

    return handler


def serve(config: SandboxConfig, host: str, port: int, echo: Callable[[str], None]) -> ExitCode:
    """Serve in the foreground until Ctrl-C (exit 130, "interrupted") or SIGTERM (exit 0)."""
    server = build_server(config, host, port)
    password = config.password if config.password == DEFAULT_PASSWORD else "(as given)"
    echo(f"Oshara sandbox listening on {server_url(server)}")
    echo(f"account: {config.email} / password: {password}")
    echo(f"database: {config.db_path}")
    echo("Press Ctrl-C to stop.")
    handlers = {
        signal.SIGINT: _stop_with(ExitCode.INTERRUPTED),
        signal.SIGTERM: _stop_with(ExitCode.OK),
    }
    previous = {sig: signal.signal(sig, handler) for sig, handler in handlers.items()}
    code = ExitCode.OK
    try:
        server.serve_forever(poll_interval=0.5)
    except _Stop as stop:
        code = stop.code
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.server_close()
        app = server.app
        if isinstance(app, SandboxApp):
            app.close()
    echo("Sandbox stopped.")
    return code
