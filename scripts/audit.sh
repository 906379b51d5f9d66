#!/usr/bin/env bash
# Dependency audit (C-07): known-vulnerable versions in the backend's installed environment
# (pip-audit) and in the web app's production dependencies (npm audit).
#
# pip-audit lives in its own virtualenv (.audit-venv/, git-ignored), created on first use, and
# audits a `pip freeze` of backend/.venv (the editable sitelayouts itself excluded) without
# resolving anything (--no-deps --disable-pip): exactly the versions that are installed.
#
# Usage: bash scripts/audit.sh      (from anywhere)
# Exit:  0  nothing known-vulnerable, or an audit could not run here (a "could not audit: …"
#           line says why: the vulnerability services are not reachable from every network)
#        1  a known-vulnerable version that is not an accepted exception
#        2  the audit tooling itself could not be installed
#
# Accepted exceptions are listed below, each with its reason, and in docs/security.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.audit-venv"
backend_venv="$root/backend/.venv"
python="${PYTHON:-python3}"
pip_audit_version="${PIP_AUDIT_VERSION:-2.10.1}"
# `pypi` (PyPI's JSON API, the default) or `osv` (api.osv.dev).
service="${PIP_AUDIT_SERVICE:-pypi}"

# Accepted exceptions: vulnerability ids pip-audit should not fail on. One per line, with the
# reason in docs/security.md ("Accepted exceptions"). None at present.
PIP_AUDIT_IGNORE=(
)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0

install() {
  # pip's output goes to a log that is shown only when the install fails.
  if ! "$@" >"$work/pip.log" 2>&1; then
    cat "$work/pip.log" >&2
    echo "audit.sh: could not install pip-audit into $venv" >&2
    exit 2
  fi
}

# --- Python: pip-audit ------------------------------------------------------------------------
echo "== pip-audit: backend/.venv"
if [[ ! -x "$backend_venv/bin/python" ]]; then
  echo "could not audit: $backend_venv does not exist (run \`make install\` first)"
else
  if [[ ! -x "$venv/bin/pip-audit" ]]; then
    echo "audit.sh: creating $venv" >&2
    "$python" -m venv "$venv"
  fi
  # Quick when already installed; repairs a missing or broken install otherwise.
  install "$venv/bin/python" -m pip install --disable-pip-version-check "pip-audit==$pip_audit_version"

  "$backend_venv/bin/python" -m pip freeze --exclude-editable --disable-pip-version-check \
    | grep -v -i -E '^(sitelayouts)([=@ ]|$)' >"$work/requirements.txt"
  ignore_args=()
  for id in "${PIP_AUDIT_IGNORE[@]}"; do ignore_args+=(--ignore-vuln "$id"); done

  set +e
  "$venv/bin/pip-audit" -r "$work/requirements.txt" --no-deps --disable-pip \
    --vulnerability-service "$service" --progress-spinner off \
    --format json --output "$work/pip-audit.json" "${ignore_args[@]}" \
    >"$work/pip-audit.out" 2>&1
  rc=$?
  set -e
  # The JSON tells "nothing found" apart from "nothing could be looked up": pip-audit reports a
  # package it cannot look up as skipped, and says "No known vulnerabilities found" regardless.
  "$venv/bin/python" - "$work/pip-audit.json" "$rc" "$work/pip-audit.out" "$service" <<'PY' || status=1
import json, sys
from pathlib import Path

path, rc, out, service = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
try:
    deps = json.loads(path.read_text())["dependencies"]
except (OSError, ValueError, KeyError):
    lines = [line for line in out.read_text(errors="replace").splitlines() if line.strip()]
    print(f"could not audit: pip-audit (service {service}) failed (exit {rc}): "
          f"{lines[-1] if lines else 'no output'}")
    sys.exit(0)
skipped = [d for d in deps if "skip_reason" in d]
audited = [d for d in deps if "skip_reason" not in d]
if deps and not audited:
    print(f"could not audit: none of the {len(deps)} packages could be looked up with the {service} "
          f"vulnerability service (first: {skipped[0]['skip_reason']}); from this network "
          "pypi.org's per-version JSON API and api.osv.dev are not reachable")
    sys.exit(0)
if skipped:
    print(f"not audited ({len(skipped)}): " + ", ".join(d["name"] for d in skipped))
found = [(d, v) for d in audited for v in d.get("vulns", [])]
for d, v in found:
    fixes = ", ".join(v.get("fix_versions") or []) or "no fixed version"
    print(f"VULNERABLE {d['name']} {d['version']}: {v['id']} (fixed in: {fixes})")
print(f"audited {len(audited)} packages: {len(found)} known vulnerabilities")
sys.exit(1 if found else 0)
PY
fi

# --- JavaScript: npm audit --------------------------------------------------------------------
echo "== npm audit --omit=dev --audit-level=high: frontend/"
if [[ ! -f "$root/frontend/package-lock.json" ]]; then
  echo "skipped: frontend/package-lock.json is absent (nothing to audit)"
elif ! command -v npm >/dev/null 2>&1; then
  echo "could not audit: npm is not installed"
else
  set +e
  (cd "$root/frontend" && npm audit --omit=dev --audit-level=high --json) >"$work/npm.json" 2>"$work/npm.err"
  rc=$?
  set -e
  "$python" - "$work/npm.json" "$rc" "$work/npm.err" <<'PY' || status=1
import json, sys
from pathlib import Path

path, rc, err = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
try:
    report = json.loads(path.read_text() or "{}")
except ValueError:
    report = {}
if "vulnerabilities" not in report:
    e = report.get("error") if isinstance(report.get("error"), dict) else {}
    lines = [ln for ln in err.read_text(errors="replace").splitlines() if "log of this run" not in ln]
    why = report.get("message") or e.get("summary") or e.get("code") or (lines or ["no output"])[-1]
    print(f"could not audit: the npm registry's audit endpoint answered with an error ({why})")
    sys.exit(0)
high = {name: v for name, v in report["vulnerabilities"].items() if v.get("severity") in ("high", "critical")}
for name, v in sorted(high.items()):
    print(f"VULNERABLE {name} ({v['severity']}): range {v.get('range', '?')}, "
          f"fix available: {bool(v.get('fixAvailable'))}")
counts = report.get("metadata", {}).get("vulnerabilities", {})
print("npm audit: " + ", ".join(f"{k} {n}" for k, n in counts.items() if k != "total")
      + f" (total {counts.get('total', 0)})")
sys.exit(1 if high or rc != 0 else 0)
PY
fi

if [[ $status -ne 0 ]]; then
  echo "audit.sh: known-vulnerable dependencies found (see above)" >&2
fi
exit $status
