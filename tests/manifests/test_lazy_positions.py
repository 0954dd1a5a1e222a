"""Reading without positions first (the fast pass), positions computed only when asked for.

The fast pass must build exactly the values and, once asked, exactly the positions of the full
reader; everything unusual must go to the full reader, whose messages are the reference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from osharactl.manifests.types import RawDocument, SourcePos
from osharactl.manifests.yamlread import _read_slowly, read_documents

CORPUS = Path(__file__).parent / "corpus"

SAMPLES = [
    b"a:\n  b: [1, {c: 2}]\n---\nd: 3\n",
    b"slug: a\nlanguage: no\nn: 0x1F\nf: 1.5\nz: ~\nq: 'no'\nt: !!str 12\nb: |\n  two\n  lines\n",
    b"- x\n- [y, {k: v}]\n- 'quoted: yes'\n",
    b"---\n...\n---\nplain\n",
    b"\xef\xbb\xbfbom: true\nempty:\nlist: []\nmap: {}\n",
    b"x: &o {k: 1}\ny: *o\n",  # aliases: the full reader only
    b"a: 1\na: 2\n",  # duplicate key: the full reader reports it
]


def _seen(docs: list[RawDocument]) -> list[tuple[Any, dict[Any, Any], SourcePos]]:
    return [(d.value, dict(d.positions.items()), d.start) for d in docs]


@pytest.mark.parametrize("data", SAMPLES + [p.read_bytes() for p in sorted(CORPUS.iterdir())])
def test_fast_reading_matches_the_full_reader(data: bytes) -> None:
    docs, problems = read_documents(data, "f.yaml")
    full_docs, full_problems = _read_slowly(data, "f.yaml")
    assert (_seen(docs), problems) == (_seen(full_docs), full_problems)


def test_positions_come_from_the_file_read_again(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(b"slug: a\nwidget:\n  theme: dark\n")
    docs, _ = read_documents(path.read_bytes(), str(path), path.read_bytes)
    assert (docs[0].pos(("widget", "theme")).line, docs[0].pos(("widget", "theme")).column) == (
        3,
        3,
    )


def test_a_file_changed_since_reading_gives_document_starts_not_wrong_lines(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(b"slug: a\nwidget:\n  theme: dark\n")
    docs, _ = read_documents(path.read_bytes(), str(path), path.read_bytes)
    path.write_bytes(b"# moved down\n\nslug: a\nwidget:\n  theme: dark\n")
    assert docs[0].pos(("widget", "theme")) == docs[0].start


def test_a_file_removed_since_reading_gives_document_starts(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(b"---\nslug: a\n")
    docs, _ = read_documents(path.read_bytes(), str(path), path.read_bytes)
    path.unlink()
    assert docs[0].pos(("slug",)) == docs[0].start
    assert docs[0].start.line == 1
