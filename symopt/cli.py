"""The ``symopt`` command line: argument parsing and user-facing messages only.

A mistake in the user's input is one line on stderr and exit status 2, never a traceback: bad
arguments included (argparse's usage block is replaced by a pointer to ``--help``), and every
number is checked for its range here, before any work starts.
"""

from __future__ import annotations

import argparse
import math
import os
import sys

from symopt import __version__, commands
from symopt.errors import SymoptError

EXIT_USER_ERROR = 2
MAX_SEED = 2**32 - 1
MAX_SIMPLIFY_SEEDS = 1000  # the tuning range's size: more would reach the report seeds
PROGRAM_HELP = "a file holding program text, or RUN_DIR#ID, RUN_DIR#best or RUN_DIR#meta"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line naming the command (subcommands inherit it)."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message} (see: {self.prog} --help)\n")


def whole(low: int, high: int | None = None):
    """An argparse type: a whole number in ``[low, high]`` (no upper bound if ``high`` is None)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            wanted = f">= {low}" if high is None else f"from {low} to {high}"
            raise argparse.ArgumentTypeError(f"expected a whole number {wanted}; got {text!r}")
        return value

    return parse


def non_negative_float(text: str) -> float:
    """An argparse type: a finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0; got {text!r}")
    return value


USER_TASK_HELP = (
    "or your own task as MODULE:NAME, a builder NAME(size) -> proxy_tasks.Task in MODULE (a .py "
    "file relative to the current folder, or a module name), e.g. configs/my_task.py:build"
)


