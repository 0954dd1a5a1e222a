"""Show a ``Plan``: terminal text, the JSON contract, or a pull-request comment.

Pure functions from a plan to a string; the caller decides where it goes and whether the
terminal gets colour. Operation bodies (which hold real secrets) are never read here.
"""

from __future__ import annotations

from osharactl.render.json import render_json
from osharactl.render.markdown import render_markdown
from osharactl.render.text import render_text

__all__ = ["render_json", "render_markdown", "render_text"]
