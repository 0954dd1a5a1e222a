"""Loading reads files one batch at a time, with ``shared:`` files first: the result and every
diagnostic must not depend on where the shared documents are or how the files are batched."""

from __future__ import annotations

from pathlib import Path

import pytest

from osharactl.errors import ManifestError
from osharactl.manifests import load_manifests

from .conftest import write

SHARED = """\
shared:
  defaults:
    web:
      allowed_origins: ["https://acme.example/"]
  forms:
    - id: contact
      title: Contact us
      fields:
        - {name: email, label: Email, type: email}
"""


# Over 2 MiB of comments: the characters of a file this large are prepared before the next
# file is read, so a shared document found only then would come too late.
LARGE = "# padding line of a large manifest file, ignored by the parser\n" * 35_000


def character(slug: str, *, extra: str = "") -> str:
    return f"""\
slug: {slug}
name: {slug.title()}
system_prompt: open the contact form
defaults: [web]
widget_appearance:
  forms:
    - use: contact
{extra}"""


def test_shared_file_sorted_after_the_characters_is_still_applied(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", LARGE + character("a"))
    write(tmp_path, "z/shared.yaml", SHARED)
    result = load_manifests([str(tmp_path)], resolve_env=False)
    declared = result.characters["a"].declared
    assert declared["allowed_origins"] == ["https://acme.example/"]
    assert declared["widget_appearance"]["forms"][0]["id"] == "contact"


def test_shared_key_written_with_an_escape_is_found(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", LARGE + character("a"))
    write(tmp_path, "b.yaml", SHARED.replace("shared:", '"sh\\x61red":', 1))
    result = load_manifests([str(tmp_path)], resolve_env=False)
    assert result.characters["a"].declared["allowed_origins"] == ["https://acme.example/"]


def test_characters_beside_a_shared_document_keep_their_place(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", character("first"))
    write(tmp_path, "b.yaml", SHARED + "---\n" + character("middle"))
    write(tmp_path, "c.yaml", character("last"))
    result = load_manifests([str(tmp_path)], resolve_env=False)
    assert list(result.characters) == ["first", "middle", "last"]


def test_diagnostics_across_batches_are_all_reported_in_order(tmp_path: Path) -> None:
    """Files of ~0.8 MiB (comments) span more than one 2 MiB batch; the cross-file rules
    (duplicate slugs, handoff targets) still see every character."""
    padding = "# padding line of a large manifest file, ignored by the parser\n" * 13_000
    handoff = "handoff_targets:\n  - {slug: nowhere}\n  - {slug: c}\n"
    write(tmp_path, "1.yaml", padding + character("a", extra=handoff))
    write(tmp_path, "2.yaml", padding + character("b", extra="colour: red\n"))
    write(tmp_path, "3.yaml", padding + character("c"))
    write(tmp_path, "4.yaml", padding + character("a"))
    write(tmp_path, "5.yaml", padding + "- not a mapping\n")
    write(tmp_path, "6/shared.yaml", SHARED + "extra: 1\n")
    with pytest.raises(ManifestError) as info:
        load_manifests([str(tmp_path)], resolve_env=False)
    start = 13_001  # the line of each padded file's first key
    assert [d.format() for d in info.value.diagnostics] == [
        f"{tmp_path}/1.yaml:{start + 8}:6: error: handoff_targets[0].slug: handoff target "
        "'nowhere' is not declared in the manifests; declare it, or add "
        "`must_exist_live: true` to this target if it is managed elsewhere",
        f"{tmp_path}/2.yaml:{start + 7}:1: error: colour: unknown key 'colour'",
        f"{tmp_path}/4.yaml:{start}:1: error: slug: slug 'a' is already used at "
        f"{tmp_path}/1.yaml:{start}:1",
        f"{tmp_path}/5.yaml:{start}:1: error: a manifest document must be a mapping "
        "(character or `shared:`), not a list",
        f"{tmp_path}/6/shared.yaml:10:1: error: extra: a `shared:` document holds nothing else",
    ]
