"""Real app servers for tests that need one (browser journeys, a killed worker, two hosts): gunicorn on a
free port of 127.0.0.1, configured only through ENSHU_* variables, stopped quickly afterwards."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(config: dict, **variables: str) -> dict:
    """This process's environment without its ENSHU_* settings, plus `config` as ENSHU_* (booleans as
    JSON, as Flask reads them) and `variables` as they are."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENSHU_")}
    env.update({f"ENSHU_{k}": (("true" if v else "false") if isinstance(v, bool) else str(v))
                for k, v in config.items()})
    env.update({"PYTHONDONTWRITEBYTECODE": "1", **variables})
    return env


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/login", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer within {timeout}s:\n{log.read_text()}")


@contextmanager
def gunicorn(env: dict, port: int, log_path: Path, *, workers: int, threads: int, graceful_timeout: int):
    """Serve wsgi:app on 127.0.0.1:`port` until the block ends; yields the gunicorn master process."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
             "--bind", f"127.0.0.1:{port}", "--graceful-timeout", str(graceful_timeout), "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_up(f"http://127.0.0.1:{port}", process, log_path)
            yield process
        finally:
            process.send_signal(signal.SIGINT)  # quick shutdown; SIGTERM would wait for idle connections
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
