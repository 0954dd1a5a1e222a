"""Run a step of ``action.yml`` the way a GitHub runner would, as far as this machine allows:
``${{ inputs.* }}`` expanded from the given inputs and the declared defaults, the step's ``env``
set, and its ``run`` text executed by ``bash -eo pipefail`` with ``GITHUB_ACTION_PATH`` at the
repository root. An expression we do not model fails the test rather than running half-expanded.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.integrations.helpers import ROOT

EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def load_action() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    return document


def expand(text: str, inputs: dict[str, str], outputs: dict[str, str] | None = None) -> str:
    def one(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression.startswith("inputs."):
            return inputs[expression.removeprefix("inputs.")]
        if expression.startswith("steps.run.outputs.") and outputs is not None:
            return outputs.get(expression.removeprefix("steps.run.outputs."), "")
        raise AssertionError(f"expression not modelled by the test runner: {expression}")

    return EXPRESSION.sub(one, text)


def with_defaults(action: dict[str, Any], given: dict[str, str]) -> dict[str, str]:
    unknown = set(given) - set(action["inputs"])
    assert not unknown, f"inputs not declared in action.yml: {unknown}"
    return {
        name: given.get(name, str(spec.get("default", "")))
        for name, spec in action["inputs"].items()
    }


def run_step(
    step_id: str,
    given: dict[str, str],
    env: dict[str, str],
    cwd: Path,
    outputs: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``outputs`` are the ``run`` step's outputs, for the steps that read them."""
    action = load_action()
    inputs = with_defaults(action, given)
    step = next(s for s in action["runs"]["steps"] if s.get("id") == step_id)
    assert step["shell"] == "bash"
    step_env = {k: expand(str(v), inputs, outputs) for k, v in step.get("env", {}).items()}
    return subprocess.run(
        [
            "bash",
            "--noprofile",
            "--norc",
            "-eo",
            "pipefail",
            "-c",
            expand(step["run"], inputs, outputs),
        ],
        env={**env, **step_env, "GITHUB_ACTION_PATH": str(ROOT), "PATH": _python_first(env)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _python_first(env: dict[str, str]) -> str:
    """``python`` in a step is the one setup-python installed: here, the test's interpreter."""
    return os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
