"""The lineage line of ``symopt show``: only where fitness changed, long chains elided."""

from symopt.show import _lineage_lines


def entry(i, fitness, origin="modify"):
    return {"id": i, "origin": origin, "fitness": fitness}


def test_only_changes_and_the_seed_are_shown():
    lineage = [entry(9, 0.9), entry(8, 0.9), entry(7, 0.8), entry(6, 0.8), entry(1, 0.5, "seed")]
    head, chain = _lineage_lines(lineage)
    assert "5 programs" in head
    assert chain.split(" <- ") == ["  #9 modify 0.9000", "#7 modify 0.8000", "#1 seed 0.5000"]


def test_a_long_chain_is_elided_in_the_middle():
    lineage = [entry(100 - i, 1.0 - i / 100) for i in range(40)] + [entry(1, None, "seed")]
    _, chain = _lineage_lines(lineage, shown=6)
    steps = chain.strip().split(" <- ")
    assert len(steps) == 6 and steps[0] == "#100 modify 1.0000" and steps[-1] == "#1 seed"
    assert steps[3] == "... 36 more ..."
