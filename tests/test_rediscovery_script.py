"""scripts/rediscovery.py end to end on the smoke campaign (two searches of 20 trained programs)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from symopt.analysis.family import LABELS
from symopt.dsl import parse

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def test_two_small_searches_are_simplified_and_classified(tmp_path):
    out = tmp_path / "study"
    command = [sys.executable, str(ROOT / "scripts" / "rediscovery.py"), "--runs", "2",
               "--evaluations", "20", "--config", str(ROOT / "configs" / "smoke.yaml"),
               "--out", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = json.loads((out / "summary.json").read_text())
    assert [row["seed"] for row in rows] == [0, 1]
    for row in rows:
        assert row["family"] in LABELS and row["evaluations"] > 1
        assert row["statements_after"] <= row["statements_before"]
        parse(row["before"]), parse(row["after"])
    summary = (out / "summary.md").read_text()
    assert "found by" in summary and summary.count("After `symopt simplify`") == 2
    assert "reusing" not in done.stderr
    again = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert again.returncode == 0 and again.stderr.count("reusing") == 2  # finished runs kept
