"""Elites are re-evaluated on more task seeds; several tasks are put on a common scale."""

import hashlib
import math

import pytest

from symopt.backends import JobResult
from symopt.campaign import Campaign
from symopt.cli import main
from symopt.config import config_from_dict
from symopt.elites import Elites
from symopt.store import RunStore


def test_a_lucky_program_does_not_take_the_lead():
    elites = Elites(2)
    first = elites.consider(1, "a", "A", 0.90)
    assert first.seeds == [1, 2]
    elites.result("a", 1, 0.80)
    assert elites.result("a", 2, 0.82)["best"] and elites.best.id == 1  # mean 0.84
    assert elites.consider(2, "b", "B", 0.95)  # beats 0.84 on seed 0 ...
    elites.result("b", 1, 0.70)
    payload = elites.result("b", 2, 0.72)  # ... but its mean is 0.79
    assert payload["mean"] == pytest.approx(0.79) and not payload["best"]
    assert elites.best.id == 1
    assert elites.consider(3, "a", "A", 0.99) is None  # a fingerprint is re-evaluated once
    assert elites.consider(4, "c", "C", 0.83) is None  # below the elite's mean: not worth it
    assert not Elites(0).enabled and Elites(0).consider(1, "a", "A", 1.0) is None


class SeededFakeBackend:
    """Fitness from the program text and the task seed: every program is 'lucky' on some seed,
    so the best on seed 0 is rarely the best on average."""

    capacity = 2

    def __init__(self, tasks=("cancer_mlp@1",)) -> None:
        self.queue, self.tasks, self.jobs = [], tasks, []

    def describe(self) -> str:
        return "seeded fake backend"

    def submit(self, job) -> None:
        self.queue.append(job)
        self.jobs.append(job)

    def poll(self, timeout: float = 0.0):
        done, self.queue = self.queue, []
        return [self._result(job) for job in done]

    def _result(self, job) -> JobResult:
        per_task = {key: {"fitness": self.value(job.program, job.seed or 0, key), "status": "ok"}
                    for key in self.tasks}  # fmt: skip
        mean = sum(t["fitness"] for t in per_task.values()) / len(per_task)
        return JobResult(job.index, mean, "ok", "", 0.0, "fake", per_task)

    @staticmethod
    def value(program: str, seed: int, key: str) -> float:
        digest = hashlib.sha256(f"{program}|{seed}|{key}".encode()).digest()
        return 0.5 + 0.4 * int.from_bytes(digest[:4], "big") / 2**32

    def close(self) -> None:
        pass


def run(tmp_path, backend, **changes):
    data = {"name": "e", "tasks": [{"name": "cancer_mlp"}], "population": 6, "tournament": 2,
            "budget": {"max_evaluations": 60}, "out": str(tmp_path / "run"),
            "backend": {"kind": "local"}, **changes}  # fmt: skip
    Campaign(config_from_dict(data), show_progress=False).run(backend=backend)
    with RunStore.open_readonly(tmp_path / "run") as store:
        return list(store.iter_evaluations()), [e.payload for e in store.events("reevaluation")]


def test_the_runs_best_is_the_best_mean_over_task_seeds(tmp_path, capsys):
    backend = SeededFakeBackend()
    records, reevaluations = run(tmp_path, backend)
    assert reevaluations and all(r["seeds"] == [0, 1, 2] for r in reevaluations)
    assert {job.seed for job in backend.jobs} == {None, 1, 2}
    leads = [r for r in reevaluations if r["best"]]
    assert leads[-1]["mean"] == max(r["mean"] for r in reevaluations)
    for r in reevaluations:  # each is the fake's fitness on its seeds, and their mean
        text = r["program"]
        assert r["fitnesses"][1] == pytest.approx(backend.value(text, 1, "cancer_mlp@1"))
        assert r["mean"] == pytest.approx(sum(r["fitnesses"]) / 3)
    trained = [r for r in records if r.status == "ok"]
    assert len(trained) == 60  # re-evaluations are not candidates
    assert main(["show", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert f"best #{leads[-1]['id']} (re-evaluated)" in out and "re-evaluated elites" in out
    assert main(["export", f"{tmp_path / 'run'}#best"]) == 0
    assert leads[-1]["program"].splitlines()[1] in capsys.readouterr().out


def test_reevaluation_can_be_switched_off(tmp_path):
    backend = SeededFakeBackend()
    _, reevaluations = run(tmp_path, backend, reevaluation={"seeds": 0})
    assert reevaluations == [] and {job.seed for job in backend.jobs} == {None}


def test_several_tasks_share_a_scale_stored_with_the_run(tmp_path):
    keys = ("cancer_mlp@1", "digits_mlp@1")
    backend = SeededFakeBackend(keys)
    tasks = [{"name": "cancer_mlp"}, {"name": "digits_mlp"}]
    records, _ = run(tmp_path, backend, tasks=tasks, reevaluation={"seeds": 0})
    with RunStore.open_readonly(tmp_path / "run") as store:
        (scale,) = [e.payload for e in store.events("fitness_scale")]
    assert set(scale["f0"]) == set(keys) and "f0" in scale["formula"]
    assert 0.05 < scale["f0"]["digits_mlp@1"] < 0.2  # an untrained 10-class model: near chance
    for record in records[:20]:
        if record.status != "ok":
            continue
        scores = [(t["fitness"] - scale["f0"][k]) / (scale["ref"][k] - scale["f0"][k])
                  for k, t in record.metrics["tasks"].items()]  # fmt: skip
        assert record.fitness == pytest.approx(sum(scores) / 2)
    assert records[0].fitness == pytest.approx(1.0)  # the seed is the reference
    plain, _ = run(tmp_path / "plain", backend, tasks=tasks, reevaluation={"seeds": 0},
                   fitness={"combine": "mean"})  # fmt: skip
    assert plain[0].fitness == pytest.approx(
        sum(t["fitness"] for t in plain[0].metrics["tasks"].values()) / 2
    )
    assert not math.isclose(plain[0].fitness, 1.0)
