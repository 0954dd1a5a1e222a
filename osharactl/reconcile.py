"""The steps plan and apply share: manifests + live state → Plan, and apply's report.

Kept out of ``app`` so each command function there stays a short list of steps, and so the
same sequence serves ``plan``, ``apply`` and the tests.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from osharactl.client import Client, open_client
from osharactl.config import Settings
from osharactl.live import read_live
from osharactl.manifests import load_manifests
from osharactl.manifests.secrets import secret_strings
from osharactl.manifests.types import ManifestSet
from osharactl.plan import Plan
from osharactl.planner import PlanOptions, build_plan

REDACTED = "(sensitive)"


@dataclass(frozen=True)
class Request:
    """What the user asked plan/apply for, beyond the settings."""

    paths: Sequence[str]
    targets: frozenset[str] = frozenset()
    prune: bool = False
    max_deletes: int | None = None
    overwrite: frozenset[str] = frozenset()
    rotate: frozenset[str] = frozenset()


@dataclass
class Planned:
    plan: Plan
    manifests: ManifestSet
    live: dict[str, dict[str, Any]]
    client: Client


def redactor(values: Sequence[str]) -> Callable[[str], str]:
    """A function masking every known secret value in a text (longest first, so a secret that
    contains another is masked whole)."""
    secrets = sorted({v for v in values if len(v) >= 4}, key=len, reverse=True)

    def redact(text: str) -> str:
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    return redact


def manifest_secrets(manifests: ManifestSet) -> list[str]:
    """Every secret value the manifests hold: schema secrets and anything from ``${env:…}``."""
    values: list[str] = []
    for desired in manifests.characters.values():
        values += secret_strings(desired.declared)
        for path in desired.refs:
            node: Any = desired.declared
            for seg in path:
                node = node[seg] if isinstance(node, dict | list) else None  # type: ignore[index]
            if isinstance(node, str):
                values.append(node)
    return values


def make_plan(settings: Settings, request: Request, *, debug: bool = False) -> Planned:
    manifests = load_manifests(
        list(request.paths) or list(settings.manifests),
        variables=settings.variables,
        environ=os.environ,
        resolve_env=True,
    )
    client = open_client(settings, debug=debug, redact=redactor(manifest_secrets(manifests)))
    try:
        live = read_live(client)
        plan = build_plan(manifests, live, plan_options(settings, request))
    except BaseException:
        client.close()
        raise
    return Planned(plan, manifests, live, client)


def plan_options(settings: Settings, request: Request) -> PlanOptions:
    return PlanOptions(
        targets=request.targets,
        prune=request.prune,
        prune_scope=settings.prune_scope,
        protected=settings.protected,
        max_deletes=request.max_deletes
        if request.max_deletes is not None
        else settings.max_deletes,
        overwrite=request.overwrite,
        rotate=request.rotate,
        api_url=settings.api_url,
        env_name=settings.env_name,
    )
