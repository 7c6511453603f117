"""Check that the lock files say what setup.cfg says: every direct pin of install_requires is in
base.txt and dev.txt at the same version, every pin of the dev extra is in dev.txt, base.txt's
versions are dev.txt's, and requirements/build.in is pyproject.toml's [build-system] requires.
Exit 1, naming each difference and `make lock`, otherwise.

Run by `make install` before it installs, and by .ci/run. Standard library only.
"""

from __future__ import annotations

import configparser
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;\\]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lines: list[str]) -> dict[str, set[str]]:
    """Name -> its pinned versions (a universal lock may pin two, each under its marker)."""
    found: dict[str, set[str]] = {}
    for line in lines:
        match = PIN.match(line.strip())
        if match:
            found.setdefault(canonical(match.group(1)), set()).add(match.group(2))
    return found


def lock(name: str) -> dict[str, set[str]]:
    return pins((ROOT / "requirements" / name).read_text().splitlines())


def main() -> int:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    runtime = pins(config["options"]["install_requires"].splitlines())
    dev = pins(config["options.extras_require"]["dev"].splitlines())
    base_lock, dev_lock = lock("base.txt"), lock("dev.txt")
    problems = []
    for wanted, locked, where in (
        (runtime, base_lock, "base.txt"),
        (runtime, dev_lock, "dev.txt"),
        (dev, dev_lock, "dev.txt"),
    ):
        for name, versions in wanted.items():
            if locked.get(name) != versions:
                problems.append(
                    f"setup.cfg pins {name}=={', '.join(sorted(versions))}, requirements/{where} "
                    f"has {', '.join(sorted(locked.get(name, {'nothing'})))}"
                )
    for name, versions in base_lock.items():
        if not versions <= dev_lock.get(name, set()):
            problems.append(
                f"requirements/base.txt has {name}=={', '.join(sorted(versions))}, dev.txt "
                f"{', '.join(sorted(dev_lock.get(name, {'nothing'})))}"
            )
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    build_in = [
        line.strip()
        for line in (ROOT / "requirements" / "build.in").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if build_in != build:
        problems.append(
            f"requirements/build.in lists {build_in}, pyproject.toml's build-system requires "
            f"{build}"
        )
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("the lock files are out of date: run `make lock`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
