#!/usr/bin/env bash
# Security scanners: bandit (medium severity and above) over the package, pip-audit over the
# installed pinned dependencies, then sqlmap against the served app (.ci/sqlmap.sh).
# ruff's `S` rules run with `make lint`. Usage: bash .ci/security.sh (after make install-dev)
set -euo pipefail
exec </dev/null
cd "$(dirname "$0")/.."
BIN=.venv/bin

echo "-- bandit -ll (medium and high severity) over ngowg_directory"
"$BIN/bandit" -q -r ngowg_directory -ll -f custom \
  --msg-template "{relpath}:{line} {test_id} {severity}/{confidence} {msg}" \
  2> >(grep -v "nosec encountered" >&2)
echo "bandit: no finding of medium severity or above"

echo "-- pip-audit over the installed pinned dependencies"
REPORT=$(mktemp)
trap 'rm -f "$REPORT"' EXIT
# Exit 1 means vulnerabilities were found, or the audit could not run: the JSON tells which.
"$BIN/pip-audit" --skip-editable --progress-spinner off -f json -o "$REPORT" 2>"$REPORT.err" ||
  true
"$BIN/python" - "$REPORT" <<'PY'
import json
import sys
from pathlib import Path

path = Path(sys.argv[1])
errors = Path(f"{path}.err").read_text(errors="replace")
try:
    report = json.loads(path.read_text() or "null")
except json.JSONDecodeError:
    report = None
if not report:
    print("WARNING: pip-audit could not reach its advisory service; nothing was audited.")
    print("\n".join(errors.strip().splitlines()[-3:]))
    sys.exit(0)
deps = report["dependencies"]
found = [(d["name"], d["version"], v["id"], v.get("fix_versions")) for d in deps
         for v in d.get("vulns", [])]
skipped = [d["name"] for d in deps if d.get("skip_reason")]
for name, version, vuln, fixes in found:
    print(f"VULNERABLE: {name} {version}: {vuln} (fixed in {', '.join(fixes) or 'no release'})")
audited = len(deps) - len(skipped)
print(f"pip-audit: {audited} of {len(deps)} dependencies audited, {len(found)} known vulnerabilities")
if skipped:
    print(
        f"WARNING: the advisory service did not answer for {len(skipped)} dependencies "
        f"({', '.join(skipped[:5])}{', ...' if len(skipped) > 5 else ''}): not audited."
    )
sys.exit(1 if found else 0)
PY
rm -f "$REPORT.err"

echo "-- sqlmap against the served app"
bash .ci/sqlmap.sh
