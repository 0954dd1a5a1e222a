"""Manifests: YAML files in git → validated, fully resolved desired characters.

The one entry point is ``load_manifests``; the result types are plain frozen dataclasses. The
stages live in their own modules: ``sources`` (which files), ``yamlread`` (safe YAML with
positions), ``shared`` (reuse), ``refs`` (``${env:…}``/``${var:…}``), ``validation`` (models),
``rules`` (cross-checks), ``lint`` and ``schema``.
"""

from osharactl.manifests.pipeline import load_manifests
from osharactl.manifests.types import DesiredCharacter, ManifestSet, SourcePos

__all__ = ["DesiredCharacter", "ManifestSet", "SourcePos", "load_manifests"]
