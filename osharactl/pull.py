"""``osharactl pull``: live characters → manifests, one file per character.

New characters get new files (``<slug>.yaml``: the schema line, model key order, only
non-default values, secrets as ``${env:…}``). Characters already in a manifest under the output
directory are updated in place (``pull_merge``). Every written character is then read back with
the manifest loader and compared with live exactly as ``plan`` does: a value a shared
``defaults:`` entry would override is written explicitly, and anything still different is
reported, so "plan after pull shows no changes" is checked on every run, not only in tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from osharactl.errors import UsageError
from osharactl.live import CharacterReader, read_live
from osharactl.manifests import load_manifests
from osharactl.manifests.refs import ENV_PLACEHOLDER
from osharactl.manifests.sources import CONFIG_NAMES
from osharactl.manifests.types import DesiredCharacter
from osharactl.paths import parse_path
from osharactl.pull_manifest import (
    Context,
    Namer,
    SecretRef,
    env_names,
    manifest_from_live,
    unmodelled_keys,
)
from osharactl.pull_merge import (
    Refs,
    apply_units,
    changed_units,
    difference,
    explicit_value,
    old_references,
    set_explicit,
)
from osharactl.pull_yaml import (
    dump,
    load_documents,
    new_document,
    schema_reference,
    write_atomic,
)


@dataclass
class FileOutcome:
    path: Path
    action: str  # "created" | "updated" | "unchanged"
    slugs: list[str]
    changes: list[str] = field(default_factory=list)


@dataclass
class PullResult:
    files: list[FileOutcome] = field(default_factory=list)
    not_live: list[tuple[str, str]] = field(default_factory=list)  # (slug, file)
    secrets: list[SecretRef] = field(default_factory=list)
    unmodelled: dict[str, list[str]] = field(default_factory=dict)
    residue: dict[str, list[str]] = field(default_factory=dict)


class _Lenient(Mapping[str, str]):
    """The environment, with every unset variable present as a placeholder: a re-pull must work
    without the secrets (unset references are kept, never compared)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def __getitem__(self, name: str) -> str:
        return self._environ.get(name, ENV_PLACEHOLDER.format(name=name))

    def __contains__(self, name: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self._environ)

    def __len__(self) -> int:
        return len(self._environ)


