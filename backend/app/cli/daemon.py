"""A warm process for one-shot commands: `sitelayouts generate` without paying for the imports.

Why: importing what a layout needs (NumPy, SciPy, Shapely, PyProj, rasterio, OR-Tools, pandas,
pvlib) takes 1.2–1.6 s on a 2-core VM, several times a 10 MW layout's own computation. As Gradle's
daemon or Android's zygote do, a background process imports them once; each command then runs in
a fork of it — fresh state, its own PID — with the caller's arguments, working directory,
environment, umask and standard streams (passed over a Unix socket with SCM_RIGHTS), and the
caller exits with the command's status. Ctrl-C and SIGTERM reach the command.

Safety: the socket lives in a directory only the user can enter (checked, never trusted), and
both ends check the peer's uid (SO_PEERCRED). The socket's name carries a key of the interpreter,
the installed packages, the environment variables libraries read at import and the app's source
files, so after an upgrade or an edit a new warm process starts and the old one idles out
(`IDLE_EXIT_S`). `SITELAYOUTS_DAEMON=0` turns it off; `sitelayouts daemon status|stop`.

This module imports only the standard library: its client side runs before anything else.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import signal
import socket
import struct
import sys
import time
from pathlib import Path
from typing import Any

# Commands that may run in the warm process: one-shot, no database, no child processes.
WARM_COMMANDS = frozenset({"generate"})
IDLE_EXIT_S = 600.0
START_TIMEOUT_S = 60.0
APP_DIR = Path(__file__).resolve().parents[1]
# Environment variables that native libraries read once, at import: a daemon started under other
# values would not honour the caller's.
_IMPORT_TIME_ENV = ("PROJ", "GDAL", "CPL_", "OPENBLAS", "OMP_", "MKL_", "PYTHON", "LD_", "LC_", "LANG")
_OFF = {"0", "off", "false", "no"}
_HEADER = struct.Struct("!I")
_MAX_MESSAGE = 1 << 20

# Imported before the socket opens: what `generate` uses, with and without the energy yield.
_PRELOAD = (
    "numpy",
    "scipy.ndimage",
    "scipy.sparse.csgraph",
    "scipy.spatial",
    "shapely",
    "pyproj",
    "rasterio.features",
    "skimage.graph",
    "ortools.constraint_solver.pywrapcp",
    "pandas",
    "pvlib",
    "app.cli.main",
    "app.dem.service",
    "app.dem.file",
    "app.engine.layout",
    "app.engine.core.geojson",
    "app.pipeline.run",
    "app.pipeline.yield_cost",
    "app.weather.service",
    "app.sites.kml",
)


class UnsafeRuntimeDir(OSError):
    """The runtime directory is not the user's own private directory."""


def enabled(env: dict[str, str] | None = None) -> bool:
    """Whether commands may use the warm process (`SITELAYOUTS_DAEMON`, on unless 0/off/false/no)."""
    value = (env if env is not None else os.environ).get("SITELAYOUTS_DAEMON", "1")
    return value.strip().lower() not in _OFF


def runtime_dir() -> Path:
    """The private folder for sockets and the log: `SITELAYOUTS_RUNTIME_DIR`, else
    `$XDG_RUNTIME_DIR/sitelayouts`, else `/tmp/sitelayouts-UID`. Raises UnsafeRuntimeDir when it is
    a symlink, someone else's, or open to group or others (another user could run commands as us)."""
    explicit = os.environ.get("SITELAYOUTS_RUNTIME_DIR")
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if explicit:
        path = Path(explicit)
    elif xdg and os.path.isdir(xdg):
        path = Path(xdg) / "sitelayouts"
    else:
        # A shared folder is fine: ownership and mode are checked below, never assumed.
        path = Path("/tmp") / f"sitelayouts-{os.getuid()}"  # noqa: S108
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700, parents=True)
    st = os.lstat(path)
    if not os.path.isdir(path) or os.path.islink(path) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise UnsafeRuntimeDir(f"{path} is not a private directory of this user (mode 0700 expected)")
    return path


def code_key(package_dir: Path = APP_DIR, env: dict[str, str] | None = None) -> str:
    """A key of what a warm process has loaded: interpreter, installed packages, import-time
    environment and every `.py` file's size and mtime under `package_dir` (≈ 2 ms)."""
    import sysconfig

    env = env if env is not None else dict(os.environ)
    h = hashlib.sha256()
    h.update(f"{sys.executable}\0{sys.version}\0".encode())
    for name in sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}):
        with contextlib.suppress(OSError):
            h.update(f"{name}:{os.stat(name).st_mtime_ns}\0".encode())
    for name in sorted(k for k in env if k.startswith(_IMPORT_TIME_ENV)):
        h.update(f"{name}={env[name]}\0".encode())
    for root, dirs, files in os.walk(package_dir):
        dirs[:] = sorted(d for d in dirs if d not in {"__pycache__", "static", "samples"})
        for name in sorted(files):
            if name.endswith(".py"):
                st = os.stat(os.path.join(root, name))
                rel = os.path.relpath(os.path.join(root, name), package_dir)
                h.update(f"{rel}:{st.st_size}:{st.st_mtime_ns}\0".encode())
    return h.hexdigest()[:16]


