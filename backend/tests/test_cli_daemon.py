"""The warm process behind `sitelayouts generate` (app/cli/daemon.py), run as a user runs it.

Real console scripts in subprocesses, a real background process, real signals. What is checked:
the warm run prints and writes what a fresh process does, in the caller's folder and with the
caller's environment and exit status; Ctrl-C and SIGTERM reach the command; the process idles out
and stops on request; it is never used from a folder other users can enter; its key follows the
code. No timing is asserted (docs/benchmarks.md has the timings).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.cli.daemon import code_key

BACKEND = Path(__file__).resolve().parents[1]
SAMPLE = BACKEND / "app" / "samples" / "sample-site.kml"
SCRIPT = Path(sys.executable).with_name("sitelayouts")
LAYOUT = ("generate", "site.kml", "--capacity-kw", "10000", "--flat", "--no-energy")


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _status(env: dict[str, str]) -> list[dict[str, Any]]:
    out = _cli("daemon", "status", env=env, cwd=BACKEND)
    assert out.returncode == 0, out.stderr
    result: list[dict[str, Any]] = json.loads(out.stdout)
    return result


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"  # a zombie has ended; who reaps it is up to PID 1


def _until(check: Callable[[], bool], what: str, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.1)


@pytest.fixture
def warm(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a user with the warm process on, in a private folder of this test."""
    # AF_UNIX paths end at 107 bytes: a short folder, not pytest's deep tmp_path.
    runtime = Path(tempfile.mkdtemp(prefix="sld-", dir="/tmp"))
    env = {
        **os.environ,
        "SITELAYOUTS_DAEMON": "1",
        "SITELAYOUTS_RUNTIME_DIR": str(runtime),
        "WEATHER_SOURCE": "clearsky",
        "DATA_DIR": str(tmp_path / "data"),
    }
    shutil.copy(SAMPLE, tmp_path / "site.kml")
    yield env
    pids = [d["pid"] for d in _status(env)] if runtime.stat().st_mode & 0o077 == 0 else []
    _cli("daemon", "stop", env=env, cwd=BACKEND)
    _until(lambda: not any(_alive(pid) for pid in pids), "the warm processes ended", 30)
    shutil.rmtree(runtime, ignore_errors=True)


def test_warm_runs_print_and_write_what_a_fresh_process_does(tmp_path: Path, warm: dict[str, str]) -> None:
    first = _cli(*LAYOUT, "-o", "warm1.geojson", env=warm, cwd=tmp_path)
    second = _cli(*LAYOUT, "-o", "warm2.geojson", env=warm, cwd=tmp_path)
    fresh = _cli(*LAYOUT, "-o", "fresh.geojson", env={**warm, "SITELAYOUTS_DAEMON": "0"}, cwd=tmp_path)
    for out in (first, second, fresh):
        assert out.returncode == 0, out.stderr
    assert "starting a warm process" in first.stderr
    assert "starting a warm process" not in second.stderr + fresh.stderr
    assert "placing_pv_tables" in second.stderr  # the progress reached the caller's stderr
    metrics = json.loads(fresh.stdout)
    assert metrics["table_count"] > 0
    assert json.loads(first.stdout) == json.loads(second.stdout) == metrics
    # Relative paths are the caller's: the files are in its folder, and the same as a fresh run's.
    fresh_geojson = json.loads((tmp_path / "fresh.geojson").read_text())
    for name in ("warm1.geojson", "warm2.geojson"):
        assert json.loads((tmp_path / name).read_text()) == fresh_geojson
    # Both warm runs were served by one warm process, which is still there, idle, for the next.
    (daemon,) = _status(warm)
    assert daemon["served"] == 2 and daemon["running"] == 0
    assert _alive(daemon["pid"])
    stopped = _cli("daemon", "stop", env=warm, cwd=BACKEND)
    assert stopped.returncode == 0 and "stopped 1" in stopped.stderr
    _until(lambda: not _alive(daemon["pid"]), "the stopped warm process ended", 30)
    assert not list(Path(warm["SITELAYOUTS_RUNTIME_DIR"]).glob("*.sock"))