@dataclass
class Puller:
    out_dir: Path
    variables: Mapping[str, str]
    environ: Mapping[str, str]
    cwd: Path
    result: PullResult = field(default_factory=PullResult)
    namer: Namer = field(default_factory=Namer)
    local: set[str] = field(default_factory=set)  # slugs that will have a manifest in out_dir

    @property
    def refs(self) -> Refs:
        return Refs(self.environ, self.variables)

    def run(self, live: dict[str, dict[str, Any]], targets: frozenset[str]) -> PullResult:
        unknown = sorted(t for t in targets if t not in live)
        if unknown:
            raise UsageError(f"--target names no live character: {', '.join(unknown)}")
        chosen = {s: live[s] for s in sorted(live) if not targets or s in targets}
        _refuse_unmodelled_tools(chosen)
        _make_dir(self.out_dir)
        before = {path: path.read_bytes() for path in _manifest_files(self.out_dir)}
        try:
            self._pull(live, chosen, targets)
        except BaseException:
            _restore(self.out_dir, before)
            raise
        return self.result

    def _pull(
        self, live: dict[str, dict[str, Any]], chosen: dict[str, dict[str, Any]],
        targets: frozenset[str],
    ) -> None:  # fmt: skip
        existing = self._existing()
        self.namer.taken.update(_env_names_in(existing.values()))
        self.local = set(existing) | set(chosen)
        by_file: dict[str, list[str]] = {}
        for slug in chosen:
            if slug in existing:
                by_file.setdefault(existing[slug].source.file, []).append(slug)
        for file, slugs in sorted(by_file.items()):
            self._update_file(Path(file), slugs, existing, chosen)
        for slug in (s for s in chosen if s not in existing):
            self._create(slug, chosen[slug])
        for slug, desired in sorted(existing.items()):
            if slug not in live and (not targets or slug in targets):
                self.result.not_live.append((slug, desired.source.file))
        for slug, data in chosen.items():
            extra = unmodelled_keys(data)
            if extra:
                self.result.unmodelled[slug] = extra
        self._verify(chosen)

    def _existing(self) -> dict[str, DesiredCharacter]:
        if not any(_manifest_files(self.out_dir)):
            return {}
        loaded = load_manifests(
            [str(self.out_dir)],
            variables=self.variables,
            environ=_Lenient(self.environ),
            resolve_env=True,
        )
        return dict(loaded.characters)

    def _create(self, slug: str, live: dict[str, Any]) -> None:
        ctx = Context(slug, self.namer, environ=self.environ, variables=self.variables)
        body = self._mark_external(manifest_from_live(live, ctx))
        path = _free_name(self.out_dir, slug)
        schema = schema_reference(self.out_dir, self.cwd)
        write_atomic(path, new_document(body, schema))
        self.result.secrets += ctx.secrets
        self.result.files.append(FileOutcome(path, "created", [slug]))

    def _mark_external(self, body: dict[str, Any]) -> dict[str, Any]:
        """A handoff target without a manifest here is managed elsewhere: say so, as validate
        requires (``must_exist_live: true``; plan then checks that it exists live)."""
        for target in body.get("handoff_targets") or []:
            if isinstance(target, dict) and target.get("slug") not in self.local:
                target["must_exist_live"] = True
        return body

    def _update_file(
        self,
        path: Path,
        slugs: list[str],
        existing: dict[str, DesiredCharacter],
        live: dict[str, dict[str, Any]],
    ) -> None:
        yaml, docs = load_documents(path)
        changes: list[str] = []
        for slug in slugs:
            desired = existing[slug]
            result = difference(desired, live[slug], self.refs)
            if result is None:
                continue
            doc = _document_for(docs, slug, path)
            ctx = Context(
                slug,
                self.namer,
                old_references(desired),
                environ=self.environ,
                variables=self.variables,
            )
            pulled = self._mark_external(manifest_from_live(live[slug], ctx))
            units = changed_units(result)
            changed = apply_units(doc, desired, pulled, units)
            touched = [_top_paths(c) for c in changed]
            self.result.secrets += [
                s for s in ctx.secrets if any(s.path.startswith(t) for t in touched)
            ]
            changes += [f"{slug}: {c}" for c in changed]
        if changes:
            write_atomic(path, dump(yaml, docs))
        self.result.files.append(
            FileOutcome(path, "updated" if changes else "unchanged", slugs, changes)
        )

    def _verify(self, live: dict[str, dict[str, Any]]) -> None:
        """Read back what was written and compare as plan does; fix plain-path leftovers (values
        a ``defaults:`` entry supplies) once, report anything else."""
        unknown_secrets = Refs({}, self.variables)  # a stale variable is noted, not residue
        for attempt in range(2):
            existing = self._existing()
            leftovers = {
                slug: result
                for slug in live
                if slug in existing
                and (result := difference(existing[slug], live[slug], unknown_secrets)) is not None
            }
            if not leftovers or attempt == 1:
                self.result.residue = {
                    s: [f.path for f in r.fields] for s, r in sorted(leftovers.items())
                }
                return
            self._fix(leftovers, existing, live)

    def _fix(
        self,
        leftovers: dict[str, Any],
        existing: dict[str, DesiredCharacter],
        live: dict[str, dict[str, Any]],
    ) -> None:
        by_file: dict[str, list[str]] = {}
        for slug in leftovers:
            by_file.setdefault(existing[slug].source.file, []).append(slug)
        for file, slugs in by_file.items():
            yaml, docs = load_documents(Path(file))
            fixed = False
            for slug in slugs:
                doc = _document_for(docs, slug, Path(file))
                for change in leftovers[slug].fields:
                    path = parse_path(change.path)
                    found, value = explicit_value(live[slug], path)
                    if found:
                        fixed |= set_explicit(doc, path, value)
            if fixed:
                write_atomic(Path(file), dump(yaml, docs))


def _top_paths(change: str) -> str:
    return change.split(" ")[0]


def _env_names_in(characters: Any) -> set[str]:
    return {name for d in characters for text in d.refs.values() for name in env_names(text)}


def _document_for(docs: list[Any], slug: str, path: Path) -> Any:
    for doc in docs:
        if isinstance(doc, dict) and doc.get("slug") == slug:
            return doc
    raise UsageError(f"cannot find the document of {slug!r} in {path} to update it")


KNOWN_TOOL_KINDS = frozenset({"http", "mcp", "kb"})


