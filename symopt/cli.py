"""The ``symopt`` command line: argument parsing and user-facing messages only.

A mistake in the user's input is one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from symopt import commands
from symopt.errors import SymoptError

EXIT_USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symopt",
        description="Discover neural-network optimizers by evolutionary program search.",
    )
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
    show.add_argument("--top", type=int, default=5, metavar="K")
    show.add_argument("--json", action="store_true", help="print one JSON object")
    show.set_defaults(func=commands.cmd_show)

    simplify = sub.add_parser(
        "simplify",
        help="shorten a program: exact rewrites, then (with --task) ablation",
        description="Print PROGRAM simplified; each step taken goes to stderr with its reason.",
    )
    simplify.add_argument("program", metavar="PROGRAM")
    mode = simplify.add_mutually_exclusive_group()
    mode.add_argument("--exact", action="store_true", help="exact rewrites only (the default)")
    mode.add_argument("--task", help="then ablate while fitness on this proxy task holds")
    simplify.add_argument("--size", type=int, default=1, help="size of --task: 1, 10 or 100")
    simplify.add_argument(
        "--tolerance", type=float, default=0.002, help="fitness an ablation may lose (absolute)"
    )
    simplify.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    simplify.set_defaults(func=commands.cmd_simplify)

    funnel = sub.add_parser(
        "funnel",
        help="take a run's top programs through growing tasks against tuned baselines",
        description="Train the top K programs of RUN_DIR on stages of growing cost; a program "
        "goes on while it beats AdamW at its best learning rate.",
    )
    funnel.add_argument("run_dir", metavar="RUN_DIR")
    funnel.add_argument("--config", metavar="FUNNEL.yaml", help="stages, top K, baseline sweeps")
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
    export.add_argument("program", metavar="PROGRAM", help="a file holding program text")
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
    evaluate.add_argument("programs", nargs="+", metavar="PROGRAM")
    evaluate.add_argument("--task", required=True, help="proxy task name, e.g. digits_mlp")
    evaluate.add_argument("--size", type=int, default=1, help="task size: 1, 10 or 100")
    evaluate.add_argument("--seed", type=int, help="initialisation and batch-order seed")
    evaluate.add_argument("--json", action="store_true", help="one JSON object per program")
    evaluate.set_defaults(func=commands.cmd_eval)

    analyze = sub.add_parser(
        "analyze",
        help="kinds, dead code, live state slots, structural hash and fingerprint of a program",
        description="Abstract execution of PROGRAM: everything symopt knows without training.",
    )
    analyze.add_argument("program", metavar="PROGRAM")
    analyze.add_argument("--json", action="store_true", help="print one JSON object")
    analyze.set_defaults(func=commands.cmd_analyze)

    benchmark = sub.add_parser(
        "benchmark",
        help="programs vs tuned optax baselines: chosen on validation, reported on test",
        description="Tune each PROGRAM (a factor on its own lr) and each baseline (lr and weight "
        "decay) on validation over tuning seeds, then report test loss over other seeds.",
    )
    benchmark.add_argument("programs", nargs="+", metavar="PROGRAM")
    benchmark.add_argument(
        "--tasks", nargs="+", metavar="NAME@SIZE", help="default: every family at sizes 1, 10"
    )
    benchmark.add_argument("--seeds", type=int, default=3, help="tuning and report seeds each")
    benchmark.add_argument(
        "--baselines", nargs="+", metavar="NAME", help="default: all (AdamW always runs)"
    )
    benchmark.add_argument(
        "--lr-factors", nargs="+", type=float, metavar="F",
        help="first factors of each program's lr (default 0.03 0.1 0.3 1 3 10 30)",
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
    bench.add_argument("--task", default="digits_mlp")
    bench.add_argument("--candidates", type=int, default=50, help="stream length for (b)")
    bench.add_argument("--memory-candidates", type=int, default=1000)
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.set_defaults(func=commands.cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except SymoptError as err:
        print(f"symopt: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except Exception as err:
        from proxy_tasks import TaskError

        if not isinstance(err, TaskError):
            raise
        print(f"symopt: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("symopt: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
