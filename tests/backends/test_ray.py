"""The Ray backend against a real local Ray instance: a search, and a worker killed mid-run."""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import ray
import yaml

from symopt.backends import TaskSpec
from symopt.backends.jobs import Job
from symopt.campaign import Campaign
from symopt.config import config_from_dict
from symopt.stats import NOT_TRAINED
from symopt.store import RunStore
from tests.search.test_campaign import SMOKE, rows

pytestmark = [pytest.mark.ray, pytest.mark.slow]

EXAMPLE_TASK = Path(__file__).resolve().parents[2] / "configs" / "my_task.py"


@pytest.fixture(scope="module")
def ray_instance():
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        logging_level="ERROR",
        log_to_driver=False,
    )
    yield
    ray.shutdown()


def ray_config(tmp_path, evaluations):
    data = {**SMOKE, "budget": {"max_evaluations": evaluations},
            "backend": {"kind": "ray", "workers": 2}, "out": str(tmp_path / "run")}  # fmt: skip
    return config_from_dict(data)


def test_a_search_on_two_ray_workers(ray_instance, tmp_path):
    config = ray_config(tmp_path, 60)
    outcome = Campaign(config, show_progress=False).run()
    assert outcome.trained == 60 and not outcome.interrupted
    workers = {r.worker for r in RunStore.open_readonly(config.run_dir).iter_evaluations()}
    assert len(workers - {""}) == 2  # both actors trained candidates


def test_a_killed_worker_loses_nothing(ray_instance, tmp_path):
    from symopt.backends.ray_backend import RayBackend

    config = ray_config(tmp_path, 200)
    campaign = Campaign(config, show_progress=False)
    backend = RayBackend([TaskSpec("cancer_mlp")], None, workers=2)
    victim = backend.worker_pids()[0]

    def kill_when_running():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if (config.run_dir / "symopt.sqlite").exists() and len(rows(config.run_dir)) >= 40:
                os.kill(victim, signal.SIGKILL)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_when_running)
    killer.start()
    outcome = campaign.run(backend=backend)
    killer.join()
    stored = rows(config.run_dir)
    trained = [r for r in stored if r[2] not in NOT_TRAINED]
    assert outcome.trained == len(trained) == 200
    assert len({r[5] for r in stored}) == len(stored)  # no child stored twice
    assert all(r[2] != "error" for r in stored)
    names = {r.worker for r in RunStore.open_readonly(config.run_dir).iter_evaluations()}
    assert any(name.endswith(f":{victim}") for name in names)


def test_a_killed_actor_comes_back_and_trains_its_job(ray_instance):
    """One worker, killed with a job queued on it: the job is trained by a new process.

    (With two workers the survivor may finish the whole budget before the restarted actor has
    imported JAX, so the restart is checked here, where nothing else can take the job.)"""
    from symopt.backends.ray_backend import RayBackend
    from tests.dsl.test_text import SEEDS

    backend = RayBackend([TaskSpec("cancer_mlp")], None, workers=1)
    try:
        [victim] = backend.worker_pids()
        backend.submit(Job(7, (SEEDS / "adamw.txt").read_text()))
        os.kill(victim, signal.SIGKILL)
        results, deadline = [], time.monotonic() + 180
        while not results and time.monotonic() < deadline:
            results = backend.poll(timeout=1.0)
        [result] = results
        assert result.index == 7 and result.status == "ok"
        assert not result.worker.endswith(f":{victim}")
        assert backend.worker_pids() != [victim]
    finally:
        backend.close()


def test_the_shipped_smoke_config_on_both_backends(ray_instance, tmp_path):
    from pathlib import Path

    from symopt.config import load_config

    smoke = load_config(Path(__file__).parents[2] / "configs" / "smoke.yaml")
    for kind, workers in (("local", 1), ("ray", 2)):
        config = smoke.updated(
            {"out": str(tmp_path / kind), "backend": {"kind": kind, "workers": workers}}
        )
        start = time.monotonic()
        outcome = Campaign(config, show_progress=False).run()
        assert outcome.trained == smoke.budget.max_evaluations
        assert time.monotonic() - start < 60


