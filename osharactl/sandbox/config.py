"""``SandboxConfig``: what the sandbox needs at start, shared by served and in-process mode."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from osharactl.sandbox.faults import ENV_PREFIX, FaultConfig

DEFAULT_EMAIL = "sandbox@example.com"
DEFAULT_PASSWORD = "sandbox"
DEFAULT_DB = Path(".osharactl/sandbox.sqlite3")
DAY = 24 * 3600.0


@dataclass(frozen=True)
class SandboxConfig:
    """Start-up settings. The default account is created (or its password reset) at start.

    Token lifetimes default to the documented 10 days (access) and 30 days (refresh); tests make
    them short to exercise expiry. ``page_size`` turns on DRF pagination of the characters list
    for every request (a request can also opt in with ``?page_size=N``).
    """

    db_path: Path = DEFAULT_DB
    email: str = DEFAULT_EMAIL
    password: str = DEFAULT_PASSWORD
    access_ttl_seconds: float = 10 * DAY
    refresh_ttl_seconds: float = 30 * DAY
    page_size: int | None = None
    faults: FaultConfig = field(default_factory=FaultConfig)
    request_log: Path | None = None
    request_log_memory: int = 100_000

    def __post_init__(self) -> None:
        if self.access_ttl_seconds <= 0 or self.refresh_ttl_seconds <= 0:
            raise ValueError("token lifetimes must be positive")
        if self.page_size is not None and self.page_size < 1:
            raise ValueError("page_size must be at least 1")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> SandboxConfig:
        """Config from ``OSHARA_SANDBOX_*`` variables, then ``overrides`` that are not ``None``.

        Used by ``sandbox serve`` (flags are the overrides) and available to the in-process mode.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {"faults": FaultConfig.from_env(env)}
        for name, parse in (
            ("access_ttl", float),
            ("refresh_ttl", float),
            ("page_size", int),
        ):
            raw = env.get(f"{ENV_PREFIX}{name.upper()}")
            if raw:
                try:
                    key = f"{name}_seconds" if name.endswith("ttl") else name
                    values[key] = parse(raw)
                except ValueError:
                    raise ValueError(
                        f"{ENV_PREFIX}{name.upper()}={raw!r} is not a number"
                    ) from None
        log = env.get(f"{ENV_PREFIX}REQUEST_LOG")
        if log:
            values["request_log"] = Path(log)
        base = cls(**values)
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})

    def with_faults(self, **overrides: Any) -> SandboxConfig:
        """A copy whose fault settings take every override that is not ``None``."""
        return replace(self, faults=self.faults.merged(**overrides))
