"""Meta-validation: the curve is stored and shown, and the stop rule counts checks."""

import json

from symopt.cli import main
from symopt.config.sections import MetaValidationSettings, TaskSettings
from symopt.meta import MetaValidator
from tests.search.test_campaign import write_config


def test_the_stop_rule_counts_checks_without_a_new_best():
    settings = MetaValidationSettings(task=TaskSettings(name="cancer_mlp"), every=5, patience=2)
    meta = MetaValidator(settings)
    assert meta.due(5, best_id=1) and not meta.due(4, best_id=1)
    for trained, best_id, fitness, exhausted in [
        (5, 1, 0.9, False), (10, 2, 0.95, False), (15, 3, 0.93, False), (20, 4, 0.94, True),
    ]:  # fmt: skip
        meta.replay({"trained": trained, "best_id": best_id, "meta_fitness": fitness})
        assert meta.exhausted == exhausted
    assert not meta.due(30, best_id=4)  # the best has not changed since the last check


def test_a_search_stores_and_shows_its_meta_validation_curve(tmp_path, capsys):
    out = tmp_path / "run"
    meta = {"task": {"name": "cancer_mlp", "size": 1}, "every": 10}
    # without re-evaluation the search fitness is the single-seed one the meta check repeats
    config = write_config(tmp_path, meta_validation=meta, reevaluation={"seeds": 0})
    assert main(["search", config, "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["show", str(out), "--json"]) == 0
    curve = json.loads(capsys.readouterr().out)["meta_validation"]
    assert curve and curve[0]["task"] == "cancer_mlp@1"
    assert all(0.0 <= point["meta_fitness"] <= 1.0 for point in curve)
    # same task and size as the search: the meta fitness is the search fitness
    assert abs(curve[0]["meta_fitness"] - curve[0]["search_fitness"]) < 1e-6
    assert main(["show", str(out)]) == 0
    assert "meta-validation on cancer_mlp@1" in capsys.readouterr().out
