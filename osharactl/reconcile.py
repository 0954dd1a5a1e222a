"""The steps plan and apply share: manifests + live state → Plan, and apply's report.

Kept out of ``app`` so each command function there stays a short list of steps, and so the
same sequence serves ``plan``, ``apply`` and the tests.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from osharactl.apply import ApplyReport, Outcome, execute, verify
from osharactl.client import Client, open_client
from osharactl.config import Settings
from osharactl.diff import compare
from osharactl.live import read_live, read_live_changed
from osharactl.manifests import load_manifests
from osharactl.manifests.types import ManifestSet
from osharactl.models import Character
from osharactl.models.meta import secret_values
from osharactl.paths import values_at
from osharactl.plan import Plan
from osharactl.planner import PlanOptions, build_plan
from osharactl.redact import Redactor


@dataclass(frozen=True)
class Request:
    """What the user asked plan/apply for, beyond the settings."""

    paths: Sequence[str]
    targets: frozenset[str] = frozenset()
    prune: bool = False
    max_deletes: int | None = None
    overwrite: frozenset[str] = frozenset()
    rotate: frozenset[str] = frozenset()

    def shaping_flags(self) -> dict[str, bool]:
        """Flags that change what a plan contains (meaningless for a saved plan)."""
        return {
            "--target": bool(self.targets),
            "--prune": self.prune,
            "--max-deletes": self.max_deletes is not None,
            "--overwrite": bool(self.overwrite),
            "--rotate-secrets": bool(self.rotate),
        }


@dataclass
class Planned:
    plan: Plan
    manifests: ManifestSet
    live: dict[str, dict[str, Any]]  # the live characters the plan needed in full
    live_count: int
    client: Client
    timings: dict[str, float]

    def summary(self) -> str:
        """What ``-v`` prints: the size of each side, the requests it took, and where time went."""
        t = self.timings
        return (
            f"{len(self.manifests.characters)} character(s) in the manifests "
            f"(loaded in {t['manifests']:.2f}s); {self.live_count} live, read with "
            f"{self.client.requests_sent} request(s) in {t['live']:.2f}s; planned in "
            f"{t['plan']:.2f}s"
        )


def redactor(values: Sequence[str]) -> Redactor:
    """A function masking every known secret value in a text (see ``redact``)."""
    return Redactor(values)


def manifest_secrets(manifests: ManifestSet) -> list[str]:
    """Every secret value the manifests hold: schema secrets and anything from ``${env:…}``."""
    values: list[str] = []
    for desired in manifests.characters.values():
        values += secret_values(desired.declared, Character)
        values += values_at(desired.declared, desired.refs)
    return values


def make_plan(settings: Settings, request: Request, *, debug: bool = False) -> Planned:
    started = time.perf_counter()
    manifests = load_manifests(
        list(request.paths) or list(settings.manifests),
        variables=settings.variables,
        environ=os.environ,
        resolve_env=True,
    )
    # The manifests live until the process ends: freezing them keeps every later collection
    # from traversing their millions of objects (10,000 characters: 18.2 s -> 14.4 s per plan).
    gc.freeze()
    loaded = time.perf_counter()
    client = open_client(settings, debug=debug, redact=redactor(manifest_secrets(manifests)))
    opts = plan_options(settings, request)
    gc.disable()  # reading and comparing allocate millions of objects and free none
    try:
        state = read_live_changed(client, _unchanged_check(manifests, opts))
        read = time.perf_counter()
        plan = build_plan(manifests, state.characters, opts, state.unchanged)
    except BaseException:
        client.close()
        raise
    finally:
        gc.enable()
    timings = {
        "manifests": loaded - started,
        "live": read - loaded,
        "plan": time.perf_counter() - read,
    }
    return Planned(plan, manifests, state.characters, state.count, client, timings)


def _unchanged_check(
    manifests: ManifestSet, opts: PlanOptions
) -> Callable[[str, dict[str, Any]], bool]:
    """Whether a live character already matches its manifest, so the plan need not keep it:
    compared as the planner would (never for characters it must touch whatever the diff)."""
    forced = opts.overwrite | opts.rotate

    def unchanged(slug: str, item: dict[str, Any]) -> bool:
        desired = manifests.characters.get(slug)
        if desired is None or slug in forced or "*" in opts.rotate:
            return False
        return compare(desired, item) is None

    return unchanged


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


def plan_secrets(plan: Plan) -> list[str]:
    """Secret values in the bodies a (saved) plan will send, for redacting error messages."""
    return [
        value
        for change in plan.changes
        for op in change.operations
        if op.body
        for value in secret_values(op.body, Character)
    ]


def run_apply(
    plan: Plan,
    client: Client,
    refs: Mapping[str, Mapping[tuple[str | int, ...], str]],
    *,
    parallelism: int,
    on_outcome: Callable[[Outcome], None],
) -> ApplyReport:
    """Execute the plan, then (unless interrupted) re-read live once and record every field the
    server stored differently from what was sent."""
    report = execute(plan, client, parallelism=parallelism, on_outcome=on_outcome)
    if not report.interrupted:
        report.divergences = verify(plan, report, read_live(client), refs)
    return report
