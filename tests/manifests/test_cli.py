"""`osharactl validate` through the real CLI: the broken-file corpus, formats, stdin, secrets."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from osharactl.manifests.yamlread import MAX_FILE_BYTES

from .conftest import BASE, cli, write

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = {
    "alias-bomb.yaml": "refusing a possible alias bomb",
    "bad-reference.yaml": "malformed reference",
    "bad-yaml.yaml": "while parsing a flow sequence",
    "binary.yaml": "binary file (NUL byte)",
    "deep-nesting.yaml": "nesting deeper than",
    "duplicate-keys.yaml": "duplicate key 'name'",
    "empty.yaml": "file holds no YAML documents",
    "invalid-utf8.yaml": "not valid UTF-8 text",
    "list-document.yaml": "must be a mapping",
    "merge-key.yaml": "merge keys (<<) are not supported",
    "python-tag.yaml": "unsupported YAML tag",
    "scalar-document.yaml": "must be a mapping",
    "tabs.yaml": "found a tab character",
    "unknown-keys.yaml": "did you mean 'system_prompt'?",
    "wrong-types.yaml": "allowed_origins: Input should be a valid list",
}
POSITION = re.compile(r"^\S+\.yaml:\d+:\d+: error: ", re.MULTILINE)


def test_corpus_is_complete() -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_gives_a_clean_positioned_error(name: str) -> None:
    result = cli("validate", str(CORPUS / name))
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert POSITION.search(result.stderr), result.stderr
    assert EXPECTED[name] in result.stderr, result.stderr


def test_whole_corpus_at_once_as_a_subprocess() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "osharactl", "validate", str(CORPUS)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    for name, message in EXPECTED.items():
        assert name in proc.stderr and message in proc.stderr, name


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written to disk
    result = cli("validate", str(huge))
    assert result.exit_code == 1
    assert f"{huge}:1:1: error: file is larger than 64 MiB" in result.stderr


def test_valid_manifests_exit_zero_warnings_on_stderr(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", BASE.replace("https://acme.example/", "https://acme.example"))
    result = cli("validate", str(tmp_path))
    assert result.exit_code == 0
    assert result.stdout.strip() == "1 character(s) valid, 1 warning(s)"
    assert "warning [OSH103]: allowed_origins[0]:" in result.stderr


def test_json_format_invalid(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", BASE + "greting: hi\nallowed_origins: []\n".replace(
        "allowed_origins: []\n", ""))  # fmt: skip
    result = cli("validate", "--format", "json", str(tmp_path))
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["valid"] is False and doc["warnings"] == []
    (error,) = doc["errors"]
    assert error == {
        "file": f"{tmp_path}/a.yaml",
        "line": 5,
        "column": 1,
        "path": "greting",
        "message": "unknown key 'greting'; did you mean 'greeting'?",
        "rule": None,
    }


def test_json_format_valid_with_warnings(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", BASE.replace('["https://acme.example/"]', "[]"))
    result = cli("validate", "--format", "json", str(tmp_path))
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["valid"] is True and doc["errors"] == []
    assert [w["rule"] for w in doc["warnings"]] == ["OSH101"]


def test_stdin_dash() -> None:
    result = cli("validate", "-", input=BASE)
    assert result.exit_code == 0, result.stderr
    bad = cli("validate", "-", input="slug: a\nname: A\nname: B\n")
    assert bad.exit_code == 1 and "<stdin>:3:1: error: name: duplicate key" in bad.stderr


def test_missing_path(tmp_path: Path) -> None:
    result = cli("validate", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1 and "no such file or directory" in result.stderr


def test_directory_walk_is_sorted_and_skips_config_and_hidden(tmp_path: Path) -> None:
    write(tmp_path, "b/z.yml", BASE.replace("helper", "zed"))
    write(tmp_path, "a.yaml", BASE)
    write(tmp_path, ".hidden/x.yaml", "not: [valid")
    write(tmp_path, "osharactl.yaml", "variables: {}\n")
    write(tmp_path, "notes.txt", "not yaml")
    result = cli("validate", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("2 character(s) valid")


def test_secret_canary_never_printed(tmp_path: Path) -> None:
    canary = "sk-CANARY-9f8e7d"
    write(
        tmp_path,
        "a.yaml",
        BASE
        + f"llm_api_key: {canary}\n"
        + "tools: [{name: t, kind: http, description: d, config: {url: 'https://x.example/',"
        + f" timeout_seconds: 999, headers: {{X-Key: {canary}}}}}}}]\n"
        + f"mcp_servers: [{{name: m, url: 'ftp://{canary}', headers: {{A: {canary}}}}}]\n"
        + f"kb_query_api_key: [{canary}]\n",
    )
    for fmt in ("text", "json"):
        result = cli("validate", "--format", fmt, str(tmp_path))
        assert result.exit_code == 1
        assert canary not in result.stdout + result.stderr
        assert "(sensitive)" in result.stdout + result.stderr
