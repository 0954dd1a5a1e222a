"""Benchmark osharactl against the served sandbox (issue 4) and print a table of figures.

For each size N (default 100, 1,000, 10,000 realistic characters from ``bench.generate``):

1. **seed**: a fresh served sandbox, then ``osharactl apply --auto-approve --parallelism 32``
   with no latency creates the N characters (timed, for reference).
2. **no-change plan**: ``osharactl plan --detailed-exitcode`` as a whole process, repeated;
   exit 0 proves "plan is empty right after apply" at this size. Figures: median and worst wall
   time, peak RSS (``os.wait4``), and the requests the sandbox received (its request log).
3. **throughput**: the sandbox's own create rate with no latency at parallelism 32 (stdlib
   client), the ceiling any apply can reach on this machine.
4. **apply**: for N in ``--apply-sizes``, a fresh sandbox with 20 ms latency per request and
   ``osharactl apply`` of N creates at parallelism 1, 8 and 32, against the lower bound
   ceil(N / P) x latency. Combinations whose lower bound exceeds ``--max-bound`` seconds are
   skipped (10,000 x P=1 alone would be 200 s) and listed as skipped.

Never run in CI and never collected by pytest (no ``test_`` names): timings are printed, never
asserted. Everything is bounded in time and only 127.0.0.1 is contacted.

Usage: ``python -m bench.run [--sizes 100,1000,10000] [--quick] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import generate, throughput
from bench.procs import EMAIL, PASSWORD, Measured, ServedSandbox, client_env, osharactl

LATENCY_MS = 20.0
PARALLELISMS = (1, 8, 32)
PLAN_TIMEOUT = 180.0
APPLY_TIMEOUT = 900.0


@dataclass
class PlanFigures:
    size: int
    seed_apply_s: float
    runs_s: list[float]
    max_rss_mib: float
    requests: dict[str, int]
    load: float  # 1-minute load average before the runs: other work on the 2 cores skews wall time

    @property
    def median_s(self) -> float:
        return statistics.median(self.runs_s)


@dataclass
class ApplyFigures:
    size: int
    parallelism: int
    lower_bound_s: float
    process_s: float
    write_phase_s: float
    posts: int
    load: float

    @property
    def ratio(self) -> float:
        return self.write_phase_s / self.lower_bound_s


@dataclass
class Results:
    plans: list[PlanFigures] = field(default_factory=list)
    throughput: list[dict[str, Any]] = field(default_factory=list)
    applies: list[ApplyFigures] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class BenchError(RuntimeError):
    """A stage did not do what it must (e.g. the plan after apply was not empty)."""


def _check(measured: Measured, what: str, expected: int = 0) -> None:
    if measured.code != expected:
        tail = (measured.stderr or measured.stdout)[-2000:]
        raise BenchError(f"{what}: exit {measured.code}, expected {expected}\n{tail}")


def _request_counts(entries: list[dict[str, Any]]) -> dict[str, int]:
    counts = Counter(f"{e['method']} {e['path']}" for e in entries)
    return dict(sorted(counts.items()))


def _write_phase(entries: list[dict[str, Any]], latency_ms: float) -> tuple[float, int]:
    """Seconds from the first create's arrival to the last create's answer, from the log.
    Each entry is stamped when answered, after the injected latency."""
    posts = [e for e in entries if e["method"] == "POST" and e["path"] == throughput.CHARACTERS]
    if not posts:
        return 0.0, 0
    first = min(e["time"] for e in posts) - latency_ms / 1000.0
    return max(e["time"] for e in posts) - first, len(posts)


def bench_plan(size: int, project: Path, work: Path, repeats: int) -> PlanFigures:
    with ServedSandbox(work, name=f"live-{size}") as sandbox:
        env = client_env(sandbox.url, generate.SECRET_ENV, work / "config")

        def cli(args: list[str], timeout: float) -> Measured:
            return osharactl(args, cwd=project.parent, env=env, workdir=work, timeout=timeout)

        seed = cli(["apply", "--auto-approve", "--parallelism", "32"], APPLY_TIMEOUT)
        _check(seed, f"seed apply of {size}")
        runs: list[Measured] = []
        counts: dict[str, int] = {}
        load = os.getloadavg()[0]
        for _ in range(repeats):
            sandbox.clear_requests()
            measured = cli(["plan", "--detailed-exitcode"], PLAN_TIMEOUT)
            _check(measured, f"no-change plan of {size} (exit 2 = not empty after apply)")
            runs.append(measured)
            counts = _request_counts(sandbox.requests())
    return PlanFigures(
        size=size,
        seed_apply_s=seed.seconds,
        runs_s=[m.seconds for m in runs],
        max_rss_mib=max(m.max_rss_mib for m in runs),
        requests=counts,
        load=load,
    )


def bench_throughput(size: int, project: Path, work: Path, parallelism: int) -> dict[str, Any]:
    characters = project.parent / "characters"
    bodies = throughput.create_bodies(characters, generate.VARIABLES, generate.SECRET_ENV)
    with ServedSandbox(work, name=f"throughput-{size}") as sandbox:
        result = throughput.measure(sandbox.url, bodies, parallelism, EMAIL, PASSWORD)
    if result.failures:
        raise BenchError(f"throughput: {result.failures} of {size} creates failed")
    return {**asdict(result), "per_second": result.per_second}


def bench_apply(size: int, parallelism: int, project: Path, work: Path) -> ApplyFigures:
    with ServedSandbox(work, latency_ms=LATENCY_MS, name=f"apply-{size}-{parallelism}") as sandbox:
        env = client_env(sandbox.url, generate.SECRET_ENV, work / "config")
        args = ["apply", "--auto-approve", "--parallelism", str(parallelism)]
        load = os.getloadavg()[0]
        measured = osharactl(args, cwd=project.parent, env=env, workdir=work, timeout=APPLY_TIMEOUT)
        _check(measured, f"apply of {size} at parallelism {parallelism}")
        write_s, posts = _write_phase(sandbox.requests(), LATENCY_MS)
    if posts != size:
        raise BenchError(f"apply of {size} sent {posts} creates (retries or missing ones)")
    bound = math.ceil(size / parallelism) * LATENCY_MS / 1000.0
    return ApplyFigures(size, parallelism, bound, measured.seconds, write_s, posts, load)


def table(results: Results) -> str:
    lines = ["No-change plan (whole process, after seeding N characters):"]
    lines.append(
        f"  {'N':>6}  {'median s':>9}  {'worst s':>8}  {'peak MiB':>9}  {'requests':>8}  "
        f"{'seed apply s':>12}  {'load':>5}  detail"
    )
    for p in results.plans:
        detail = ", ".join(f"{v} x {k}" for k, v in p.requests.items())
        lines.append(
            f"  {p.size:>6}  {p.median_s:>9.2f}  {max(p.runs_s):>8.2f}  {p.max_rss_mib:>9.0f}  "
            f"{sum(p.requests.values()):>8}  {p.seed_apply_s:>12.2f}  {p.load:>5.1f}  {detail}"
        )
    if results.throughput:
        lines.append("Sandbox throughput (creates, no latency, stdlib client):")
        for t in results.throughput:
            lines.append(
                f"  N={t['creates']:>6}  P={t['parallelism']:>2}  {t['seconds']:>7.2f} s  "
                f"{t['per_second']:>7.0f} creates/s"
            )
    if results.applies:
        lines.append(f"Apply of N creates, {LATENCY_MS:.0f} ms latency per request:")
        lines.append(
            f"  {'N':>6}  {'P':>3}  {'bound s':>8}  {'floor s':>8}  {'writes s':>8}  "
            f"{'/bound':>6}  {'/max':>5}  {'process s':>9}  {'load':>5}"
        )
        rates = {t["creates"]: t["per_second"] for t in results.throughput}
        for a in results.applies:
            floor = a.size / rates[a.size] if rates.get(a.size) else 0.0
            effective = max(a.lower_bound_s, floor)
            lines.append(
                f"  {a.size:>6}  {a.parallelism:>3}  {a.lower_bound_s:>8.2f}  {floor:>8.2f}  "
                f"{a.write_phase_s:>8.2f}  {a.ratio:>6.2f}  {a.write_phase_s / effective:>5.2f}  "
                f"{a.process_s:>9.2f}  {a.load:>5.1f}"
            )
        lines.append(
            "  bound = ceil(N/P) x latency; floor = N / sandbox throughput; writes = first create "
            "in to last create out (request log); /max = writes / max(bound, floor)"
        )
    for skipped in results.skipped:
        lines.append(f"Skipped: {skipped}")
    return "\n".join(lines)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of sizes: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark osharactl against the sandbox.")
    parser.add_argument("--sizes", type=_sizes, default=[100, 1000, 10000])
    parser.add_argument("--apply-sizes", type=_sizes, default=[100, 1000])
    parser.add_argument("--repeats", type=int, default=3, help="No-change plans per size.")
    parser.add_argument("--max-bound", type=float, default=60.0, help="Skip slower applies.")
    parser.add_argument("--quick", action="store_true", help="N=100 only, one plan run.")
    parser.add_argument("--no-apply", action="store_true", help="Skip the latency applies.")
    parser.add_argument("--work", type=Path, default=None, help="Keep files here.")
    parser.add_argument("--json", type=Path, default=None, help="Also write the figures.")
    args = parser.parse_args(argv)
    if args.no_apply:
        args.apply_sizes = []
    if args.quick:
        args.sizes, args.apply_sizes, args.repeats = [100], [100], 1
    return args


def run(args: argparse.Namespace, work: Path) -> Results:
    results = Results()
    for size in sorted(set(args.sizes) | set(args.apply_sizes)):
        project = generate.generate(work / f"project-{size}", size)
        print(f"[N={size}] generated {size} characters", file=sys.stderr, flush=True)
        if size in args.sizes:
            results.plans.append(bench_plan(size, project, work, args.repeats))
            print(f"[N={size}] no-change plan measured", file=sys.stderr, flush=True)
        if args.no_apply or size not in args.apply_sizes:
            continue
        results.throughput.append(bench_throughput(size, project, work, max(PARALLELISMS)))
        for parallelism in PARALLELISMS:
            bound = math.ceil(size / parallelism) * LATENCY_MS / 1000.0
            if bound > args.max_bound:
                results.skipped.append(
                    f"apply N={size} P={parallelism}: lower bound {bound:.0f} s > "
                    f"--max-bound {args.max_bound:.0f} s"
                )
                continue
            results.applies.append(bench_apply(size, parallelism, project, work))
            print(f"[N={size}] apply P={parallelism} measured", file=sys.stderr, flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.work is not None:
            args.work.mkdir(parents=True, exist_ok=True)
            results = run(args, args.work)
        else:
            with tempfile.TemporaryDirectory(prefix="osharactl-bench-") as tmp:
                results = run(args, Path(tmp))
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    print(table(results))
    if args.json is not None:
        document = {
            "plans": [{**asdict(p), "median_s": p.median_s} for p in results.plans],
            "throughput": results.throughput,
            "applies": [{**asdict(a), "ratio": a.ratio} for a in results.applies],
            "skipped": results.skipped,
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
