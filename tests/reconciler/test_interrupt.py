"""Ctrl-C during apply: in-flight requests finish, the rest are not started, the report says
exactly what was done (exit 130), and running apply again converges.

Runs the real program as a subprocess against a served sandbox with latency, and sends SIGINT
once the first change is reported done (no sleeps on the clock: the test waits for output).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from osharactl.sandbox import DEFAULT_EMAIL, DEFAULT_PASSWORD, FaultConfig
from tests.conftest import SandboxFactory
from tests.reconciler.served import Api, run_cli

COUNT = 24
DONE_LINE = re.compile(r"^\[\d+/\d+\] (?P<slug>[\w-]+): (created|updated|deleted|replaced) ")


def test_ctrl_c_reports_what_was_done_and_rerun_converges(
    sandbox_server: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = sandbox_server(faults=FaultConfig(latency_ms=300))
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    slugs = [f"slow-{n:02d}" for n in range(COUNT)]
    for slug in slugs:
        (manifests / f"{slug}.yaml").write_text(
            f"slug: {slug}\nname: {slug}\nallowed_origins: [https://www.example.com/]\n",
            encoding="utf-8",
        )
    env = {
        **os.environ,
        "OSHARA_EMAIL": DEFAULT_EMAIL,
        "OSHARA_PASSWORD": DEFAULT_PASSWORD,
        "OSHARACTL_CONFIG_DIR": str(tmp_path / "config"),
    }
    for name in ("OSHARA_TOKEN", "OSHARA_API_KEY", "OSHARA_API_URL", "OSHARACTL_ENV"):
        env.pop(name, None)
    command = [sys.executable, "-m", "osharactl", "--api-url", sandbox.url, "--no-color"]
    process = subprocess.Popen(
        [*command, "apply", str(manifests), "--auto-approve", "--parallelism", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert process.stderr is not None
    reported: list[str] = []
    for line in process.stderr:
        reported.append(line)
        if DONE_LINE.match(line):
            process.send_signal(signal.SIGINT)
            break
    rest = process.stderr.read()  # the same buffered reader: communicate() would skip ahead
    assert process.stdout is not None
    stdout = process.stdout.read()
    process.wait(timeout=60)
    stderr = "".join(reported) + rest
    assert process.returncode == 130, stdout + stderr
    assert "Interrupted" in stderr
    done = {m.group("slug") for m in map(DONE_LINE.match, stderr.splitlines()) if m}
    summary = re.search(r"Apply complete: (\d+) done, (\d+) failed, (\d+) skipped\.", stdout)
    assert summary, stdout
    assert int(summary.group(1)) == len(done)
    assert 0 < len(done) < COUNT  # stopped part-way: the rest were not started
    assert int(summary.group(3)) == COUNT - len(done)
    assert "Traceback" not in stderr

    api = Api(sandbox.url, sandbox.app)
    try:
        assert {c["slug"] for c in api.listed()} == done  # exactly what the report says
    finally:
        api.close()

    sandbox.app.faults.reconfigure(FaultConfig())
    again = run_cli(
        sandbox.url,
        ["apply", str(manifests), "--auto-approve"],
        config_dir=tmp_path / "config",
    )
    assert again.exit_code == 0, again.stdout + again.stderr
    assert f"{COUNT - len(done)} to create" in again.stdout
    final = run_cli(
        sandbox.url,
        ["plan", str(manifests), "--detailed-exitcode"],
        config_dir=tmp_path / "config",
    )
    assert final.exit_code == 0 and "No changes." in final.stdout
