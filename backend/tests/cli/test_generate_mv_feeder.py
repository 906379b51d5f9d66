"""`sitelayouts generate --mv-max-feeder-m METRES`: the MV feeder length that calls for collector
substations (`electrical.mv_max_feeder_m`), run through the CLI's entry point as a user would. A value
outside 500–50,000 m or not a number exits 2 naming the option; a short limit gives the plant
collector substations and every MV feeder within it, where the default limit gives none."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parents[2]
BASE = ("generate", str(BACKEND / "app" / "samples" / "sample-site.kml"), "--capacity-kw", "10000")
FAST = ("--flat", "--no-energy")


def _run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(BACKEND),
        "WEATHER_SOURCE": "clearsky",
        "DATA_DIR": str(tmp_path / "data"),
        # In this process: no warm process outliving the test.
        "SITELAYOUTS_DAEMON": "0",
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli.main", *args],
        cwd=BACKEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize("value", ["10", "499.9", "50001", "-5000"])
def test_a_limit_out_of_bounds_exits_2_naming_the_option_and_its_range(value: str, tmp_path: Path) -> None:
    out = _run(*BASE, *FAST, "--mv-max-feeder-m", value, tmp_path=tmp_path)
    assert out.returncode == 2, out.stderr[-2000:]
    assert "--mv-max-feeder-m must be between 500 and 50,000 m" in out.stderr
    assert not out.stdout.strip()


def test_a_limit_that_is_not_a_number_exits_2_naming_the_option(tmp_path: Path) -> None:
    out = _run(*BASE, *FAST, "--mv-max-feeder-m", "5km", tmp_path=tmp_path)
    assert out.returncode == 2
    assert "--mv-max-feeder-m" in out.stderr


def test_a_short_limit_gives_collectors_and_keeps_every_feeder_within_it(tmp_path: Path) -> None:
    default = _run(*BASE, *FAST, tmp_path=tmp_path)
    assert default.returncode == 0, default.stderr[-2000:]
    base = json.loads(default.stdout)
    # With the 5,000 m default the sample's feeders are all longer than 500 m but within 5 km.
    base_longest = max(f["length_m"] for f in base["single_line"])
    assert 500.0 < base_longest <= 5000.0
    assert not base.get("collector_substation_count")

    short = _run(*BASE, *FAST, "--mv-max-feeder-m", "500", tmp_path=tmp_path)
    assert short.returncode == 0, short.stderr[-2000:]
    m = json.loads(short.stdout)
    assert m["collector_substation_count"] >= 1
    assert len(m["bom"]["collectors"]) == m["collector_substation_count"]
    assert max(f["length_m"] for f in m["single_line"]) <= 500.0
    assert m["constructability"]["max_mv_feeder_m"] <= 500.0
