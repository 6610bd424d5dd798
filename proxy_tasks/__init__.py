"""Small JAX proxy tasks that score candidate optimizers (vision, language and tabular).

Example::

    task = proxy_tasks.get_task("digits_mlp", size=1)
    adamw = optax.adamw(task.lr_schedule(1e-3), weight_decay=0.01)
    proxy_tasks.train_optax(task, adamw)["fitness"]  # the validation accuracy

Every task has train, validation and test splits; a search reads validation only
(``task.val_data()``), the benchmark and the funnel report test (``task.scoring("test")``).

See ``proxy_tasks/README.md`` for the tasks, their sizes and the contract an evaluator relies on.
"""

from proxy_tasks.base import SIZES, Task
from proxy_tasks.errors import TaskError
from proxy_tasks.registry import get_task, report_seeds, task_names, tuning_seeds
from proxy_tasks.train import (
    Trainer,
    TrainOutcome,
    make_optax_trainer,
    optax_update,
    peak_trainer,
    train_loop,
    train_optax,
)

__all__ = [
    "SIZES",
    "Task",
    "TaskError",
    "TrainOutcome",
    "Trainer",
    "get_task",
    "make_optax_trainer",
    "optax_update",
    "peak_trainer",
    "report_seeds",
    "task_names",
    "train_loop",
    "train_optax",
    "tuning_seeds",
]
