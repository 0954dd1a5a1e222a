"""osharactl.yaml: discovery, environments, precedence, errors with positions, the schema."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from osharactl.app import GlobalOptions
from osharactl.cli import main
from osharactl.config import (
    DEFAULT_API_URL,
    Settings,
    config_json_schema,
    load_settings,
)
from osharactl.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]

PROJECT = """\
api_url: https://api.oshara.ai
manifests: [characters/, shared]
variables: {domain: acme.com, region: eu, port: 8080, beta: true}
prune: {scope: ["acme-*"], protected: ["acme-prod-main"], max_deletes: 5}
parallelism: 4
environments:
  staging:
    api_url: http://127.0.0.1:8765/
    variables: {domain: staging.acme.com}
    prune: {max_deletes: 2}
  production:
    parallelism: 16
"""


def write(directory: Path, text: str, name: str = "osharactl.yaml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def settings(tmp_path: Path, env: dict[str, str] | None = None, **options: object) -> Settings:
    return load_settings(GlobalOptions(**options), environ=env or {}, cwd=tmp_path)  # type: ignore[arg-type]


def test_no_config_file_gives_the_documented_defaults(tmp_path: Path) -> None:
    s = settings(tmp_path)
    assert s == Settings(api_url=DEFAULT_API_URL)
    assert (s.manifests, s.prune_scope, s.protected) == ((".",), ("*",), ())
    assert (s.max_deletes, s.parallelism, s.config_path) == (10, 8, None)


def test_top_level_values_and_paths_relative_to_the_config_file(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    path = write(project, PROJECT)
    s = load_settings(GlobalOptions(config_file=path), environ={})
    assert s.api_url == "https://api.oshara.ai"
    assert s.manifests == (str(project / "characters"), str(project / "shared"))
    assert s.variables == {"domain": "acme.com", "region": "eu", "port": "8080", "beta": "true"}
    assert (s.prune_scope, s.protected, s.max_deletes) == (("acme-*",), ("acme-prod-main",), 5)
    assert s.parallelism == 4
    assert s.config_path == path


def test_an_environment_overrides_keys_and_merges_variables(tmp_path: Path) -> None:
    write(tmp_path, PROJECT)
    s = settings(tmp_path, env_name="staging")
    assert s.env_name == "staging"
    assert s.api_url == "http://127.0.0.1:8765"  # trailing slash dropped
    assert s.variables["domain"] == "staging.acme.com"
    assert s.variables["region"] == "eu"  # merged key by key
    # prune is replaced as a whole: the environment's block says only max_deletes
    assert (s.prune_scope, s.protected, s.max_deletes) == (("*",), (), 2)
    assert s.parallelism == 4
    prod = settings(tmp_path, env_name="production")
    assert (prod.parallelism, prod.api_url, prod.max_deletes) == (16, DEFAULT_API_URL, 5)


def test_osharactl_env_selects_and_the_flag_wins(tmp_path: Path) -> None:
    write(tmp_path, PROJECT)
    assert settings(tmp_path, {"OSHARACTL_ENV": "production"}).parallelism == 16
    flagged = settings(tmp_path, {"OSHARACTL_ENV": "production"}, env_name="staging")
    assert flagged.env_name == "staging"


def test_api_url_precedence(tmp_path: Path) -> None:
    write(tmp_path, PROJECT)
    env = {"OSHARA_API_URL": "https://env.example"}
    assert settings(tmp_path, env, env_name="staging").api_url == "https://env.example"
    flag = settings(tmp_path, env, env_name="staging", api_url="https://flag.example")
    assert flag.api_url == "https://flag.example"
    assert settings(tmp_path, env, api_url="sandbox").api_url == "sandbox"


def test_undefined_environment_lists_the_defined_ones(tmp_path: Path) -> None:
    write(tmp_path, PROJECT)
    with pytest.raises(ConfigError) as err:
        settings(tmp_path, env_name="stagign")
    text = str(err.value)
    assert "`stagign` is not defined" in text
    assert "did you mean `staging`?" in text
    assert "production, staging" in text


def test_environment_without_a_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no osharactl\.yaml"):
        settings(tmp_path, env_name="staging")


def test_missing_config_flag_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(GlobalOptions(config_file=tmp_path / "nope.yaml"), environ={})


def test_unknown_keys_get_suggestions_and_positions(tmp_path: Path) -> None:
    write(
        tmp_path,
        """\
        api_ulr: https://api.oshara.ai
        prune:
          scop: ["a-*"]
        environments:
          staging:
            parallelsm: 3
            wibble: 1
        """,
    )
    with pytest.raises(ConfigError) as err:
        settings(tmp_path)
    text = str(err.value)
    assert "osharactl.yaml:1:1: error: api_ulr: unknown key; did you mean `api_url`?" in text
    assert "osharactl.yaml:3:3: error: prune.scop: unknown key; did you mean `scope`?" in text
    assert "6:5: error: environments.staging.parallelsm: unknown key; did you mean" in text
    assert "environments.staging.wibble: unknown key (expected one of: api_url," in text
    assert "4 error(s)" in text


def test_wrong_values_are_reported_without_echoing_them(tmp_path: Path) -> None:
    write(
        tmp_path,
        """\
        api_url: ftp://files.example/secretpath
        parallelism: 100
        prune: {max_deletes: -1}
        """,
    )
    with pytest.raises(ConfigError) as err:
        settings(tmp_path)
    text = str(err.value)
    assert "1:1: error: api_url: must be an http(s) URL" in text
    assert "2:1: error: parallelism: Input should be less than or equal to 64" in text
    assert "prune.max_deletes: Input should be greater than or equal to 0" in text
    assert "secretpath" not in text


def test_duplicate_keys_and_bad_yaml_are_errors_with_positions(tmp_path: Path) -> None:
    write(tmp_path, "parallelism: 2\nvariables: {a: b}\nparallelism: 3\n")
    with pytest.raises(ConfigError, match=r"osharactl.yaml:3:1: error: parallelism: duplicate"):
        settings(tmp_path)
    write(tmp_path, "variables: {a: [b\n")
    with pytest.raises(ConfigError, match=r"osharactl.yaml:2:1: error: invalid YAML"):
        settings(tmp_path)
    write(tmp_path, "- just\n- a list\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        settings(tmp_path)


def test_empty_config_file_is_all_defaults(tmp_path: Path) -> None:
    write(tmp_path, "# nothing yet\n")
    assert settings(tmp_path).manifests == (str(tmp_path),)


def test_cli_reports_config_errors_cleanly(tmp_path: Path) -> None:
    config = write(tmp_path, PROJECT)
    env = {"OSHARACTL_CONFIG_DIR": str(tmp_path / "cfg")}
    result = CliRunner().invoke(main, ["--config", str(config), "--env", "qa", "logout"], env=env)
    assert result.exit_code == 1
    assert "Error: environment `qa` is not defined" in result.output
    assert "Traceback" not in result.output


def test_committed_schema_is_current() -> None:
    committed = json.loads((REPO / "schemas" / "config.schema.json").read_text(encoding="utf-8"))
    assert committed == config_json_schema(), "run: python -m osharactl schema"


def test_schema_describes_every_key() -> None:
    schema = config_json_schema()
    assert set(schema["properties"]) == {
        "api_url",
        "manifests",
        "variables",
        "prune",
        "parallelism",
        "environments",
    }
    assert schema["additionalProperties"] is False


def test_config_flag_naming_a_directory_or_an_empty_file(tmp_path: Path) -> None:
    from osharactl.app import GlobalOptions
    from osharactl.config import load_settings
    from osharactl.errors import ConfigError

    with pytest.raises(ConfigError, match="is a directory"):
        load_settings(GlobalOptions(config_file=tmp_path), environ={})
    empty = tmp_path / "osharactl.yaml"
    empty.write_text("")
    settings = load_settings(GlobalOptions(config_file=empty), environ={})  # empty = all defaults
    assert settings.api_url == "https://api.oshara.ai"
    assert settings.config_path == empty
