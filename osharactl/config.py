"""The project file ``osharactl.yaml``: where manifests live, variables, prune rules,
parallelism and per-environment overrides, resolved with the command line and the environment
into one ``Settings`` value that every command uses.

Precedence for the API URL (DESIGN.md): ``--api-url``/``--sandbox`` > ``OSHARA_API_URL`` > the
selected environment > the file's top level > ``https://api.oshara.ai``. An environment replaces
any top-level key it sets, except ``variables``, which are merged key by key.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from osharactl.errors import ConfigError, Diagnostic

if TYPE_CHECKING:
    from osharactl.app import GlobalOptions

CONFIG_FILE_NAME = "osharactl.yaml"
DEFAULT_API_URL = "https://api.oshara.ai"
SCHEMA_FILE_NAME = "config.schema.json"
API_URL_PATTERN = r"^(sandbox|https?://[^\s/]+(/\S*)?)$"
Scalar = str | int | float | bool


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PruneConfig(_Strict):
    """What ``--prune`` may delete: live characters matching ``scope`` and not ``protected``,
    at most ``max_deletes`` per run."""

    scope: list[str] | None = Field(
        None, description="fnmatch patterns of slugs prune may delete (default: every slug)."
    )
    protected: list[str] | None = Field(
        None, description="fnmatch patterns of slugs never deleted, even with --prune."
    )
    max_deletes: int | None = Field(
        None, ge=0, description="Refuse to delete more than this many characters in one run (10)."
    )


class EnvironmentConfig(_Strict):
    """Keys an environment can set; every one replaces the top-level value except
    ``variables``, merged key by key."""

    api_url: str | None = Field(
        None,
        description="API base URL (https; http only for loopback), or `sandbox`.",
        json_schema_extra={"pattern": API_URL_PATTERN},
    )
    manifests: list[str] | None = Field(
        None, description="Manifest files or directories, relative to this file (default: .)."
    )
    variables: dict[str, Scalar] | None = Field(
        None, description="Values for ${var:NAME} references in manifests."
    )
    prune: PruneConfig | None = None
    parallelism: int | None = Field(
        None, ge=1, le=64, description="Concurrent API writes during apply (default 8)."
    )

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str | None) -> str | None:
        if value is None or value == "sandbox":
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as https://api.oshara.ai, or `sandbox`")
        return value.rstrip("/")


class ProjectConfig(EnvironmentConfig):
    """The whole ``osharactl.yaml``."""

    model_config = ConfigDict(extra="forbid", title="osharactl.yaml")

    environments: dict[str, EnvironmentConfig] = Field(
        default_factory=dict, description="Named environments, selected with --env/OSHARACTL_ENV."
    )


@dataclass(frozen=True)
class Settings:
    """Everything a command needs from the project file, the flags and the environment."""

    api_url: str
    manifests: tuple[str, ...] = (".",)
    variables: Mapping[str, str] = field(default_factory=dict)
    prune_scope: tuple[str, ...] = ("*",)
    protected: tuple[str, ...] = ()
    max_deletes: int = 10
    parallelism: int = 8
    env_name: str | None = None
    config_path: Path | None = None


def load_settings(
    options: GlobalOptions,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Resolve ``Settings`` from the flags, ``osharactl.yaml`` (``--config`` or the current
    directory, no walking up) and the environment (``OSHARA_API_URL``, ``OSHARACTL_ENV``)."""
    env = os.environ if environ is None else environ
    path = _find_config(options.config_file, cwd)
    config = read_config(path) if path else ProjectConfig()
    env_name = options.env_name or env.get("OSHARACTL_ENV") or None
    chosen = _environment(config, env_name, path)
    top, over = config, chosen or EnvironmentConfig()
    prune = over.prune if over.prune is not None else top.prune
    prune = prune or PruneConfig()
    variables = {**(top.variables or {}), **(over.variables or {})}
    api_url = options.api_url or env.get("OSHARA_API_URL") or over.api_url or top.api_url
    base = path.parent if path else None
    manifests = over.manifests if over.manifests is not None else top.manifests
    return Settings(
        api_url=(api_url or DEFAULT_API_URL).rstrip("/"),
        manifests=_manifest_paths(manifests, base),
        variables={k: _stringify(v) for k, v in variables.items()},
        prune_scope=tuple(prune.scope) if prune.scope is not None else ("*",),
        protected=tuple(prune.protected or ()),
        max_deletes=prune.max_deletes if prune.max_deletes is not None else 10,
        parallelism=over.parallelism or top.parallelism or 8,
        env_name=env_name,
        config_path=path,
    )


def _find_config(given: Path | None, cwd: Path | None) -> Path | None:
    if given is not None:
        if given.is_dir():
            raise ConfigError(
                f"config file {given} is a directory",
                hint=f"name the file itself, e.g. {given / CONFIG_FILE_NAME}",
            )
        if not given.exists():
            raise ConfigError(f"config file {given} not found")
        return given
    candidate = (cwd / CONFIG_FILE_NAME) if cwd else Path(CONFIG_FILE_NAME)
    return candidate if candidate.is_file() else None


