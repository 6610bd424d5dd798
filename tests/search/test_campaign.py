"""Whole searches through the command line: run, show, refuse, interrupt, resume."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import yaml

from symopt.cli import main
from symopt.stats import NOT_TRAINED
from symopt.store import RunStore

SMOKE = {
    "name": "t",
    "seed": 0,
    "tasks": [{"name": "cancer_mlp", "size": 1}],
    "population": 8,
    "tournament": 3,
    "budget": {"max_evaluations": 40},
    "backend": {"kind": "local", "workers": 1},
}


def write_config(tmp_path, name="c.yaml", **changes):
    data = {**SMOKE, **changes}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return str(path)


def rows(run_dir):
    with RunStore.open_readonly(run_dir) as store:
        return [(r.program, r.fitness, r.status, r.origin, r.parent_id, r.metrics["index"])
                for r in store.iter_evaluations()]  # fmt: skip


def test_search_then_show(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["search", write_config(tmp_path), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    trained = [r for r in rows(out) if r[2] not in NOT_TRAINED]
    # the summary names the re-evaluated best, the program RUN_DIR#best and show name
    assert main(["show", str(out), "--json"]) == 0
    best = json.loads(capsys.readouterr().out)["best"]
    assert f"best #{best['id']} (re-evaluated): fitness {best['fitness']:.4f}" in printed
    assert f"{best['reevaluated_fitness']:.4f} over 3 task seeds:" in printed
    assert len(trained) == 40
    assert len({r[5] for r in rows(out)}) == len(rows(out))  # every child index once
    assert (out / "config.yaml").exists()
    assert main(["show", str(out), "--json", "--top", "3"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["evaluations"] >= 40 and len(summary["top"]) == 3
    assert summary["best"]["program"].startswith("def train(")
    assert summary["lineage"][-1]["origin"] == "seed"
    assert {"cache_hits", "cache_hit_rate"} <= set(summary)
    assert main(["show", str(out)]) == 0
    assert "lineage" in capsys.readouterr().out


def test_resume_continues_exactly_where_the_run_stopped(tmp_path):
    whole, halves = tmp_path / "whole", tmp_path / "halves"
    assert main(["search", write_config(tmp_path), "--out", str(whole), "--quiet"]) == 0
    first = write_config(tmp_path, "first.yaml", budget={"max_evaluations": 17})
    assert main(["search", first, "--out", str(halves), "--quiet"]) == 0
    assert (
        main(["search", write_config(tmp_path), "--out", str(halves), "--resume", "--quiet"]) == 0
    )
    assert rows(halves) == rows(whole)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--resume"], "no run"),
        ([], None),  # second run into the same directory
    ],
)
def test_refusals_are_one_line(tmp_path, capsys, args, message):
    out = tmp_path / "run"
    config = write_config(tmp_path)
    if message is None:
        assert main(["search", config, "--out", str(out), "--quiet"]) == 0
        capsys.readouterr()
    assert main(["search", config, "--out", str(out), "--quiet", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("symopt: error:")


def test_resume_with_another_campaign_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["search", write_config(tmp_path), "--out", str(out), "--quiet"]) == 0
    other = write_config(tmp_path, "other.yaml", population=9)
    before = rows(out)
    assert main(["search", other, "--out", str(out), "--resume", "--quiet"]) == 2
    assert "different campaign" in capsys.readouterr().err
    assert rows(out) == before


def _start(config, out):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "symopt.cli", "search", config, "--out", str(out)]
    # A shell without job control starts background jobs with SIGINT ignored, and the child would
    # inherit that: give the search the disposition a terminal gives it, so Ctrl-C is Ctrl-C.
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, preexec_fn=_default_sigint)  # fmt: skip


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_rows(out, count, proc, limit=120):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if (out / "symopt.sqlite").exists():
            try:
                if len(rows(out)) >= count:
                    return
            except Exception:  # the database is being created
                pass
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("the search did not make progress")


@pytest.mark.slow
def test_sigkill_then_resume_loses_nothing_and_repeats_nothing(tmp_path):
    out = tmp_path / "run"
    config = write_config(tmp_path, budget={"max_evaluations": 150})
    proc = _start(config, out)
    _wait_for_rows(out, 30, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = rows(out)
    assert main(["search", config, "--out", str(out), "--resume", "--quiet"]) == 0
    after = rows(out)
    assert after[: len(before)] == before
    assert sum(r[2] not in NOT_TRAINED for r in after) == 150
    programs = [r[0] for r in after if r[2] not in NOT_TRAINED]
    assert len(programs) == len(set(programs))  # nothing trained twice


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path):
    out = tmp_path / "run"
    config = write_config(tmp_path, budget={"max_evaluations": 100000})
    proc = _start(config, out)
    _wait_for_rows(out, 10, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "--resume" in err and "Traceback" not in err
    assert len(rows(out)) >= 10


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: t\npopulaton: 5\n", "populaton: unknown key; did you mean 'population'?"),
        ("name: t\ntasks:\n  - name: digit_mlp\n", "did you mean 'digits_mlp'?"),
        ("name: t\nsearch_space: lion46\n", "did you mean 'lion45'?"),
        ("name: [t\n", "not valid YAML"),
    ],
)
def test_bad_configs_are_one_line_and_write_nothing(tmp_path, capsys, text, message):
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    out = tmp_path / "run"
    assert main(["search", str(config), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert not out.exists()


def test_missing_config_and_unreachable_address(tmp_path, capsys):
    assert main(["search", str(tmp_path / "none.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err
    out = tmp_path / "run"
    config = write_config(tmp_path)
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert main(["search", config, "--out", str(out), "--address", f"127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot reach the Ray cluster" in err
    assert not out.exists()


def test_a_cache_file_shares_results_across_campaigns(tmp_path):
    cache = str(tmp_path / "shared.sqlite")
    config = write_config(tmp_path, cache={"file": cache}, budget={"max_evaluations": 20})
    assert main(["search", config, "--out", str(tmp_path / "a"), "--quiet"]) == 0
    assert main(["search", config, "--out", str(tmp_path / "b"), "--quiet"]) == 0
    with RunStore.open_readonly(tmp_path / "b") as store:
        reasons = [r.reason for r in store.iter_evaluations() if r.status == "cached"]
    assert sum("in the cache file" in reason for reason in reasons) >= 10


def test_functional_duplicates_are_not_trained(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["search", write_config(tmp_path), "--out", str(out), "--quiet"]) == 0
    with RunStore.open_readonly(out) as store:
        records = list(store.iter_evaluations())
    trained = [r.fingerprint for r in records if r.status not in NOT_TRAINED]
    assert len(trained) == len(set(trained))  # one training per function
    cached = [r for r in records if r.status == "cached"]
    assert cached and all(r.metrics["source"] < r.id for r in cached)


def test_programs_can_be_named_by_run_and_id(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["search", write_config(tmp_path), "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["analyze", f"{out}#best"]) == 0
    assert "structural hash" in capsys.readouterr().out
    assert main(["export", f"{out}#1"]) == 0
    assert "interp(g, m, 0.9)" in capsys.readouterr().out  # record 1 is the AdamW seed
    for spec, message in ((f"{out}#999999", "no evaluation with id"), (f"{out}#x", "RUN_DIR#ID"),
                          (f"{out}#meta", "no meta-validation check")):  # fmt: skip
        assert main(["analyze", spec]) == 2
        assert message in capsys.readouterr().err


class SlowFakeBackend:
    """Four workers that answer one poll late, with a deterministic fitness per program text:
    clones of a program in flight are common, and must wait for its result."""

    capacity = 4

    def __init__(self) -> None:
        self.queue, self.ready = [], []

    def describe(self) -> str:
        return "slow fake backend"

    def submit(self, job) -> None:
        self.queue.append(job)

    def poll(self, timeout: float = 0.0):
        from symopt.backends import JobResult

        done, self.ready, self.queue = self.ready, self.queue, []
        return [JobResult(j.index, (hash(j.program) % 1000) / 1000, "ok", "", 0.0, "fake")
                for j in done]  # fmt: skip

    def close(self) -> None:
        pass


def test_clones_of_a_program_in_flight_wait_for_its_result(tmp_path):
    from symopt.campaign import Campaign
    from symopt.config import config_from_dict

    data = {**SMOKE, "out": str(tmp_path / "run"), "budget": {"max_evaluations": 60}}
    campaign = Campaign(config_from_dict(data), show_progress=False)
    campaign.run(backend=SlowFakeBackend())
    with RunStore.open_readonly(tmp_path / "run") as store:
        records = list(store.iter_evaluations())
    trained = [r.fingerprint for r in records if r.status not in NOT_TRAINED]
    assert len(trained) == 60 and len(set(trained)) == 60
    assert any(r.status == "cached" and r.metrics["source"] > 1 for r in records)


def test_a_search_space_without_a_length_limit_is_refused(tmp_path, capsys):
    from symopt.dsl.space import builtin_dir

    space = yaml.safe_load((builtin_dir() / "lion45.yaml").read_text())
    space["max_statements"] = None
    space["seed"] = str(builtin_dir() / "seeds" / "adamw.txt")
    (tmp_path / "open.yaml").write_text(yaml.safe_dump(space))
    config = write_config(tmp_path, search_space=str(tmp_path / "open.yaml"))
    assert main(["search", config, "--out", str(tmp_path / "run"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "sets no max_statements" in err and "\n" not in err
    assert not (tmp_path / "run").exists()


def test_a_long_search_space_grows_the_interpreter(tmp_path):
    from symopt.dsl import parse
    from symopt.execution.encode import Layout, encode

    layout = Layout.fitting(70, 3)
    body = "\n".join(f"    g = g * {1.0 + i / 100}" for i in range(70))
    long = parse(f"def train(w, g, lr):\n{body}\n    return g\n")
    assert len(encode(long, layout).init) == layout.num_registers  # 70 statements, 70 constants
