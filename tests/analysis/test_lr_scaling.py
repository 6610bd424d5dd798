"""``fitness.lr_proportional``: a program whose update is not proportional to ``lr`` is told apart
on the probes, rejected by the judge when the campaign asks, and never trained in such a search."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import proxy_tasks
from symopt.analysis.liveness import liveness
from symopt.analysis.lr_scaling import lr_disproportion
from symopt.analysis.probes import record_probe
from symopt.cli import main
from symopt.dsl import parse
from symopt.judge import Judge
from symopt.store import RunStore

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).parent / "judge_programs"
KNOWN = sorted((ROOT / "search_spaces" / "zoo").glob("*.txt")) + sorted(
    (ROOT / "search_spaces" / "seeds").glob("*.txt")
)


def read(path: Path):
    return parse(path.read_text())


def disproportion(program, probes=None) -> str:
    return lr_disproportion(program, liveness(program), probes)


@pytest.fixture(scope="module")
def digits_probe():
    return record_probe(proxy_tasks.get_task("digits_mlp"), blocks=True)


@pytest.mark.parametrize("path", KNOWN, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_known_optimizer_follows_its_lr(path, digits_probe):
    program = read(path)
    assert disproportion(program) == ""
    assert disproportion(program, [digits_probe]) == ""


@pytest.mark.parametrize(
    ("text", "why"),
    [
        # the learning rate overwritten by a constant: nothing to tune, no schedule
        ("def train(w, g, lr):\n    u = g * 0.001\n    return u\n", "lr x0.03125"),
        # a floor on the learning rate: annealing stops below 0.3
        ((PROGRAMS / "adam_lr_floor.txt").read_text(), "lr x"),
        # the step size in a non-linear function of lr
        ("def train(w, g, lr):\n    s = sqrt(lr)\n    u = g * s\n    return u\n", "lr x"),
        # the momentum clipped at a function of lr (the default campaign's winner of 2026-12-03)
        ((PROGRAMS / "quick_winner_2026_12_03.txt").read_text(), "lr x"),
    ],
    ids=["constant", "floor", "sqrt", "quick_winner"],
)
def test_a_program_that_does_not_scale_with_lr_is_named(text, why, digits_probe):
    reason = disproportion(parse(text), [digits_probe])
    assert reason.startswith("its update is not proportional to lr: at step "), reason
    assert "of the digits_mlp" in reason and why in reason, reason


def test_lr_inside_the_state_still_scales():
    """Momentum that accumulates ``lr * g`` is linear in lr: proportional."""
    text = "def train(w, g, m, lr):\n    s = g * lr\n    m = interp(s, m, 0.9)\n    return m, m\n"
    assert disproportion(parse(text)) == ""


def test_the_judge_rejects_only_when_asked():
    floor = read(PROGRAMS / "adam_lr_floor.txt")
    assert Judge(-9.0).judge(floor).action == "train"
    verdict = Judge(-9.0, lr_proportional=True).judge(floor)
    assert (verdict.action, verdict.fitness, verdict.status) == ("rejected", -9.0, "rejected")
    assert "not proportional to lr" in verdict.reason
    assert Judge(-9.0, lr_proportional=True).judge(read(PROGRAMS / "adam_lr.txt")).action == "train"


def test_a_search_with_the_rule_never_trains_a_program_that_ignores_lr(tmp_path):
    """From the optax-exact AdamW seed (``seed_program``): every trained program scales with lr,
    and every refused one does not."""
    seed = ROOT / "search_spaces" / "seeds" / "adamw_optax.txt"
    config = {
        "name": "t", "seed": 0, "tasks": [{"name": "cancer_mlp", "size": 1}],
        "seed_program": str(seed),
        "population": 8, "tournament": 3, "budget": {"max_evaluations": 40},
        "fitness": {"lr_proportional": True}, "backend": {"kind": "local", "workers": 1},
    }  # fmt: skip
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(config))
    out = tmp_path / "run"
    assert main(["search", str(path), "--out", str(out), "--quiet"]) == 0
    with RunStore.open_readonly(out) as store:
        records = list(store.iter_evaluations())
    probe = record_probe(proxy_tasks.get_task("cancer_mlp"))
    assert records[0].origin == "seed" and parse(records[0].program) == read(seed)
    trained = [r for r in records if r.status not in ("cached", "rejected")]
    refused = [r for r in records if "not proportional to lr" in r.reason]
    assert len(trained) == 40 and refused, "the rule found nothing to refuse in this search"
    for record in trained:
        assert disproportion(parse(record.program), [probe]) == "", record.program
    for record in refused:
        assert disproportion(parse(record.program), [probe]) != "", record.program
