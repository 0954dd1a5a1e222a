"""Fault injection: latency, 503s, 429s with ``Retry-After`` and dropped connections.

Faults exist so the client's retries, backoff and "no duplicate create" logic can be tested over
real HTTP. They are drawn from one seeded ``random.Random`` under a lock, so a given seed and a
given request order always give the same faults. Auth endpoints are spared by default so a test
can still log in while every other call fails.
"""

from __future__ import annotations

import math
import os
import random
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, ClassVar

ENV_PREFIX = "OSHARA_SANDBOX_"
FAULT_PATH_PREFIX = "/api/"
AUTH_PATH_PREFIX = "/api/auth/"


class ConnectionDropped(ConnectionError):
    """Raised by the WSGI app to make the served handler close the socket without a response.

    It subclasses ``ConnectionError`` because werkzeug's request handler treats that family as
    "connection gone" and writes nothing. In-process (``httpx.WSGITransport``) it propagates to
    the caller as this exception.
    """

    def __init__(self, when: str) -> None:
        super().__init__(f"sandbox dropped the connection ({when} processing the request)")
        self.when = when


@dataclass(frozen=True)
class FaultConfig:
    """What to inject, per category; every rate is a probability in [0, 1].

    ``drop_rate`` closes the connection before the request is processed (nothing changed);
    ``drop_after_rate`` processes and commits the request, then closes the connection instead
    of answering (the write happened, the response is lost). ``limit`` caps how many faults are
    injected in total (``None`` = no cap), ``methods`` restricts faults to those HTTP methods.
    """

    latency_ms: float = 0.0
    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after: float = 1.0
    drop_rate: float = 0.0
    drop_after_rate: float = 0.0
    seed: int = 0
    include_auth: bool = False
    limit: int | None = None
    methods: frozenset[str] | None = None

    # `sandbox serve` flags that set fault fields (faults_on_auth sets include_auth).
    FLAGS: ClassVar[frozenset[str]] = frozenset(
        {
            "latency_ms",
            "error_rate",
            "rate_limit_rate",
            "retry_after",
            "drop_rate",
            "drop_after_rate",
            "seed",
            "faults_on_auth",
        }
    )

    def __post_init__(self) -> None:
        for name in ("error_rate", "rate_limit_rate", "drop_rate", "drop_after_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        for name in ("latency_ms", "retry_after"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.limit is not None and self.limit < 0:
            raise ValueError("limit must not be negative")

    @property
    def active(self) -> bool:
        return bool(
            self.latency_ms
            or self.error_rate
            or self.rate_limit_rate
            or self.drop_rate
            or self.drop_after_rate
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FaultConfig:
        """Read ``OSHARA_SANDBOX_LATENCY_MS`` … ``OSHARA_SANDBOX_SEED`` (unset = default)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, raw)
        return cls(**values)

    def merged(self, **overrides: Any) -> FaultConfig:
        """A copy with every override that is not ``None`` applied (CLI flags over env)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["methods"] = sorted(self.methods) if self.methods is not None else None
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaultConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(unknown)}")
        values = dict(data)
        if values.get("methods") is not None:
            values["methods"] = frozenset(str(m).upper() for m in values["methods"])
        return cls(**values)


def _parse(name: str, raw: str) -> Any:
    try:
        if name in ("seed", "limit"):
            return int(raw)
        if name == "include_auth":
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if name == "methods":
            return frozenset(m.strip().upper() for m in raw.split(",") if m.strip())
        return float(raw)
    except ValueError:
        raise ValueError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid value") from None


@dataclass(frozen=True)
class Decision:
    """The faults chosen for one request: ``kind`` is None, "drop", "error", "rate_limit" or
    "drop_after"; ``latency_ms`` is applied whatever the kind."""

    kind: str | None = None
    latency_ms: float = 0.0


@dataclass
class FaultInjector:
    """Thread-safe, seeded fault chooser; the config can be swapped at run time."""

    config: FaultConfig = field(default_factory=FaultConfig)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(self.config.seed)
        self._injected = 0

    def reconfigure(self, config: FaultConfig) -> None:
        """Replace the config and restart the random sequence from its seed."""
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)
            self._injected = 0

    def applies_to(self, method: str, path: str) -> bool:
        cfg = self.config
        if not path.startswith(FAULT_PATH_PREFIX):
            return False
        if path.startswith(AUTH_PATH_PREFIX) and not cfg.include_auth:
            return False
        return cfg.methods is None or method.upper() in cfg.methods

    def decide(self, method: str, path: str) -> Decision:
        """Choose this request's faults. Draws the same four numbers for every in-scope request
        so the sequence depends only on the seed and the request order."""
        with self._lock:
            cfg = self.config
            if not cfg.active or not self.applies_to(method, path):
                return Decision()
            draws = [self._rng.random() for _ in range(4)]
            kind = None
            if cfg.limit is None or self._injected < cfg.limit:
                rates = (cfg.drop_rate, cfg.error_rate, cfg.rate_limit_rate, cfg.drop_after_rate)
                kinds = ("drop", "error", "rate_limit", "drop_after")
                kind = next((k for k, r, d in zip(kinds, rates, draws, strict=True) if d < r), None)
                self._injected += kind is not None
            return Decision(kind=kind, latency_ms=cfg.latency_ms)

    def retry_after_header(self) -> str:
        """``Retry-After`` must be whole seconds (RFC 9110); fractions round up."""
        return str(math.ceil(self.config.retry_after))
