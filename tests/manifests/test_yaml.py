"""Safe YAML reading: duplicates, limits, scalars, positions."""

from __future__ import annotations

from collections.abc import Callable

from osharactl.manifests import ManifestSet
from osharactl.manifests.yamlread import MAX_ALIAS_NODES, plain_scalar, read_documents


def test_duplicate_keys_are_errors_with_position(errors: Callable[..., list[str]]) -> None:
    found = errors("slug: a\nname: A\nname: B\n")
    assert any(":3:1: error: name: duplicate key 'name'" in e for e in found), found


def test_nested_duplicate_keys_are_found_too(errors: Callable[..., list[str]]) -> None:
    found = errors("slug: a\nname: A\nwidget_appearance:\n  theme: {primary_color: '#fff'}\n"
                   "  theme: {}\n")  # fmt: skip
    assert any(":5:3: error: widget_appearance.theme: duplicate key" in e for e in found)


def test_yaml_12_scalars_keep_norwegian_and_times() -> None:
    assert plain_scalar("no") == "no"
    assert plain_scalar("on") == "on"
    assert plain_scalar("1:30") == "1:30"
    assert plain_scalar("true") is True
    assert plain_scalar("0x1F") == 31
    assert plain_scalar("1.5") == 1.5
    assert plain_scalar("~") is None
    assert plain_scalar("2024-01-01") == "2024-01-01"


def test_language_no_stays_a_string(load: Callable[..., ManifestSet]) -> None:
    result = load("slug: a\nname: A\nlanguage: no\nallowed_origins: ['https://a.example/']\n")
    assert result.characters["a"].declared["language"] == "no"


def test_every_value_has_a_position() -> None:
    docs, problems = read_documents(b"a:\n  b: [1, {c: 2}]\n---\nd: 3\n", "f.yaml")
    assert not problems
    first = docs[0].positions
    assert (first[("a", "b", 1, "c")].line, first[("a", "b", 1, "c")].column) == (2, 11)
    assert (docs[1].start.line, docs[1].positions[("d",)].line) == (3, 4)


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    docs, problems = read_documents("\n".join(lines).encode(), "bomb.yaml")
    assert docs == []
    assert f"more than {MAX_ALIAS_NODES}" in problems[0].message


def test_small_aliases_are_expanded_with_positions() -> None:
    docs, problems = read_documents(b"x: &o {k: 1}\ny: *o\n", "f.yaml")
    assert not problems
    assert docs[0].value == {"x": {"k": 1}, "y": {"k": 1}}
    assert docs[0].positions[("y", "k")].line == 1


def test_deep_nesting_is_refused_without_crashing() -> None:
    docs, problems = read_documents(b"[" * 100_000 + b"]" * 100_000, "deep.yaml")
    assert docs == [] and "nesting deeper than" in problems[0].message


def test_merge_keys_are_refused_with_advice(errors: Callable[..., list[str]]) -> None:
    found = errors("base: &b {name: A}\nslug: a\n<<: *b\n")
    assert any("merge keys (<<) are not supported" in e for e in found)


def test_unknown_tags_are_refused(errors: Callable[..., list[str]]) -> None:
    found = errors("slug: !!python/object:os.system a\nname: A\n")
    assert any("unsupported YAML tag" in e for e in found)
