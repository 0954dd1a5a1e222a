"""Execute exactly the operations of a Plan, in dependency order, with bounded parallelism.

- An operation starts when everything it depends on has succeeded; if a dependency failed, it is
  skipped (and so are its dependents). Independent changes go on after a failure.
- Ctrl-C stops starting new work, lets in-flight requests finish, and reports: nothing is left
  half-sent, and the report says exactly what was done.
- Afterwards ``verify`` re-reads live state once and reports every field the server stored
  differently from what was sent ("did not converge").
Retries, backoff and lost-response handling live in the client.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from osharactl.diff import compare
from osharactl.errors import OsharaCtlError
from osharactl.manifests.types import DesiredCharacter, SourcePos
from osharactl.paths import parse_path
from osharactl.plan import Action, FieldChange, Operation, Plan

VERBS = {"POST": "created", "PATCH": "updated", "PUT": "replaced", "DELETE": "deleted"}


class Writer(Protocol):
    def create_character(self, body: dict[str, Any]) -> dict[str, Any]: ...
    def update_character(self, slug: str, body: dict[str, Any]) -> dict[str, Any]: ...
    def replace_character(self, slug: str, body: dict[str, Any]) -> dict[str, Any]: ...
    def delete_character(self, slug: str) -> None: ...
    def list_characters(self) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Outcome:
    key: str
    slug: str
    method: str
    status: str  # done | failed | skipped
    message: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class Divergence:
    slug: str
    change: FieldChange  # before = what was sent, after = what the server stored (masked)


@dataclass
class ApplyReport:
    outcomes: list[Outcome] = field(default_factory=list)
    divergences: list[Divergence] = field(default_factory=list)
    interrupted: bool = False

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def ok(self) -> bool:
        return (
            not self.interrupted
            and not self.divergences
            and self.count("done") == len(self.outcomes)
        )


def execute(
    plan: Plan,
    client: Writer,
    *,
    parallelism: int = 8,
    on_outcome: Callable[[Outcome], None] = lambda _: None,
) -> ApplyReport:
    """Run every operation once, dependencies first, at most ``parallelism`` at a time."""
    operations = {op.key: op for change in plan.changes for op in change.operations}
    waiting = {k: {d for d in op.depends_on if d in operations} for k, op in operations.items()}
    dependents: dict[str, list[str]] = defaultdict(list)
    for key, deps in waiting.items():
        for dep in deps:
            dependents[dep].append(key)
    ready = deque(sorted(k for k, deps in waiting.items() if not deps))
    report = ApplyReport()
    finished: set[str] = set()
    running: dict[Future[Outcome], Operation] = {}

    def record(outcome: Outcome) -> None:
        finished.add(outcome.key)
        report.outcomes.append(outcome)
        on_outcome(outcome)
        if outcome.status == "done":
            for key in dependents[outcome.key]:
                waiting[key].discard(outcome.key)
                if not waiting[key]:
                    ready.append(key)
        else:
            for key in dependents[outcome.key]:
                if key not in finished:
                    op = operations[key]
                    record(
                        Outcome(
                            key, op.slug, op.method, "skipped", f"{outcome.key} {outcome.status}"
                        )
                    )

    pool = ThreadPoolExecutor(max_workers=max(1, parallelism), thread_name_prefix="apply")
    with pool, _ctrl_c_sets() as stop:
        try:
            while not stop.is_set():
                while ready and len(running) < parallelism:
                    key = ready.popleft()
                    if key not in finished:
                        running[pool.submit(_run, client, operations[key])] = operations[key]
                if not running:
                    break
                done, _ = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in done:
                    running.pop(future)
                    record(future.result())
        except KeyboardInterrupt:
            stop.set()
        if stop.is_set():
            report.interrupted = True
            _drain(running, record)
    for key, op in sorted(operations.items()):
        if key not in finished:
            reason = "interrupted" if report.interrupted else "unresolvable dependency"
            record(Outcome(key, op.slug, op.method, "skipped", reason))
    return report


@contextmanager
def _ctrl_c_sets() -> Iterator[threading.Event]:
    """While applying, Ctrl-C sets a flag instead of raising: a KeyboardInterrupt landing
    between two bookkeeping steps (outcome recorded, progress line printed) would make the
    report disagree with what was done. Only the main thread can own the SIGINT handler."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = signal.signal(signal.SIGINT, lambda _signum, _frame: stop.set())
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def _drain(running: dict[Future[Outcome], Operation], record: Callable[[Outcome], None]) -> None:
    """Let in-flight requests finish so their result is known and reported."""
    while running:
        done, _ = wait(running, timeout=0.5)
        for future in done:
            running.pop(future)
            record(future.result())


def _run(client: Writer, op: Operation) -> Outcome:
    started = time.monotonic()
    try:
        if op.method == "POST":
            client.create_character(op.body or {})
        elif op.method == "PATCH":
            client.update_character(op.slug, op.body or {})
        elif op.method == "PUT":
            client.replace_character(op.slug, op.body or {})
        elif op.method == "DELETE":
            client.delete_character(op.slug)
        else:  # pragma: no cover - plans are built by us
            raise ValueError(f"unknown method {op.method}")
    except OsharaCtlError as exc:
        return Outcome(op.key, op.slug, op.method, "failed", str(exc), time.monotonic() - started)
    except Exception as exc:  # a bug must not abandon the other in-flight changes
        message = f"internal error: {type(exc).__name__}"
        return Outcome(op.key, op.slug, op.method, "failed", message, time.monotonic() - started)
    return Outcome(op.key, op.slug, op.method, "done", VERBS[op.method], time.monotonic() - started)


def verify(
    plan: Plan,
    report: ApplyReport,
    live: Mapping[str, dict[str, Any]],
    refs: Mapping[str, Mapping[tuple[str | int, ...], str]],
) -> list[Divergence]:
    """Compare what was sent with what the server now stores, for every change that succeeded."""
    done = {o.slug for o in report.outcomes if o.status == "done"}
    failed = {o.slug for o in report.outcomes if o.status != "done"}
    divergences: list[Divergence] = []
    for change in plan.changes:
        slug = change.slug
        if slug not in done or slug in failed:
            continue
        if change.action is Action.DELETE:
            if slug in live:
                divergences.append(
                    Divergence(slug, FieldChange("(character)", "deleted", "present"))
                )
            continue
        stored = live.get(slug)
        if stored is None:
            divergences.append(Divergence(slug, FieldChange("(character)", "created", "missing")))
            continue
        sent = _sent(change.operations)
        desired = DesiredCharacter(
            slug=slug,
            character=None,
            declared=sent,
            ignore_changes=(),
            lint_ignore=frozenset(),
            refs={p: r for p, r in refs.get(slug, {}).items() if p and p[0] in sent},
            source=SourcePos("", 0, 0),
            positions={},
        )
        result = compare(desired, stored)
        for fc in result.fields if result else ():
            if parse_path(fc.path)[0] in sent:
                divergences.append(
                    Divergence(slug, FieldChange(fc.path, fc.after, fc.before, fc.sensitive))
                )
    return divergences


def _sent(operations: tuple[Operation, ...]) -> dict[str, Any]:
    """What the server should now hold for the keys we sent (later operations win)."""
    sent: dict[str, Any] = {}
    for op in operations:
        if op.body and op.method in ("POST", "PUT"):
            sent = dict(op.body)
        elif op.body:
            sent.update(op.body)
    return sent
