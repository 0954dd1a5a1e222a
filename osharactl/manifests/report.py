"""How ``validate`` reports: the machine-readable document and the one-line summary."""

from __future__ import annotations

from typing import Any

from osharactl.errors import Diagnostic
from osharactl.manifests.types import ManifestSet


def _entry(d: Diagnostic) -> dict[str, Any]:
    return {
        "file": d.file,
        "line": d.line,
        "column": d.column,
        "path": d.path,
        "message": d.message,
        "rule": d.rule,
    }


def diagnostics_json(diagnostics: list[Diagnostic]) -> dict[str, Any]:
    """``{"valid": bool, "errors": [...], "warnings": [...]}``, each list sorted."""
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    errors = [_entry(d) for d in ordered if d.severity == "error"]
    warnings = [_entry(d) for d in ordered if d.severity == "warning"]
    return {"valid": not errors, "errors": errors, "warnings": warnings}


def summary(result: ManifestSet) -> str:
    count = len(result.characters)
    warned = f", {len(result.warnings)} warning(s)" if result.warnings else ""
    return f"{count} character(s) valid{warned}"
