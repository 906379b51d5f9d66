"""`sitelayouts --help` starts fast: the heavy libraries load only when a command needs them.

Checked in a fresh interpreter (a subprocess), since this test process has imported everything.
No timing is asserted (timings are in docs/benchmarks.md); what is asserted is what gets imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parents[1]
HEAVY = (
    "numpy",
    "shapely",
    "fastapi",
    "sqlalchemy",
    "rasterio",
    "pyproj",
    "matplotlib",
    "ezdxf",
    "boto3",
    "scipy",
)

PROBE = """
import json, sys
from app.cli.main import app
try:
    app(sys.argv[1:], prog_name="sitelayouts")
except SystemExit as exc:
    code = exc.code
except Exception as exc:  # an AppError: main() would print it and exit 2
    code = type(exc).__name__
else:
    code = 0
heavy = [m for m in json.loads(HEAVY) if m in sys.modules]
print("\\n@@" + json.dumps({"code": code, "heavy": heavy}))
"""


def _run(*args: str) -> tuple[dict[str, object], str]:
    code = PROBE.replace("json.loads(HEAVY)", repr(list(HEAVY)))
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=BACKEND,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "@@" in out.stdout, out.stderr
    text, _, result = out.stdout.rpartition("@@")
    return json.loads(result), text


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("generate", "--help"),
        ("export", "--help"),
        ("terrain", "summary", "--help"),
        ("db", "--help"),
        ("ops", "--help"),
        ("ops", "dlq", "--help"),
        ("serve", "--help"),
        ("worker", "--help"),
    ],
)
def test_help_imports_no_heavy_library(args: tuple[str, ...]) -> None:
    result, text = _run(*args)
    assert result["code"] == 0, text
    assert "Usage:" in text
    assert result["heavy"] == [], f"`sitelayouts {' '.join(args)}` imported {result['heavy']}"


def test_probe_sees_heavy_imports() -> None:
    """The probe itself can fail: a command that does its work loads what it needs."""
    result, text = _run("terrain", "summary", "/nonexistent.kml")
    assert result["code"] == "InvalidInput"
    assert "numpy" in result["heavy"] and "shapely" in result["heavy"], text


def test_the_console_scripts_warm_path_imports_only_the_standard_library() -> None:
    # `sitelayouts generate` asks the warm process before importing anything else (app.cli.launch):
    # only the standard library and our two launcher modules may be loaded by then.
    code = (
        "import json, sys; before = set(sys.modules); import app.cli.launch; "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=BACKEND, capture_output=True, text=True, timeout=120, check=True
    )
    loaded: list[str] = json.loads(out.stdout)
    tops = {m.split(".")[0] for m in loaded} - {"app"}
    assert sorted(m for m in tops if m not in sys.stdlib_module_names and not m.startswith("_")) == []
    assert {m for m in loaded if m.startswith("app.")} == {"app.cli", "app.cli.launch", "app.cli.daemon"}
