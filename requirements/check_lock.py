"""Check that the lock files say what setup.cfg says: every direct pin of install_requires is in
base.txt and dev.txt at the same version, every pin of the dev extra is in dev.txt, and
base.txt's versions are dev.txt's. Exit 1, naming each difference and `make lock`, otherwise.

Run by `make install` before it installs, and by .ci/run. Standard library only.
"""

from __future__ import annotations

import configparser
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;\\]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        match = PIN.match(line.strip())
        if match:
            found[canonical(match.group(1))] = match.group(2)
    return found


def lock(name: str) -> dict[str, str]:
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
        for name, version in wanted.items():
            if locked.get(name) != version:
                problems.append(
                    f"setup.cfg pins {name}=={version}, requirements/{where} has "
                    f"{locked.get(name, 'nothing')}"
                )
    for name, version in base_lock.items():
        if dev_lock.get(name) != version:
            problems.append(
                f"requirements/base.txt has {name}=={version}, dev.txt "
                f"{dev_lock.get(name, 'nothing')}"
            )
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("the lock files are out of date: run `make lock`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
