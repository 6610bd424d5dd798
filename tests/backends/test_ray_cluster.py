"""`symopt search --address` joins a Ray cluster started elsewhere with `ray start --head`."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symopt.store import RunStore

pytestmark = [pytest.mark.ray, pytest.mark.slow]
SMOKE = Path(__file__).parents[2] / "configs" / "smoke.yaml"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_search_joins_an_existing_cluster(tmp_path, private_home):
    """A token-authenticated cluster (Ray's default since 2.52): a client with the head's token
    in ~/.ray/auth_token joins, as a user on the head node would; one without it is told in one
    line how to give it. ``private_home`` keeps every token out of the user's home."""
    env = {**os.environ, "RAY_AUTH_MODE": "token"}
    port = free_port()
    ray_cli = shutil.which("ray") or str(Path(sys.executable).parent / "ray")
    subprocess.run([ray_cli, "get-auth-token", "--generate"], env=env, check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    assert (private_home / ".ray" / "auth_token").is_file()
    head = subprocess.Popen(
        [ray_cli, "start", "--head", "--block", f"--port={port}", "--num-cpus=2",
         "--include-dashboard=false", "--node-ip-address=127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and head.poll() is None, "no Ray head"
                time.sleep(0.5)
        out = tmp_path / "run"
        command = [sys.executable, "-m", "symopt.cli", "search", str(SMOKE), "--out", str(out),
                   "--address", f"127.0.0.1:{port}", "--quiet"]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
        assert done.returncode == 0, done.stderr[-2000:]
        with RunStore.open_readonly(out) as store:
            assert store.count() >= 60
            workers = {r.worker for r in store.iter_evaluations()} - {""}
        assert len(workers) == 1  # smoke.yaml asks for one worker
        stranger = tmp_path / "stranger"  # a home without the cluster's token, as in the issue
        stranger.mkdir()
        env = {**os.environ, "HOME": str(stranger)}
        command[command.index(str(out))] = str(tmp_path / "refused")
        refused = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
        assert refused.returncode == 2
        assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
        assert "requires token authentication" in refused.stderr
        assert "RAY_AUTH_TOKEN" in refused.stderr
    finally:
        head.terminate()
        head.wait(timeout=60)
