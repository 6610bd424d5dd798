"""``make_report``: the figures and the page of one run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from symopt.errors import SymoptError
from symopt.report.data import load_run
from symopt.report.fitness import fitness_figure
from symopt.report.funnel import funnel_figure
from symopt.report.lineage import lineage_figure
from symopt.report.meta import meta_figure
from symopt.report.page import render_page
from symopt.report.rates import rates_figure
from symopt.store.files import write_atomically

# section title -> (PNG file name, figure function)
FIGURES = {
    "Search fitness": ("fitness.png", fitness_figure),
    "Meta-validation": ("meta_validation.png", meta_figure),
    "Cache hits, invalid mutants and failures": ("rates.png", rates_figure),
    "Funnel against the baselines": ("funnel.png", funnel_figure),
    "Lineage of the best program": ("lineage.png", lineage_figure),
}
PAGE = "index.html"


def make_report(
    run_dir: Path, out_dir: Path | None = None, log: Callable[[str], None] = lambda _: None
) -> Path:
    """Write the report of the run at ``run_dir`` into ``out_dir`` (default ``run_dir/report``):
    one PNG per figure and ``index.html``, which shows them with the counts, the top programs,
    the lineage diffs and the config. Returns the path of ``index.html``.

    The run is only read (a search may still be writing it). Raises ``SymoptError`` when
    ``run_dir`` is not a run or ``out_dir`` cannot be written.
    """
    run_dir = Path(run_dir)
    out_dir = Path(out_dir) if out_dir is not None else run_dir / "report"
    data = load_run(run_dir)
    log(f"read {data.judged} candidates from {run_dir}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for title, (file, figure) in FIGURES.items():
            figure(data, out_dir / file)
            log(f"  {title}: {out_dir / file}")
        page = out_dir / PAGE
        files = {title: file for title, (file, _) in FIGURES.items()}
        write_atomically(page, render_page(data, files))
    except OSError as err:  # a read-only folder, a full disk: the run itself is only read
        reason = err.strerror or err
        raise SymoptError(f"cannot write the report into {out_dir}: {reason}") from None
    log(f"report: {page}")
    return page
