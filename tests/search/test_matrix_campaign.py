"""configs/matrix.yaml: the matrix space's campaign starts, judges with matrix blocks and
finishes (a tiny budget, locally, instead of its 50 minutes on Ray)."""

from pathlib import Path

import pytest
import yaml

from symopt.analysis.probes import Probe
from symopt.cli import main
from symopt.stats import NOT_TRAINED
from symopt.store import RunStore

CONFIG = Path(__file__).parents[2] / "configs" / "matrix.yaml"


@pytest.mark.slow
def test_the_matrix_campaign_runs_a_tiny_budget(tmp_path, capsys):
    data = yaml.safe_load(CONFIG.read_text())
    data.update(population=4, tournament=2, budget={"max_evaluations": 12})
    data.update(backend={"kind": "local", "workers": 1})
    del data["meta_validation"], data["hurdle"]
    path = tmp_path / "matrix.yaml"
    path.write_text(yaml.safe_dump(data))
    out = tmp_path / "run"
    assert main(["search", str(path), "--out", str(out), "--quiet"]) == 0
    assert "best #" in capsys.readouterr().out
    with RunStore.open_readonly(out) as store:
        records = list(store.iter_evaluations())
    seed = next(r for r in records if r.origin == "seed")
    assert "orthogonalize" in seed.program and seed.status not in NOT_TRAINED
    assert sum(r.status not in NOT_TRAINED for r in records) == 12
    (probe_file,) = (out / "probes").glob("*.npz")
    assert Probe.load(probe_file).blocks is not None