def _refuse_unmodelled_tools(chosen: Mapping[str, dict[str, Any]]) -> None:
    """A tool of a kind osharactl does not model cannot be written as a manifest (validate would
    reject it, and plan would then remove it): refuse before writing anything."""
    found = [
        f"{slug}: tools[{tool.get('name')}] has kind {tool.get('kind')!r}"
        for slug, data in chosen.items()
        for tool in data.get("tools") or []
        if isinstance(tool, dict) and tool.get("kind") not in KNOWN_TOOL_KINDS
    ]
    if found:
        raise UsageError(
            "cannot pull characters with tools osharactl does not model (only http, mcp and kb): "
            + "; ".join(found),
            hint="pull the other characters with --target, and keep these in the dashboard",
        )


def _restore(root: Path, before: Mapping[Path, bytes]) -> None:
    """Undo a pull that failed halfway: files written or created go back to what they were."""
    for path in list(_manifest_files(root)):
        if path not in before:
            path.unlink(missing_ok=True)
    for path, data in before.items():
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)


def _manifest_files(root: Path) -> Iterator[Path]:
    """The files ``load_manifests`` would read (no hidden paths, not the project config)."""
    for pattern in ("*.yaml", "*.yml"):
        for path in root.rglob(pattern):
            hidden = any(part.startswith(".") for part in path.relative_to(root).parts)
            if not hidden and path.name not in CONFIG_NAMES:
                yield path


def _free_name(out_dir: Path, slug: str) -> Path:
    path = out_dir / f"{slug}.yaml"
    n = 1
    while path.exists():
        path = out_dir / f"{slug}-pulled{'' if n == 1 else f'-{n}'}.yaml"
        n += 1
    return path


def _make_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the output directory {path}: {exc.strerror or exc}"
        ) from None
    if not path.is_dir():
        raise UsageError(f"the output path {path} is not a directory")


def default_out_dir(manifests: tuple[str, ...]) -> Path:
    """The config's first manifests entry when it is (or will be) a directory, else ``.``."""
    first = Path(manifests[0]) if manifests else Path(".")
    if first.is_dir() or (not first.exists() and first.suffix not in (".yaml", ".yml")):
        return first
    return Path(".")


def pull(
    client: CharacterReader,
    out_dir: Path,
    *,
    targets: frozenset[str] = frozenset(),
    variables: Mapping[str, str] | None = None,
    environ: Mapping[str, str],
    cwd: Path,
) -> PullResult:
    """Pull the live characters (``targets`` only, when given) into ``out_dir``."""
    live = read_live(client)
    return Puller(out_dir, variables or {}, environ, cwd).run(live, targets)


def summary(result: PullResult) -> str:
    """The stdout report: what happened to each file, and live keys left out."""
    lines = []
    for outcome in result.files:
        slugs = ", ".join(outcome.slugs)
        lines.append(f"{outcome.action:<9} {outcome.path} ({slugs})")
        lines += [f"            ~ {c}" for c in outcome.changes]
    for slug, file in result.not_live:
        lines.append(f"not live  {file} ({slug}): left as is")
    for slug, keys in sorted(result.unmodelled.items()):
        lines.append(
            f"note: {slug} has live keys osharactl does not model (left out; plan keeps them "
            f"on the server): {', '.join(keys)}"
        )
    counts = {a: sum(1 for f in result.files if f.action == a) for a in ("created", "updated")}
    unchanged = sum(1 for f in result.files if f.action == "unchanged")
    lines.append(
        f"Pull complete: {counts['created']} created, {counts['updated']} updated, "
        f"{unchanged} unchanged."
    )
    return "\n".join(lines)


def secrets_notice(result: PullResult) -> str:
    """The stderr list of variables to set: names and where they are used, never values."""
    if not result.secrets:
        return ""
    lines = ["Set these environment variables to the live secret values before plan/apply:"]
    width = max(len(s.name) for s in result.secrets)
    for ref in sorted(result.secrets, key=lambda r: (r.name, r.slug, r.path)):
        note = f"  ({ref.note})" if ref.note else ""
        lines.append(f"  {ref.name:<{width}}  {ref.slug} {ref.path}{note}")
    return "\n".join(lines)


def residue_notice(result: PullResult) -> str:
    if not result.residue:
        return ""
    lines = ["warning: plan would still show changes for these fields (please report this):"]
    for slug, paths in result.residue.items():
        lines.append(f"  {slug}: {', '.join(paths)}")
    return "\n".join(lines)