def test_the_benchmark_on_two_ray_workers_matches_local(ray_instance):
    from symopt.benchmark import run_benchmark
    from symopt.dsl import read_program
    from tests.dsl.test_text import SEEDS

    programs = {"adamw": read_program(SEEDS / "adamw.txt")}
    lrs = {"AdamW": [1e-3, 3e-3], "Lion": [1e-4], "SGD-momentum": [1e-2]}
    settings = dict(seeds=2, lr_factors=[0.3, 1.0], baseline_lrs=lrs, extend=1,
                    baselines=list(lrs), baseline_wds={name: [0.0] for name in lrs})  # fmt: skip
    lines: list[str] = []
    on_ray = run_benchmark(programs, [("cancer_mlp", 1)], log=lines.append, backend="ray",
                           workers=2, **settings)  # fmt: skip
    local = run_benchmark(programs, [("cancer_mlp", 1)], **settings)
    assert sum(line.startswith("[") for line in lines) == 4
    for ray_entry, local_entry in zip(on_ray.tasks[0].entries, local.tasks[0].entries, strict=True):
        assert [p.lr for p in ray_entry.sweep] == [p.lr for p in local_entry.sweep]
        for a, b in zip(ray_entry.sweep, local_entry.sweep, strict=True):
            assert a.loss == pytest.approx(b.loss, rel=0.05)  # XLA threads may differ
    assert ray.is_initialized()  # joined the test's instance, did not shut it down


def _descendants(pid: int) -> set[tuple[int, str]]:
    """``(pid, command name)`` of every process below ``pid``, from ``ps``."""
    table = [line.split(None, 2) for line in
             subprocess.run(["ps", "-eo", "pid=,ppid=,comm="], capture_output=True, text=True,
                            check=True).stdout.splitlines()]  # fmt: skip
    children: dict[int, list[tuple[int, str]]] = {}
    for child, parent, name in table:
        children.setdefault(int(parent), []).append((int(child), name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child[0])
    return found


def _alive(processes: set[tuple[int, str]]) -> set[tuple[int, str]]:
    running = subprocess.run(["ps", "-eo", "pid=,comm="], capture_output=True, text=True,
                             check=True).stdout.split("\n")  # fmt: skip
    now = {(int(p), n) for p, n in (line.split(None, 1) for line in running if line.strip())}
    return processes & now


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="the reaper needs /proc (Linux)")
def test_killing_the_driver_leaves_no_ray_process(tmp_path):
    """SIGKILL of a search that started its own Ray instance: every process it started ends."""
    config = tmp_path / "c.yaml"
    data = {**SMOKE, "budget": {"max_evaluations": 100_000}, "backend": {"kind": "ray"}}
    config.write_text(yaml.safe_dump(data))
    driver = subprocess.Popen(
        [sys.executable, "-m", "symopt.cli", "search", str(config), "--out",
         str(tmp_path / "run"), "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not any(name.startswith("ray::") for _, name in _descendants(driver.pid)):
            assert time.monotonic() < deadline and driver.poll() is None, "no Ray worker started"
            time.sleep(0.5)
        started = _descendants(driver.pid)  # the reaper included: it ends once done
    finally:
        driver.kill()
        driver.wait()
    deadline = time.monotonic() + 30
    while _alive(started) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _alive(started), f"left running: {sorted(_alive(started))}"


def test_ray_workers_build_the_users_own_task_from_its_file(ray_instance, tmp_path):
    """The actors are other processes: they import the task's file by the absolute path the
    config resolved, from a folder on nobody's sys.path."""
    shutil.copy(EXAMPLE_TASK, tmp_path / "ray_task.py")
    data = {**SMOKE, "tasks": [{"module": "ray_task.py", "name": "build"}],
            "budget": {"max_evaluations": 24}, "backend": {"kind": "ray", "workers": 2},
            "out": str(tmp_path / "run")}  # fmt: skip
    config = config_from_dict(data, base_dir=tmp_path)
    outcome = Campaign(config, show_progress=False).run()
    assert outcome.trained == 24
    with RunStore.open_readonly(config.run_dir) as store:
        trained = [r for r in store.iter_evaluations() if r.status not in NOT_TRAINED]
    assert len(trained) == 24 and all(r.status != "error" for r in trained)
    assert any(r.metrics["tasks"]["ray_task:build@1"]["status"] == "ok" for r in trained)
    assert len({r.worker for r in trained} - {""}) == 2, "both actors built and trained it"
