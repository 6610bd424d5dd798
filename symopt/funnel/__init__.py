"""The funnel: a run's best programs through tasks of growing cost, against the baselines.

>>> result = run_funnel(Path("runs/quick"), Path("configs/funnel.yaml"), log=print)
>>> print(render_table(result))

At every stage the surviving programs, the run's seed program and AdamW and Lion (each at the
best peak lr of a sweep) train on the stage's task; a program goes on only while its fitness is
strictly higher than AdamW's (DESIGN.md section 5; the paper's 10x and 100x proxy checks). Each
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
