#!/usr/bin/env bash
# Regenerates src/api/schema.d.ts from the backend's OpenAPI schema.
# Uses backend/.venv to dump the schema (no server needed), then openapi-typescript.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
backend="$here/../backend"
python="${PYTHON:-$backend/.venv/bin/python}"
(cd "$backend" && "$python" -c 'import json; from app.main import create_app; print(json.dumps(create_app().openapi(), indent=1))') > "$here/openapi.json"
npx --no-install openapi-typescript "$here/openapi.json" -o "$here/src/api/schema.d.ts"
echo "wrote src/api/schema.d.ts"
