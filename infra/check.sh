#!/usr/bin/env bash
# Static security checks of the Terraform with checkov.
#
# checkov's dependencies conflict with the backend's pins, so it lives in its own
# virtualenv (infra/.checkov-venv, git-ignored), created on first use.
# Usage: bash infra/check.sh        (from anywhere; exits non-zero on a failed check)
# Skips are written next to the resource as `#checkov:skip=CKV_AWS_xxx:reason`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.checkov-venv"
python="${PYTHON:-python3}"
# Pinned so that a new checkov release (new checks) cannot break `make test` overnight.
checkov_version="${CHECKOV_VERSION:-3.3.30}"

pip_log="$(mktemp)"
trap 'rm -f "$pip_log"' EXIT
install() {
  # pip's output goes to a log that is shown only when the install fails.
  if ! "$@" >"$pip_log" 2>&1; then
    cat "$pip_log" >&2
    echo "check.sh: could not install checkov into $venv" >&2
    exit 2
  fi
}

if [[ ! -x "$venv/bin/checkov" ]]; then
  echo "check.sh: creating $venv" >&2
  "$python" -m venv "$venv"
  install "$venv/bin/python" -m pip install --upgrade pip
fi
# Quick when already installed; repairs a missing or broken install otherwise.
install "$venv/bin/python" -m pip install --disable-pip-version-check "checkov==$checkov_version"

# No network calls home: no version check, no Bridgecrew platform, no guideline download.
export BC_SKIP_MAPPING=TRUE
export CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false
export LOG_LEVEL="${LOG_LEVEL:-WARNING}"

"$venv/bin/checkov" \
  -d "$here/terraform" \
  --quiet --compact \
  --framework terraform \
  --skip-download
