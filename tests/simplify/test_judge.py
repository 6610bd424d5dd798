"""How ablation judges, through a fake evaluator whose losses the test controls.

The fake's validation loss is ``base[seed]`` plus a penalty for each op missing from the program
plus ``LR_COST * log10(f / BEST_FACTOR) ** 2`` for the lr factor ``f`` the judge prepends. Seeds
shift every program alike (paired), so only ``base`` sets the seed noise.
"""

import math

import pytest

from proxy_tasks.registry import REPORT_SEED_START
from symopt.analysis.structural import structural_hash
from symopt.dsl import parse, to_text
from symopt.execution.evaluator import Result
from symopt.simplify import run_simplify

PROGRAM = """\
def train(w, g, m, lr):
    c = cos(g)
    c = c * 0.001
    u = g + c
    m = interp(u, m, 0.9)
    s = sign(m)
    update = s * lr
    return update, m
"""
PENALTIES = {"cos": 0.05, "interp": 0.3, "sign": 0.5}  # loss added when the op is gone
BEST_FACTOR, LR_COST = 3.0, 0.2


def missing_ops(program) -> float:
    ops = {s.op for s in program.body}
    return sum(p for op, p in PENALTIES.items() if op not in ops)


class FakeEvaluator:
    def __init__(self, task, base: dict[int, float], diverges_without=None, penalty=missing_ops):
        self.task = task
        self.base = base
        self.diverges_without = diverges_without
        self.penalty = penalty
        self.calls: list[tuple[int | None, str]] = []

    def evaluate(self, programs, hurdle=None, seed=None):
        results = []
        for program in programs:
            self.calls.append((seed, to_text(program)))
            ops = {s.op for s in program.body}
            if self.diverges_without and self.diverges_without not in ops:
                results.append(Result(-10.0, "diverged", 10, math.inf, 0.0))
                continue
            loss = self.base[seed] + self.penalty(program)
            loss += LR_COST * math.log10(lr_factor(program) / BEST_FACTOR) ** 2
            results.append(Result(-loss, "ok", 300, loss, 0.0))
        return results


def lr_factor(program) -> float:
    first = program.body[0]
    if first.target == program.lr and first.op == "mul" and first.args[0] == program.lr:
        return float(first.args[1])
    return 1.0


def simplify_with(base, diverges_without=None, penalty=missing_ops, program=PROGRAM, **options):
    fakes: list[FakeEvaluator] = []

    def make(task):
        fakes.append(FakeEvaluator(task, base, diverges_without, penalty))
        return fakes[0]

    lines: list[str] = []
    result = run_simplify(
        parse(program), exact=False, task="cancer_mlp", log=lines.append, make_evaluator=make,
        **options,
    )  # fmt: skip
    return result, fakes[0], lines


@pytest.mark.parametrize(
    ("base", "noise_factor", "cos_removed"),
    [
        ({1000: 1.0, 1001: 1.2}, 1.0, True),  # SE 0.1: removing cos (+0.05) is within it
        ({1000: 1.0, 1001: 1.04}, 1.0, False),  # SE 0.02: +0.05 is not
        ({1000: 1.0, 1001: 1.2}, 0.4, False),  # tolerance 0.4 x 0.1 = 0.04 < 0.05
    ],
)
def test_a_change_is_kept_when_it_costs_less_than_the_seed_noise(base, noise_factor, cos_removed):
    result, _, lines = simplify_with(base, noise_factor=noise_factor)
    ops = [s.op for s in result.body]
    assert ("cos" not in ops) == cos_removed
    assert "interp" in ops and "sign" in ops  # +0.3 and +0.5: far beyond the noise
    spread = base[1001] - base[1000]
    tolerance = noise_factor * spread / 2  # sd of two values is |a - b| / sqrt 2
    assert any(f"{noise_factor:g} x SE = {tolerance:.4f}" in line for line in lines)


def test_the_evaluator_scores_validation_loss_on_the_tuning_seeds():
    _, fake, _ = simplify_with({1000: 1.0, 1001: 1.2, 1002: 1.1}, seeds=3)
    assert fake.task.split == "validation" and fake.task.metric_name == "neg_val_loss"
    seeds = [seed for seed, _ in fake.calls]
    assert set(seeds) == {1000, 1001, 1002}
    assert all(seed is not None and 0 < seed < REPORT_SEED_START for seed in seeds)


def test_changes_are_judged_at_the_best_lr_factor_which_is_not_folded_in():
    result, fake, lines = simplify_with({1000: 1.0, 1001: 1.2})
    assert any(line.endswith("best x3") for line in lines)
    factors = [lr_factor(parse(text)) for _, text in fake.calls]
    assert set(factors[:8]) == {0.3, 1.0, 3.0, 10.0}  # the sweep: 0.3 1 3, widened to 10
    assert set(factors[8:]) == {3.0}  # every ablation run
    assert lr_factor(result) == 1.0 and "lr = lr" not in to_text(result)


def test_a_change_that_would_stop_the_update_following_lr_is_never_trained():
    """Dropping ``update = s * lr`` costs the fake nothing at the judge's one step size; it is
    refused all the same, untrained: the result still scales with its lr."""
    result, fake, lines = simplify_with({1000: 1.0, 1001: 1.2})
    assert any(s.op == "mul" and result.lr in s.args for s in result.body), to_text(result)
    refused = [line for line in lines if "would stop following lr" in line]
    assert refused and all(line.startswith("ablation rejected: drop ") for line in refused)
    assert all(result_uses_lr(parse(text)) for _, text in fake.calls)


def result_uses_lr(program) -> bool:
    return any(program.lr in s.variables() for s in program.body)


def test_a_change_that_fails_on_a_seed_is_rejected_without_training_the_rest():
    result, fake, lines = simplify_with({1000: 1.0, 1001: 1.2}, diverges_without="interp")
    assert "interp" in {s.op for s in result.body}
    rejected = [line for line in lines if "diverged on seed 1000" in line]
    assert rejected
    runs_without_interp = [t for _, t in fake.calls if "interp" not in t]
    assert len(runs_without_interp) == len(rejected)  # seed 1001 never trained


def test_two_seeds_at_least():
    with pytest.raises(ValueError, match="at least 2 seeds"):
        simplify_with({1000: 1.0}, seeds=1)


LION = """\
def train(w, g, m, lr):
    c = interp(g, m, 0.9)
    update = sign(c)
    update = update * lr
    m = interp(g, m, 0.99)
    return update, m
"""
SIGNUM = """\
def train(w, g, m, lr):
    m = interp(g, m, 0.9)
    update = sign(m)
    update = update * lr
    return update, m
"""


@pytest.mark.parametrize("betas_matter", [True, False])
def test_two_betas_survive_only_when_tying_them_costs_more_than_the_noise(betas_matter):
    """Tying Lion's betas (one interp for both the direction and the state) gives Signum. The
    fake scores Lion (and, unless ``betas_matter``, Signum) 0 and any other program 1."""
    good = {structural_hash(parse(LION))}
    if not betas_matter:
        good.add(structural_hash(parse(SIGNUM)))

    def penalty(program):
        unscaled = program.replace_body(program.body[1:]) if lr_factor(program) != 1 else program
        return 0.0 if structural_hash(unscaled) in good else 1.0

    result, _, lines = simplify_with({1000: 1.0, 1001: 1.2}, penalty=penalty, program=LION)
    assert structural_hash(result) == structural_hash(parse(LION if betas_matter else SIGNUM))
    ties = [line for line in lines if "tie `m = interp(g, m, 0.99)` to `" in line]
    assert ties and all(("rejected" in line) == betas_matter for line in ties)
