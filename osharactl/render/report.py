"""Apply's report: what was done, what failed or was skipped, what did not converge.

Text for people (the plan itself was already shown), JSON for machines: the plan's own JSON
document (the contract's ``format_version``, ``summary``, ``changes``, ``unmanaged``) with the
outcome added beside it: ``results``, ``apply_summary`` (done / failed / skipped),
``did_not_converge`` and ``interrupted``. Divergence values come from the differ, already masked.
"""

from __future__ import annotations

import json
from typing import Any

from osharactl.apply import ApplyReport
from osharactl.plan import ABSENT, Plan
from osharactl.render.json import render_json
from osharactl.render.values import inline

STATUSES = ("done", "failed", "skipped")


def render_report_text(report: ApplyReport) -> str:
    lines = [
        f"  ! {o.slug} ({o.method}): {o.status}: {o.message}"
        for o in report.outcomes
        if o.status != "done"
    ]
    if report.divergences:
        lines.append("Did not converge: the server stored something other than what was sent:")
        lines += [
            f"  ~ {d.slug}: {d.change.path}: sent {inline(d.change.before)}, "
            f"stored {inline(d.change.after)}"
            for d in report.divergences
        ]
    done, failed, skipped = (report.count(s) for s in STATUSES)
    lines.append(f"Apply complete: {done} done, {failed} failed, {skipped} skipped.")
    return "\n".join(lines) + "\n"


def render_report_json(plan: Plan, report: ApplyReport | None) -> str:
    """``report`` is None when there was nothing to apply."""

    def plain(value: Any) -> Any:
        return None if value is ABSENT else value

    outcomes = report.outcomes if report else []
    divergences = report.divergences if report else []
    document = json.loads(render_json(plan))
    document |= {
        "results": [
            {"slug": o.slug, "method": o.method, "status": o.status, "message": o.message}
            for o in outcomes
        ],
        "did_not_converge": [
            {
                "slug": d.slug,
                "path": d.change.path,
                "sent": plain(d.change.before),
                "stored": plain(d.change.after),
            }
            for d in divergences
        ],
        "apply_summary": {s: (report.count(s) if report else 0) for s in STATUSES},
        "interrupted": bool(report and report.interrupted),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