def test_the_callers_environment_and_exit_status_reach_the_command(
    tmp_path: Path, warm: dict[str, str]
) -> None:
    assert _cli(*LAYOUT, env=warm, cwd=tmp_path).returncode == 0
    refused = _cli(*LAYOUT, env={**warm, "WEATHER_SOURCE": "nonsense"}, cwd=tmp_path)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "WEATHER_SOURCE" in refused.stderr and "nonsense" in refused.stderr
    missing = _cli("generate", "nowhere.kml", "--capacity-kw", "10", env=warm, cwd=tmp_path)
    assert missing.returncode == 2 and "nowhere.kml" in missing.stderr  # resolved in the caller's folder
    (daemon,) = _status(warm)
    assert daemon["served"] == 3  # all three ran in the warm process, not in the callers


# Exit statuses as from a fresh process: Ctrl-C 130 (typer's), SIGTERM 128 + 15 (killed by it).
@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 128 + 15)])
def test_signals_reach_the_command(tmp_path: Path, warm: dict[str, str], signum: int, status: int) -> None:
    # A boundary file that is a FIFO with no writer: the command blocks reading it until signalled.
    os.mkfifo(tmp_path / "blocked.kml")
    caller = subprocess.Popen(
        [str(SCRIPT), "generate", "blocked.kml", "--capacity-kw", "10000", "--flat"],
        cwd=tmp_path, env=warm, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _until(lambda: any(d["running"] == 1 for d in _status(warm)), "the command runs")
        caller.send_signal(signum)
        _, err = caller.communicate(timeout=60)
    finally:
        caller.kill()
    assert caller.returncode == status, err
    _until(lambda: _status(warm)[0]["running"] == 0, "the command ended", 30)


def test_the_warm_process_exits_when_idle(tmp_path: Path, warm: dict[str, str]) -> None:
    env = {**warm, "SITELAYOUTS_DAEMON_IDLE_S": "1"}
    assert _cli(*LAYOUT, env=env, cwd=tmp_path).returncode == 0
    runtime = Path(warm["SITELAYOUTS_RUNTIME_DIR"])
    _until(lambda: not list(runtime.glob("*.sock")), "the idle warm process removed its socket", 60)
    assert _status(warm) == []
    assert "exits" in (runtime / "daemon.log").read_text()


def test_a_folder_others_can_enter_is_never_used(tmp_path: Path, warm: dict[str, str]) -> None:
    runtime = Path(warm["SITELAYOUTS_RUNTIME_DIR"])
    runtime.chmod(0o777)
    out = _cli(*LAYOUT, env=warm, cwd=tmp_path)
    assert out.returncode == 0 and json.loads(out.stdout)["table_count"] > 0  # ran in the caller
    assert "not a private directory" in out.stderr
    assert not list(runtime.iterdir())
    assert stat.S_IMODE(runtime.stat().st_mode) == 0o777


def test_off_means_no_warm_process(tmp_path: Path, warm: dict[str, str]) -> None:
    out = _cli(*LAYOUT, env={**warm, "SITELAYOUTS_DAEMON": "off"}, cwd=tmp_path)
    assert out.returncode == 0 and "warm" not in out.stderr
    assert not list(Path(warm["SITELAYOUTS_RUNTIME_DIR"]).iterdir())


def test_the_key_follows_the_code_and_the_import_time_environment(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    module = package / "sub" / "m.py"
    module.write_text("x = 1\n")
    key = code_key(package, env={})
    assert code_key(package, env={"WEATHER_SOURCE": "clearsky"}) == key  # read per command: no effect
    assert code_key(package, env={"PROJ_DATA": "/elsewhere"}) != key  # read by PROJ at import
    mtime = module.stat().st_mtime_ns
    os.utime(module, ns=(mtime + 10**9, mtime + 10**9))
    edited = code_key(package, env={})
    assert edited != key
    (package / "new.py").write_text("")
    assert code_key(package, env={}) != edited