def _environment(
    config: ProjectConfig, name: str | None, path: Path | None
) -> EnvironmentConfig | None:
    if name is None:
        return None
    if name in config.environments:
        return config.environments[name]
    defined = ", ".join(sorted(config.environments))
    where = str(path) if path else f"no {CONFIG_FILE_NAME} (none found in this directory)"
    close = difflib.get_close_matches(name, list(config.environments), n=1)
    hint = f"did you mean `{close[0]}`? " if close else ""
    hint += f"defined environments: {defined}" if defined else "no environments are defined"
    raise ConfigError(f"environment `{name}` is not defined in {where}", hint=hint)


def _manifest_paths(manifests: list[str] | None, base: Path | None) -> tuple[str, ...]:
    """Manifest paths relative to the config file's directory, kept relative when it is, so
    messages show short paths."""
    entries = manifests if manifests else ["."]
    if base is None:
        return tuple(entries)
    return tuple(os.path.normpath(base / entry) for entry in entries)


def _stringify(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # as YAML wrote it, not Python's "True"
    return str(value)


def read_config(path: Path) -> ProjectConfig:
    """Parse and validate one ``osharactl.yaml``; every problem reported at once, each with
    file:line:col, unknown keys with a did-you-mean. Input values never appear in messages."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    node, data = _parse_yaml(text, str(path))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        _fail(str(path), [Diagnostic(str(path), 1, 1, "", "expected a mapping of settings")])
    try:
        return ProjectConfig.model_validate(data)
    except ValidationError as exc:
        diagnostics = [_diagnostic(str(path), node, err) for err in exc.errors()]
        _fail(str(path), diagnostics)


def _parse_yaml(text: str, file: str) -> tuple[yaml.Node | None, Any]:
    """Safe YAML, one document, duplicate keys refused (PyYAML would keep the last silently)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        duplicates = list(_duplicate_keys(node, file))
        if duplicates:
            _fail(file, duplicates)
        return node, loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        _fail(file, [Diagnostic(file, line, col, "", f"invalid YAML: {problem}")])
    finally:
        loader.dispose()


def _duplicate_keys(node: yaml.Node, file: str, path: str = "") -> list[Diagnostic]:
    found: list[Diagnostic] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            sub = f"{path}.{key}" if path else key
            if key in seen:
                mark = key_node.start_mark
                found.append(Diagnostic(file, mark.line + 1, mark.column + 1, sub, "duplicate key"))
            seen.add(key)
            found.extend(_duplicate_keys(value_node, file, sub))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found.extend(_duplicate_keys(item, file, f"{path}[{index}]"))
    return found


def _diagnostic(file: str, node: yaml.Node | None, error: Any) -> Diagnostic:
    loc = tuple(error["loc"])
    line, col = _position(node, loc)
    is_key = loc[-1:] == ("[key]",)
    loc = loc[:-1] if is_key else loc
    path = "".join(f"[{p}]" if _is_index(p) else f".{p}" for p in loc).lstrip(".")
    if is_key:
        message = "keys must be strings; quote it (YAML reads on/off/yes/no/true as booleans)"
    elif error["type"] == "extra_forbidden":
        known = _known_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        message = "unknown key" + (f"; did you mean `{close[0]}`?" if close else "")
        if not close and known:
            message += f" (expected one of: {', '.join(known)})"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
    return Diagnostic(file, line, col, path, message)


def _is_index(part: Any) -> bool:
    return isinstance(part, int) and not isinstance(part, bool)


def _known_keys(loc: tuple[Any, ...]) -> list[str]:
    """Field names of the config object at ``loc`` (for did-you-mean suggestions)."""
    model: type[BaseModel] = ProjectConfig
    parts = list(loc)
    while parts:
        head = parts.pop(0)
        if head == "environments" and model is ProjectConfig and parts:
            parts.pop(0)
            model = EnvironmentConfig
        elif head == "prune":
            model = PruneConfig
        else:
            return []
    return list(model.model_fields)


def _position(node: yaml.Node | None, loc: tuple[Any, ...]) -> tuple[int, int]:
    """Line and column of the deepest YAML node on ``loc`` (the key itself for mappings)."""
    if node is None:
        return 1, 1
    mark = node.start_mark
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if str(k.value) == str(part)), None)
            if match is None:
                break
            mark, node = match[0].start_mark, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            mark = node.start_mark
        else:
            break
    return mark.line + 1, mark.column + 1


def _fail(file: str, diagnostics: list[Diagnostic]) -> NoReturn:
    lines = "\n".join("  " + d.format() for d in sorted(diagnostics, key=Diagnostic.sort_key))
    count = len(diagnostics)
    raise ConfigError(f"{file}: {count} error(s) in the project configuration:\n{lines}")


def config_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``osharactl.yaml``, for editors (yaml-language-server) and docs."""
    schema = ProjectConfig.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_FILE_NAME,
        **schema,
    }


def write_config_schema(out_dir: Path) -> Path:
    """Write ``config.schema.json`` into ``out_dir`` (what ``osharactl schema`` commits)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / SCHEMA_FILE_NAME
    text = json.dumps(config_json_schema(), indent=2, sort_keys=True) + "\n"
    target.write_text(text, encoding="utf-8")
    return target