class _TaskOption(argparse.Action):
    """``--task NAME`` or ``--task MODULE:NAME``; its help lists the registered tasks, looked up
    only when help is shown (the registry imports jax, which would slow every command down)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        setattr(namespace, self.dest, values)

    @property
    def help(self) -> str:
        from proxy_tasks import task_names

        return f"{self._help}: {', '.join(task_names())}; {USER_TASK_HELP}"

    @help.setter
    def help(self, text: str) -> None:
        self._help = text


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="symopt",
        description="Discover neural-network optimizers by evolutionary program search.",
    )
    parser.add_argument("--version", action="version", version=f"symopt {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    search = sub.add_parser(
        "search",
        help="run an evolutionary search campaign",
        description="Run the campaign in CONFIG (YAML) and store every evaluation in its run dir.",
    )
    search.add_argument("config", metavar="CONFIG.yaml")
    search.add_argument("--out", metavar="DIR", help="run directory (default: runs/<name>)")
    search.add_argument("--address", metavar="RAY_ADDRESS", help="join this Ray cluster")
    search.add_argument("--resume", action="store_true", help="continue the run in the run dir")
    search.add_argument("--quiet", action="store_true", help="no progress line")
    search.set_defaults(func=commands.cmd_search)

    show = sub.add_parser(
        "show",
        help="best programs, fitness, lineage and counts of a run",
        description="Summarize a run directory (safe while its search is running).",
    )
    show.add_argument("run_dir", metavar="RUN_DIR")
    show.add_argument(
        "--top", type=whole(1), default=5, metavar="K", help="how many best programs (default 5)"
    )
    show.add_argument("--json", action="store_true", help="print one JSON object")
    show.set_defaults(func=commands.cmd_show)

    simplify = sub.add_parser(
        "simplify",
        help="shorten a program: exact rewrites, then (with --task) ablation",
        description="Print PROGRAM simplified; each step taken goes to stderr with its reason. "
        "With --task, statements are then dropped and constants rounded while the validation "
        "loss holds: each change is trained on the first --seeds tuning seeds (1000, 1001, ...; "
        "never the search's seeds nor the report seeds) at the program's best lr factor (a "
        "widening sweep from --lr-factors, on validation), and kept when its mean loss is at "
        "most the program's plus --noise-factor standard errors of the program's mean over "
        "those seeds. The output keeps the program's own lr scale; the best factor is logged.",
    )
    simplify.add_argument("program", metavar="PROGRAM", help=PROGRAM_HELP)
    mode = simplify.add_mutually_exclusive_group()
    mode.add_argument("--exact", action="store_true", help="exact rewrites only (the default)")
    mode.add_argument(
        "--task", action=_TaskOption, help="then ablate while validation loss on this task holds"
    )
    simplify.add_argument("--size", type=int, default=1, help="size of --task: 1, 10 or 100")
    simplify.add_argument(
        "--seeds", type=whole(2, MAX_SIMPLIFY_SEEDS), default=2, metavar="N",
        help="tuning seeds each change is trained on (at least 2; default 2)",
    )  # fmt: skip
    simplify.add_argument(
        "--noise-factor", type=non_negative_float, default=1.0, metavar="K",
        help="loss a change may add, in standard errors of the program's mean (default 1)",
    )  # fmt: skip
    simplify.add_argument(
        "--lr-factors", nargs="+", type=float, metavar="F",
        help="first factors of the program's lr swept on validation (default 0.3 1 3)",
    )  # fmt: skip
    simplify.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    simplify.set_defaults(func=commands.cmd_simplify)

    funnel = sub.add_parser(
        "funnel",
        help="take a run's top programs through growing tasks against tuned baselines",
        description="Train the top K programs of RUN_DIR on stages of growing cost; a program "
        "goes on while it beats AdamW at its best learning rate.",
    )
    funnel.add_argument("run_dir", metavar="RUN_DIR")
    funnel.add_argument(
        "--config", metavar="FUNNEL.yaml",
        help="stages, top K, baseline sweeps; a stage may be your own task, e.g. {task: build, "
        "module: my_task.py, size: 10} (module relative to FUNNEL.yaml); default stages: the "
        "run's first task (your own included) at sizes 10 and 100",
    )  # fmt: skip
    funnel.set_defaults(func=commands.cmd_funnel)

    report = sub.add_parser(
        "report",
        help="figures and an HTML page summarizing a run",
        description="Write PNG figures and index.html for RUN_DIR (default: RUN_DIR/report).",
    )
    report.add_argument("run_dir", metavar="RUN_DIR")
    report.add_argument("-o", "--output", metavar="DIR", help="folder for the figures and page")
    report.set_defaults(func=commands.cmd_report)

    export = sub.add_parser(
        "export",
        help="write a program as a standalone optimizer module",
        description="Write PROGRAM as a standalone optax module (optimizer(learning_rate)) or a "
        "PyTorch module (a torch.optim.Optimizer subclass).",
    )
    export.add_argument("program", metavar="PROGRAM", help=PROGRAM_HELP)
    export.add_argument("--to", choices=["optax", "torch"], default="optax", help="framework")
    export.add_argument(
        "--with-test",
        action="store_true",
        help="also write test_<module>.py checking the module against symopt's reference",
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    export.set_defaults(func=commands.cmd_export)

    evaluate = sub.add_parser(
        "eval",
        help="train programs on a proxy task and print their fitness",
        description="Train each PROGRAM on one proxy task (one process, one compilation).",
    )
    evaluate.add_argument("programs", nargs="+", metavar="PROGRAM", help=PROGRAM_HELP)
    evaluate.add_argument("--task", required=True, action=_TaskOption, help="proxy task")
    evaluate.add_argument("--size", type=int, default=1, help="task size: 1, 10 or 100")
    evaluate.add_argument(
        "--seed",
        type=whole(0, MAX_SEED),
        help=f"initialisation and batch-order seed (0 to {MAX_SEED})",
    )
    evaluate.add_argument("--json", action="store_true", help="one JSON object per program")
    evaluate.set_defaults(func=commands.cmd_eval)

    analyze = sub.add_parser(
        "analyze",
        help="kinds, dead code, live state slots, structural hash and fingerprint of a program",
        description="Abstract execution of PROGRAM: everything symopt knows without training.",
    )
    analyze.add_argument("program", metavar="PROGRAM", help=PROGRAM_HELP)
    analyze.add_argument(
        "--task",
        action=_TaskOption,
        help="judge on probes recorded from this proxy task (default: a RUN_DIR#ID's own "
        "probes, else the synthetic probe)",
    )
    analyze.add_argument("--size", type=int, default=1, help="task size: 1, 10 or 100")
    analyze.add_argument("--json", action="store_true", help="print one JSON object")
    analyze.set_defaults(func=commands.cmd_analyze)

    benchmark = sub.add_parser(
        "benchmark",
        help="programs vs tuned optax baselines: chosen on validation, reported on test",
        description="Tune each PROGRAM (a factor on its own lr and a decoupled weight decay added "
        "to it) and each baseline (lr and weight decay) on validation over tuning seeds, then "
        "report test loss over other seeds.",
    )
    benchmark.add_argument("programs", nargs="+", metavar="PROGRAM", help=PROGRAM_HELP)
    chosen = benchmark.add_mutually_exclusive_group()
    chosen.add_argument(
        "--tasks",
        nargs="+",
        metavar="TASK@SIZE",
        help="registered NAME@SIZE (e.g. digits_mlp@10) or your own MODULE:NAME@SIZE (e.g. "
        "configs/my_task.py:build@1; MODULE a .py file relative to the current folder, or a "
        "module name); default: every family at sizes 1, 10",
    )
    chosen.add_argument(
        "--suite", choices=("default", "heldout"), default="default",
        help="default: every family at sizes 1, 10; heldout: the five tasks no campaign trains on",
    )  # fmt: skip
    benchmark.add_argument("--seeds", type=int, default=3, help="tuning and report seeds each")
    benchmark.add_argument(
        "--baselines", nargs="+", metavar="NAME", help="default: all (AdamW always runs)"
    )
    benchmark.add_argument(
        "--lr-factors", nargs="+", type=float, metavar="F",
        help="first factors of each program's lr (default 0.03 0.1 0.3 1 3 10 30)",
    )  # fmt: skip
    benchmark.add_argument(
        "--program-weight-decays", nargs="+", type=float, metavar="RATE",
        help="decoupled weight decay added to each program, lr * RATE * w, tuned with its lr "
        "(default 0 1e-5 1e-4: AdamW's 0, 0.01, 0.1 for a program stepping 1e-3 * lr; 0: lr only)",
    )  # fmt: skip
    benchmark.add_argument(
        "--widen", type=int, default=8, metavar="N",
        help="lrs a sweep may add per side while its best is at an edge (default 8; 0: none)",
    )  # fmt: skip
    benchmark.add_argument(
        "--backend", choices=("ray", "local"), default="ray",
        help="ray (default; a local instance unless --address) or local (this process)",
    )  # fmt: skip
    benchmark.add_argument("--workers", default="auto", help="Ray workers (default: one per CPU)")
    benchmark.add_argument("--address", metavar="RAY_ADDRESS", help="join this Ray cluster")
    benchmark.add_argument("--plot", metavar="FILE.png", help="also draw mean ± std per task")
    benchmark.add_argument("--json", action="store_true", help="print one JSON object")
    benchmark.set_defaults(func=commands.cmd_benchmark)

    bench = sub.add_parser(
        "bench",
        help="measure evaluator throughput",
        description="Native optax vs the interpreter vs per-program jit, and memory over a stream.",
    )
    bench.add_argument("--task", default="digits_mlp", action=_TaskOption, help="proxy task")
    bench.add_argument(
        "--candidates", type=whole(1), default=50, help="stream length for (b) (default 50)"
    )
    bench.add_argument(
        "--memory-candidates", type=whole(1), default=1000,
        help="stream length for the memory check, at least --candidates (default 1000)",
    )  # fmt: skip
    bench.add_argument(
        "--ops", nargs="*", metavar="OP",
        help="instead: the interpreter's cost per statement of each OP (default: mul, norm, rms "
        "and the matrix ops)",
    )  # fmt: skip
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.set_defaults(func=commands.cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except SymoptError as err:
        return _user_error(str(err))
    except BrokenPipeError:  # ``symopt show RUN | head``: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as err:
        if err.filename is None:
            raise
        return _user_error(f"cannot use {err.filename}: {err.strerror or err}")
    except Exception as err:
        from proxy_tasks import TaskError

        if not isinstance(err, TaskError):
            raise
        return _user_error(str(err))
    except KeyboardInterrupt:
        print("symopt: interrupted", file=sys.stderr)
        return 130


def _user_error(message: str) -> int:
    print(f"symopt: error: {message}", file=sys.stderr)
    return EXIT_USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
