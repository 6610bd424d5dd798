"""``symopt report``: plots and a one-page summary of a run.

>>> page = make_report(Path("runs/quick"), log=print)   # runs/quick/report/index.html

The report folder holds one PNG per figure (matplotlib, Agg canvas: no display needed) and
``index.html``, which opens from disk with no network (no scripts, no external links):

1. ``fitness.png``: best fitness so far and the rolling median of recent results, restarts marked;
2. ``meta_validation.png``: the best program's search fitness above its meta-validation fitness;
3. ``rates.png``: cache hits, invalid mutants, probe rejections, hurdle stops, diverged and
   non-finite runs, as rolling shares in percent;
4. ``funnel.png``: the latest funnel's programs per stage against AdamW, Lion and the seed;
5. ``lineage.png``: fitness along the chain from the seed to the best program (the page diffs
   every step against its parent).

A run with a single evaluation, no success, no restart, no meta-validation or no funnel still
gets every figure; an empty one says why it is empty.
"""

from symopt.report.build import FIGURES, PAGE, make_report

__all__ = ["FIGURES", "PAGE", "make_report"]
