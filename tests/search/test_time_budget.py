"""``budget.max_seconds`` is the run's, over every session: ``--resume`` continues the clock."""

from symopt.campaign import SEARCH_SECONDS
from symopt.cli import main
from symopt.store import RunStore
from tests.search.test_campaign import write_config


def test_a_resumed_search_gets_what_is_left_of_the_time_budget(tmp_path, capsys):
    out = tmp_path / "run"
    first = write_config(tmp_path, "first.yaml", budget={"max_evaluations": 12})
    assert main(["search", first, "--out", str(out), "--quiet"]) == 0
    with RunStore.open(out) as store:
        assert float(store.get_meta(SEARCH_SECONDS)) > 0  # the first session's time is stored
        stored = store.count()
        # as if the run had already searched for a day
        store.set_meta(SEARCH_SECONDS, repr(86400.0))
    capsys.readouterr()
    budget = {"max_evaluations": 1000, "max_seconds": 3600}
    more = write_config(tmp_path, "more.yaml", budget=budget)
    assert main(["search", more, "--out", str(out), "--resume", "--quiet"]) == 0
    assert capsys.readouterr().out.startswith("time budget reached")
    with RunStore.open_readonly(out) as store:
        assert store.count() == stored  # nothing more was trained
        assert float(store.get_meta(SEARCH_SECONDS)) >= 86400.0


def test_progress_line_before_any_result_and_with_a_time_budget(monkeypatch):
    from symopt import progress
    from symopt.progress import ProgressReporter, clock
    from symopt.stats import Stats

    monkeypatch.setattr(progress.time, "monotonic", lambda: 1000.0)  # a clock that stands still
    reporter = ProgressReporter(None, every=0.0, max_seconds=3600)
    reporter.start(0, elapsed=600.0)
    reporter.update(Stats(), best=float("nan"), median=float("nan"), restarts=0)
    assert "nan" not in reporter.line and "best -  median -" in reporter.line
    assert "10m00s" in reporter.line and "50m00s left" in reporter.line
    assert [clock(s) for s in (5, 65, 3725)] == ["5s", "1m05s", "1h02m"]
