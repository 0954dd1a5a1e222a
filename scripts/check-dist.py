#!/usr/bin/env python3
"""Check the built wheel and sdist before anyone installs them (run by .ci/run).

Why: a wheel can build fine yet ship without its entry point, its typing marker or its
project URLs, and nothing in the test suite (which runs from the source tree) would notice.
Usage: check-dist.py DIST_DIR EXPECTED_VERSION. Exit 0 when good, 1 with every problem listed.
"""

from __future__ import annotations

import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path


def check_wheel(wheel: Path, version: str) -> list[str]:
    problems = []
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = f"osharactl-{version}.dist-info"
        metadata = Parser().parsestr(archive.read(f"{info}/METADATA").decode())
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    if metadata["Version"] != version:
        problems.append(f"wheel version {metadata['Version']}, expected {version}")
    if not (metadata.get("License-Expression") or metadata.get("License")):
        problems.append("wheel has no license metadata")
    urls = metadata.get_all("Project-URL") or []
    if not any(u.lower().startswith(("homepage", "documentation")) for u in urls):
        problems.append(f"wheel has no homepage/documentation URL: {urls}")
    if "osharactl = osharactl.cli:main" not in entry_points:
        problems.append("wheel has no `osharactl` console script")
    for required in ("osharactl/py.typed", "osharactl/cli.py", "osharactl/sandbox/__init__.py"):
        if required not in names:
            problems.append(f"wheel lacks {required}")
    if any(n.startswith("tests/") for n in names):
        problems.append("wheel ships the tests")
    return problems


def check_sdist(sdist: Path, version: str) -> list[str]:
    with tarfile.open(sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    root = f"osharactl-{version}"
    missing = [n for n in ("pyproject.toml", "README.md", "osharactl/cli.py") if n not in names]
    return [f"sdist {root} lacks {n}" for n in missing]


def main(argv: list[str]) -> int:
    dist, version = Path(argv[0]), argv[1]
    wheels = sorted(dist.glob(f"osharactl-{version}-*.whl"))
    sdists = sorted(dist.glob(f"osharactl-{version}.tar.gz"))
    problems = [] if wheels else [f"no wheel for version {version} in {dist}"]
    problems += [] if sdists else [f"no sdist for version {version} in {dist}"]
    for wheel in wheels:
        problems += check_wheel(wheel, version)
    for sdist in sdists:
        problems += check_sdist(sdist, version)
    for problem in problems:
        print(f"check-dist: {problem}", file=sys.stderr)
    if not problems:
        print(f"check-dist: wheel and sdist of osharactl {version} look complete")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
