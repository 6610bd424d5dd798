"""Fixtures for the run store: a fresh run directory and an open store in it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from symopt.store import EvaluationRecord, RunStore

CONFIG = "search:\n  population: 100  # résumé of the run\n"


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return tmp_path / "runs" / "demo"


@pytest.fixture
def store(run_dir: Path) -> Iterator[RunStore]:
    with RunStore.create(run_dir, CONFIG, "hash-1") as s:
        yield s


@pytest.fixture
def make_record():
    """``make_record(n, **fields)``: a record whose program text is unique to ``n``."""

    def make(n: int = 0, **fields) -> EvaluationRecord:
        fields.setdefault("fitness", float(n))
        fields.setdefault("status", "ok")
        fields.setdefault("origin", "modify")
        return EvaluationRecord(program=f"def train(w, g, lr):\n    return g  # {n}\n", **fields)

    return make
