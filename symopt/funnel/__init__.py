"""The funnel: a run's best programs through tasks of growing cost, against the baselines.

>>> result = run_funnel(Path("runs/quick"), Path("configs/funnel.yaml"), log=print)
>>> print(render_table(result))

At every stage the surviving programs, the run's seed program and AdamW and Lion are tuned on the
stage's task (a few factors on a program's own lr; lr and weight decay for a baseline) by mean
validation loss over ``seeds`` tuning seeds, and the chosen setting is reported as test loss over
as many report seeds. A program goes on only while its validation loss is strictly below AdamW's
(DESIGN.md section 5; the paper's 10x and 100x proxy checks). Each
completed stage is stored in the run as a ``"funnel"`` event; :func:`load_funnel` reads the
latest funnel back, and :func:`render_table` prints it.
"""

from symopt.funnel.config import (
    BaselineSettings,
    FunnelConfig,
    StageSettings,
    funnel_config_from_dict,
    load_funnel_config,
)
from symopt.funnel.result import EVENT_KIND, FunnelResult, load_funnel, render_table
from symopt.funnel.run import distinct_top, run_funnel

__all__ = [
    "EVENT_KIND",
    "BaselineSettings",
    "FunnelConfig",
    "FunnelResult",
    "StageSettings",
    "distinct_top",
    "funnel_config_from_dict",
    "load_funnel",
    "load_funnel_config",
    "render_table",
    "run_funnel",
]
