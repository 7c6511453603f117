"""The layering rules of docs/ARCHITECTURE.md hold: import-linter reads every import of the
package (function-level ones included) and checks the contracts in .importlinter."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _lint_imports() -> str:
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("import-linter is not installed (pip install import-linter==2.16)")
    return found


def test_the_import_contracts_are_kept():
    done = subprocess.run(
        [_lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout, done.stdout[-4000:]


def test_every_top_level_module_has_a_layer():
    """The layers contract is exhaustive: a new module must be given its place."""
    text = (ROOT / ".importlinter").read_text()
    assert "exhaustive = true" in text
    for contract in ("type = layers", "type = independence", "type = forbidden"):
        assert contract in text, contract


def test_every_place_docs_architecture_names_exists():
    """docs/ARCHITECTURE.md names files and functions (`privacy/policy.py:view_of`, or a file
    followed by `name`, `name`): each one is there."""
    import re

    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    reference = r"`([a-z_/]+\.py)(?::([A-Za-z_.]+))?`(?:: ((?:`[A-Za-z_]+`(?:, )?)+))?"
    missing, checked = [], 0
    for match in re.finditer(reference, text):
        path, name, more = match.groups()
        if "/" not in path and path in ("views.py", "forms.py"):
            continue  # "views.py" of every blueprint
        outside = path.startswith(("tests/", "testsupport/", "bench/"))
        source = ROOT / path if outside else ROOT / "ngowg_directory" / path
        if not source.exists():
            missing.append(path)
            continue
        code = source.read_text()
        for wanted in ([name] if name else []) + re.findall(r"`([A-Za-z_]+)`", more or ""):
            checked += 1
            last = wanted.split(".")[-1]
            if not re.search(rf"^\s*(def|class) {last}\b|^{last}\b.*=", code, re.MULTILINE):
                missing.append(f"{path}:{wanted}")
    assert not missing, missing
    assert checked > 40
