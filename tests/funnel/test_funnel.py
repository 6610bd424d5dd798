"""The funnel end to end on cancer_mlp/1 then cancer_mlp/10: interrupted, resumed, reprinted."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import proxy_tasks
from symopt.funnel import EVENT_KIND, load_funnel, render_table, run_funnel
from symopt.store import RunStore
from tests.funnel.conftest import BAD, FAST, PROGRAMS, SIGN, WEAK_BASELINES, make_run

STAGES = [{"task": "cancer_mlp", "size": 1}, {"task": "cancer_mlp", "size": 10}]


class Interrupt(Exception):
    pass


@pytest.fixture(scope="module")
def funnel(tmp_path_factory):
    """A funnel interrupted as stage 2 begins, then run again to the end."""
    tmp = tmp_path_factory.mktemp("funnel")
    run_dir = make_run(tmp / "run", [*PROGRAMS[:4], (SIGN, 0.955), PROGRAMS[4]])
    config = tmp / "funnel.yaml"
    data = {"top": 5, "stages": STAGES, "baselines": WEAK_BASELINES, **FAST}
    config.write_text(yaml.safe_dump(data))
    first: list[str] = []

    def interrupting(line: str) -> None:
        if line.startswith("stage 2"):
            raise Interrupt
        first.append(line)

    with pytest.raises(Interrupt):
        run_funnel(run_dir, config, interrupting)
    interrupted = load_funnel(run_dir)
    lines: list[str] = []
    result = run_funnel(run_dir, config, lines.append)
    return run_dir, interrupted, result, lines, first


def ids_of(run_dir: Path) -> dict[str, int]:
    with RunStore.open_readonly(run_dir) as store:
        return {r.program: r.id for r in store.iter_evaluations()}


def test_interrupted_funnel_keeps_its_finished_stage(funnel):
    run_dir, interrupted, result, lines, _ = funnel
    assert len(interrupted.stages) == 1 and not interrupted.finished
    assert "interrupted after 1 of 2 stages" in render_table(interrupted)
    assert result.reused == 1 and "1 stage(s) already stored; reusing them" in lines[0]
    assert result.stages[0] == interrupted.stages[0]
    with RunStore.open_readonly(run_dir) as store:
        events = store.events(EVENT_KIND)
        assert [e.payload["stage"] for e in events] == [0, 1]
        assert all(e.seq == store.count() for e in events)


def test_candidates_are_distinct_functions_in_fitness_order(funnel):
    run_dir, _, result, _, _ = funnel
    ids = ids_of(run_dir)
    renamed_sgd = PROGRAMS[3][0]
    expected = [ids[t] for t, _ in PROGRAMS[:3]] + [ids[SIGN], ids[BAD]]
    assert [c["id"] for c in result.candidates] == expected
    assert ids[renamed_sgd] not in expected


def test_programs_go_on_only_while_they_beat_adamw(funnel):
    run_dir, _, result, _, _ = funnel
    first, second = result.stages
    for stage in result.stages:
        bar = stage["baselines"]["adamw"]["val_loss"]  # chosen on validation, never on test
        assert stage["bar"] == bar
        assert stage["advanced"] == [e["id"] for e in stage["programs"] if e["val_loss"] < bar]
    assert [e["id"] for e in second["programs"]] == first["advanced"]
    ids = ids_of(run_dir)
    assert result.stopped_at(ids[BAD]) == 0  # diverges at once
    assert result.stopped_at(ids[SIGN]) == 1  # beats the weak AdamW at size 1, diverges at 10
    assert ids[SIGN] in first["advanced"] and ids[SIGN] not in second["advanced"]
    assert result.finished


def test_settings_are_chosen_on_validation_and_reported_on_other_seeds(funnel):
    _, _, result, _, _ = funnel
    for stage in result.stages:
        assert stage["seeds"] == {"tuning": proxy_tasks.tuning_seeds(2),
                                  "report": proxy_tasks.report_seeds(2)}  # fmt: skip
        for name in ("adamw", "lion"):
            baseline = stage["baselines"][name]
            grid = [(lr, wd) for wd in WEAK_BASELINES[f"{name}_weight_decays"]
                    for lr in WEAK_BASELINES[f"{name}_lrs"]]  # fmt: skip
            assert [(run["lr"], run["wd"]) for run in baseline["sweep"]] == grid
            best = min(baseline["sweep"], key=lambda run: sum(run["loss"]))
            assert (baseline["lr"], baseline["wd"]) == (best["lr"], best["wd"])
            assert baseline["val_loss"] == pytest.approx(sum(best["loss"]) / 2)
            assert baseline["report"]["seeds"] == stage["seeds"]["report"]
        seed = stage["baselines"]["seed"]
        assert seed["status"] == "ok" and seed["test_loss"] < 0.5 and seed["lr"] == 1.0
        assert 0.8 < seed["test_accuracy"] <= 1.0


def test_table_prints_and_reprints_from_the_store(funnel):
    run_dir, _, result, _, _ = funnel
    table = render_table(result)
    ids = ids_of(run_dir)
    assert "cancer_mlp/1" in table and "cancer_mlp/10" in table
    rows = {line.split()[0]: line for line in table.splitlines() if line.startswith(("#", "A"))}
    assert rows[f"#{ids[BAD]}"].endswith("1 cancer_mlp/1")
    assert "diverged" in rows[f"#{ids[BAD]}"]
    assert rows[f"#{ids[SIGN]}"].endswith("2 cancer_mlp/10")
    assert "@0.0001 wd 0" in rows["AdamW"] or "@1e-05 wd 0" in rows["AdamW"]
    assert render_table(load_funnel(run_dir)) == table


def test_the_funnel_shows_progress_within_a_stage(funnel):
    *_, first = funnel
    assert first[0].startswith("stage 1 cancer_mlp/1: 5 program(s)")
    progress = [line for line in first if line.startswith("  [")]
    assert [line.split("]")[0] for line in progress] == [f"  [{k}/8" for k in range(1, 9)]
    assert [line.split()[1] for line in progress[:3]] == ["AdamW:", "Lion:", "seed:"]


def test_a_finished_funnel_is_reprinted_without_training(funnel):
    run_dir, _, result, _, _ = funnel
    config = run_dir.parent / "funnel.yaml"
    lines: list[str] = []
    again = run_funnel(run_dir, config, lines.append)
    assert again.reused == 2 and len(lines) == 1
    assert render_table(again) == render_table(result)


def test_nothing_beats_a_well_tuned_adamw(tmp_path):
    run_dir = make_run(tmp_path / "run", [PROGRAMS[2], PROGRAMS[4]])  # SGD, bad
    config = tmp_path / "funnel.yaml"
    baselines = {"adamw_lrs": [1.0e-3, 1.0e-2], "lion_lrs": [1.0e-4, 1.0e-3], "widen": 0,
                 "adamw_weight_decays": [0.0, 0.01], "lion_weight_decays": [0.1]}  # fmt: skip
    config.write_text(yaml.safe_dump({"stages": STAGES, "baselines": baselines, **FAST}))
    result = run_funnel(run_dir, config, lambda line: None)
    assert len(result.stages) == 1 and result.finished and result.survivors == []
    assert result.stages[0]["baselines"]["adamw"]["test_accuracy"] > 0.95
    table = render_table(result)
    assert table.endswith("no program beat AdamW at stage 1; the 1 later stage(s) did not run")


def test_re_evaluated_programs_enter_first_best_mean_first(tmp_path):
    """A program lucky on the search seed (highest single fitness) ranks by its mean once the run
    re-evaluated it; re-evaluated programs come before those trained on one seed only."""
    from symopt.funnel import distinct_top

    run_dir = make_run(tmp_path / "run")
    ids = ids_of(run_dir)
    adamw, momentum, sgd = (ids[text] for text, _ in PROGRAMS[:3])
    with RunStore.open(run_dir) as store:
        for record_id, mean in ((adamw, 0.90), (sgd, 0.95)):  # sgd's mean beats adamw's
            store.add_event("reevaluation", store.count(), {"id": record_id, "mean": mean})
        assert [r.id for r in distinct_top(store, 2)] == [sgd, adamw]
        assert [r.id for r in distinct_top(store, 4)] == [sgd, adamw, momentum, ids[BAD]]