def socket_path(directory: Path, key: str) -> Path:
    return directory / f"daemon-{key}.sock"


# --- messages: a 4-byte length, then JSON; the run request carries stdin/stdout/stderr ---------


def _send(conn: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode()
    frame = _HEADER.pack(len(data)) + data
    if fds:
        sent = socket.send_fds(conn, [frame], fds)
        frame = frame[sent:]
    if frame:
        conn.sendall(frame)


def _recv_exact(conn: socket.socket, size: int, fds: list[int], maxfds: int) -> bytes | None:
    buf = b""
    while len(buf) < size:
        if maxfds and not fds:
            chunk, got, _, _ = socket.recv_fds(conn, size - len(buf), maxfds)
            fds.extend(got)
        else:
            chunk = conn.recv(size - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def _recv(conn: socket.socket, maxfds: int = 0) -> tuple[dict[str, Any] | None, list[int]]:
    """One message (None at end of stream) and the descriptors that came with it."""
    fds: list[int] = []
    header = _recv_exact(conn, _HEADER.size, fds, maxfds)
    if header is None:
        return None, fds
    (size,) = _HEADER.unpack(header)
    if size > _MAX_MESSAGE:
        raise ValueError(f"message of {size} bytes")
    data = _recv_exact(conn, size, fds, maxfds)
    if data is None:
        return None, fds
    message = json.loads(data)
    if not isinstance(message, dict):
        raise ValueError("message is not an object")
    return message, fds


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


def _connect(path: Path) -> socket.socket | None:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(str(path))
        if _peer_uid(conn) != os.getuid():
            raise ConnectionRefusedError(f"{path} is served by another user")
    except OSError:
        conn.close()
        return None
    return conn


# --- client ------------------------------------------------------------------------------------


def run_warm(argv: list[str]) -> int | None:
    """Run `sitelayouts ARGV` in the warm process (starting it if needed) and return its exit
    status; None when it cannot be used (off, unsafe folder, no streams), so the caller runs the
    command itself. None is only returned before the command has started."""
    if not enabled():
        return None
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
        directory = runtime_dir()
    except UnsafeRuntimeDir as exc:
        print(f"warning: {exc}; running without the warm process", file=sys.stderr)
        return None
    except OSError:
        return None
    path = socket_path(directory, code_key())
    if len(str(path)) > 100:  # AF_UNIX paths end at 107 bytes
        return None
    conn = _connect(path) or _start(path)
    if conn is None:
        return None
    with conn:
        return _session(conn, argv)


def _start(path: Path) -> socket.socket | None:
    """Start a warm process for `path` and connect once it listens (it imports first)."""
    import subprocess

    print(
        f"starting a warm process for faster commands (it ends after {IDLE_EXIT_S / 60:.0f} min idle; "
        "SITELAYOUTS_DAEMON=0 turns it off)",
        file=sys.stderr,
    )
    with open(path.parent / "daemon.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli.daemon", str(path)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        conn = _connect(path)
        if conn is not None:
            return conn
        if proc.poll() is not None:
            if proc.returncode != 0:
                return None
            # Status 0: another warm process for this key held the lock, starting (wait for it)
            # or on its way out (give up soon).
            deadline = min(deadline, time.monotonic() + 5.0)
        time.sleep(0.02)
    return None


def _session(conn: socket.socket, argv: list[str]) -> int | None:
    request = {"op": "run", "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "umask": _umask()}
    pid = 0
    forwarded: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        # Before the command's PID is known the signal waits, and is passed on once it is.
        forwarded.append(signum)
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, forward)
    try:
        _send(conn, request, fds=[0, 1, 2])
        started, _ = _recv(conn)
    except (OSError, ValueError):
        started = None
    if started is None or "pid" not in started:
        # The command never began: run it here instead, unless the user asked to stop.
        return 128 + forwarded[-1] if forwarded else None
    pid = int(started["pid"])
    for pending in forwarded:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, pending)
    try:
        finished, _ = _recv(conn)
    except (OSError, ValueError):
        finished = None
    if finished is None or "exit" not in finished:
        if forwarded:  # it ended on the signal we passed on: exit as a process killed by it would
            return 128 + forwarded[-1]
        print("error: the command's process ended without an exit status (killed?)", file=sys.stderr)
        return 1
    return int(finished["exit"])


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _each_daemon(op: str) -> list[dict[str, Any]]:
    replies: list[dict[str, Any]] = []
    directory = runtime_dir()
    for path in sorted(directory.glob("daemon-*.sock")):
        conn = _connect(path)
        if conn is None:
            continue
        with conn:
            conn.settimeout(5)
            try:
                _send(conn, {"op": op})
                reply, _ = _recv(conn)
            except (OSError, ValueError):
                continue
        if reply is not None:
            replies.append({"socket": str(path), **reply})
    return replies


def status_all() -> list[dict[str, Any]]:
    """Each live warm process of this user: pid, key, commands served and running, idle time [s]."""
    return _each_daemon("status")


def stop_all() -> list[dict[str, Any]]:
    """Ask every warm process of this user to exit (commands already running finish)."""
    return _each_daemon("stop")


# --- the warm process ----------------------------------------------------------------------------


class _Stop(Exception):
    pass


def _stop(_signum: int, _frame: object) -> None:
    raise _Stop


_lock_fd = -1  # the warm process's flock on `<socket>.lock`; its forks must not keep it


def _preload(modules: tuple[str, ...]) -> None:
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # an optional extra that fails here fails in the command too
            print(f"preload {name}: {exc!r}", file=sys.stderr)
    if "app.engine.layout" in modules:
        import numpy as np

        from app.engine.energy.irradiance import diffuse_iam

        diffuse_iam(np.zeros(1))  # fills its cached Marion table (≈ 0.08 s a run otherwise)


def serve(path: Path, idle_exit_s: float = IDLE_EXIT_S) -> None:
    """Listen on `path` until idle for `idle_exit_s` [s] with no command running, or stopped."""
    global _lock_fd
    _lock_fd = os.open(f"{path}.lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(_lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # another warm process for this key is starting or running
    os.chdir("/")  # hold no caller's folder
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    _preload(_PRELOAD)
    path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    os.chmod(path, 0o600)
    inode = os.stat(path).st_ino
    listener.listen(32)
    state: dict[str, Any] = {
        "pid": os.getpid(),
        "key": path.stem.removeprefix("daemon-"),
        "started": time.time(),
        "served": 0,
        "idle_exit_s": idle_exit_s,
    }
    children: set[int] = set()
    last = time.monotonic()
    print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} pid {os.getpid()} listening on {path}", file=sys.stderr)
    try:
        while True:
            _reap(children)
            if children:
                last = time.monotonic()
            idle = time.monotonic() - last
            if idle >= idle_exit_s:
                break
            listener.settimeout(min(idle_exit_s - idle, 0.5))
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            last = time.monotonic()
            with conn:
                pid = _handle(conn, listener, state, children)
            if pid:
                children.add(pid)
                state["served"] += 1
    except _Stop:
        pass
    finally:
        listener.close()
        try:
            if os.stat(path).st_ino == inode:
                path.unlink()
        except FileNotFoundError:
            pass
        print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} pid {os.getpid()} exits", file=sys.stderr)


def _reap(children: set[int]) -> None:
    """Forget the commands that have ended (and collect their exit, so none stays a zombie)."""
    for pid in list(children):
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            children.discard(pid)


def _handle(conn: socket.socket, listener: socket.socket, state: dict[str, Any], children: set[int]) -> int:
    """Serve one connection; the PID of the command's process when one was started, else 0."""
    conn.settimeout(5)
    fds: list[int] = []
    try:
        if _peer_uid(conn) != os.getuid():
            return 0
        request, fds = _recv(conn, maxfds=3)
        op = (request or {}).get("op")
        if op in ("status", "stop"):
            _reap(children)
            running = len(children)
            idle = 0.0 if running else time.time() - state.get("last_run", state["started"])
            _send(conn, {**state, "running": running, "idle_s": round(idle, 1)})
            if op == "stop":
                raise _Stop
            return 0
        if op != "run" or request is None or len(fds) != 3:
            return 0
        state["last_run"] = time.time()
        pid = os.fork()
        if pid == 0:
            listener.close()
            os.close(_lock_fd)
            _child(conn, request, fds)
        return pid
    except (OSError, ValueError):
        return 0
    finally:
        for fd in fds:
            os.close(fd)


def _child(conn: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
    """Become the caller's command: its streams, folder, environment and umask; never returns."""
    status = 1
    try:
        import random

        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.umask(int(request["umask"]))
        random.seed()  # forks would otherwise share one sequence
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", buffering=1 if os.isatty(1) else -1, encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
        sys.argv = ["sitelayouts", *request["argv"]]
        conn.settimeout(None)
        _send(conn, {"pid": os.getpid()})
        from app.cli.launch import command_status, flushed

        try:
            status = command_status()
        except KeyboardInterrupt:
            status = 130
        status = flushed(status)
        _send(conn, {"exit": status})
    except BaseException:  # whatever happens, this fork must not return into the serving loop
        try:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(1)
    os._exit(status)


if __name__ == "__main__":
    idle = float(os.environ.get("SITELAYOUTS_DAEMON_IDLE_S", IDLE_EXIT_S))
    serve(Path(sys.argv[1]), idle_exit_s=idle)
