"""The embedded Oshara API sandbox: our implementation of the API in ``oshara-api.md``.

One WSGI application (``create_app``) serves both the in-process mode (wrapped in
``httpx.WSGITransport`` by the client) and the served mode (``serve.py``, ``sandbox serve``).
"""

from osharactl.sandbox.app import SandboxApp, create_app
from osharactl.sandbox.config import DEFAULT_DB, DEFAULT_EMAIL, DEFAULT_PASSWORD, SandboxConfig
from osharactl.sandbox.faults import ConnectionDropped, FaultConfig

__all__ = [
    "DEFAULT_DB",
    "DEFAULT_EMAIL",
    "DEFAULT_PASSWORD",
    "ConnectionDropped",
    "FaultConfig",
    "SandboxApp",
    "SandboxConfig",
    "create_app",
]
