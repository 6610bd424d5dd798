"""What each ``symopt`` command does, given its parsed arguments (``symopt.cli`` parses them).

A mistake in the user's input raises ``SymoptError``; ``symopt.cli.main`` prints it as one line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from symopt.errors import SymoptError


def load_program(spec: str):
    """The program named on the command line: a file holding program text, or ``RUN_DIR#ID`` /
    ``RUN_DIR#best`` (a stored evaluation of a run; ``best``: the highest search fitness) /
    ``RUN_DIR#meta`` (the program with the best meta-validation fitness)."""
    from symopt.dsl import parse, read_program

    run_dir, sep, which = spec.rpartition("#")
    if not sep or not Path(run_dir).is_dir():
        return read_program(spec)
    from symopt.store import RunStore

    with RunStore.open_readonly(Path(run_dir)) as store:
        if which == "best":
            top = store.top(1)
            if not top:
                raise SymoptError(f"{run_dir}: the run has no successful evaluation yet")
            record = top[0]
        elif which == "meta":
            from symopt.meta import best_check

            best = best_check([event.payload for event in store.events("meta_validation")])
            if best is None:
                raise SymoptError(f"{run_dir}: the run has no meta-validation check yet")
            record = store.get(best["best_id"])
        elif which.isdigit():
            record = store.get(int(which))
        else:
            raise SymoptError(
                f"{spec}: expected RUN_DIR#ID (a number), RUN_DIR#best or RUN_DIR#meta"
            )
    return parse(record.program, source=f"{run_dir}#{record.id}")


def _positive_int(option: str, text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise SymoptError(f"{option} expects a positive whole number or auto; got {text!r}")
    return int(text)


def _program_title(spec: str) -> str:
    run_dir, sep, which = spec.rpartition("#")
    if sep and Path(run_dir).is_dir():
        return f"{Path(run_dir).name}_{which}"
    return Path(spec).stem or "program"


def cmd_export(args: argparse.Namespace) -> int:
    from symopt.export import provenance_of, selftest_source, to_optax_source, to_torch_source

    program = load_program(args.program)
    title = _program_title(args.program)
    exporter = to_torch_source if args.to == "torch" else to_optax_source
    if args.with_test and not args.output:
        raise SymoptError("--with-test writes test_<module>.py beside the module: give -o FILE.py")
    source = exporter(program, title=title, provenance=provenance_of(args.program, program))
    _write_output(source, args.output)
    if args.with_test:
        module = Path(args.output)
        if not module.stem.isidentifier():
            raise SymoptError(f"{args.output}: --with-test needs a module name that Python imports")
        test = selftest_source(program, args.to, module.stem, title=title)
        _write_output(test, str(module.with_name(f"test_{module.stem}.py")))
    return 0


def _get_task(name: str, size: int, seed: int | None):
    import dataclasses

    import proxy_tasks

    task = proxy_tasks.get_task(name, size)
    return task if seed is None else dataclasses.replace(task, seed=seed)


def cmd_eval(args: argparse.Namespace) -> int:
    import json

    programs = [load_program(spec) for spec in args.programs]  # every parse error before compiling
    task = _get_task(args.task, args.size, args.seed)
    from symopt.execution.evaluator import Evaluator

    evaluator = Evaluator(task)
    width = max(len(spec) for spec in args.programs)
    for spec, program in zip(args.programs, programs, strict=True):
        (result,) = evaluator.evaluate([program])
        if args.json:
            record = {"program": spec, "task": task.name, "size": task.size, "seed": task.seed}
            record |= {k: v for k, v in result.__dict__.items() if k != "losses"}
            print(json.dumps(record), flush=True)
            continue
        line = (
            f"{spec:<{width}}  fitness={result.fitness:.4f}  {task.metric_name}  "
            f"status={result.status}  steps={result.steps}  loss={result.final_loss:.4g}  "
            f"time={result.seconds:.3f}s"
        )
        print(line + (f"  ({result.reason})" if result.reason else ""), flush=True)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    import json

    from symopt.bench import run_bench, summary

    quiet = args.json
    result = run_bench(
        args.task,
        candidates=args.candidates,
        memory_candidates=args.memory_candidates,
        progress=(lambda message: None) if quiet else (lambda m: print(m, file=sys.stderr)),
    )
    print(json.dumps(result.as_dict()) if args.json else summary(result))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from symopt.campaign import Campaign
    from symopt.config import load_config

    config = load_config(args.config)
    if args.out:
        config = config.updated({"out": args.out}, source="--out")
    if args.address:
        backend = {"kind": "ray", "address": args.address}
        config = config.updated({"backend": backend}, source="--address")
    campaign = Campaign(config, resume=args.resume, show_progress=not args.quiet)
    outcome = campaign.run()
    run_dir = outcome.run_dir
    if outcome.interrupted:
        print(
            f"symopt: interrupted after {outcome.trained} trained evaluations; the run is saved in "
            f"{run_dir}. Resume with: symopt search {args.config} --out {run_dir} --resume",
            file=sys.stderr,
        )
        return 130
    best = outcome.best
    print(
        f"{outcome.stop_reason}: {outcome.trained} trained, {outcome.judged} judged in "
        f"{outcome.seconds:.0f}s; run saved in {run_dir}"
    )
    if best is not None:
        print(f"best #{best.id}, fitness {best.fitness:.4f}:\n{best.program.rstrip()}")
    print(f"see: symopt show {run_dir}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    import json

    from symopt.show import render, summarize
    from symopt.store import RunStore

    with RunStore.open_readonly(Path(args.run_dir)) as store:
        summary = summarize(store, args.top)
    print(json.dumps(summary, indent=1) if args.json else render(summary))
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    import json

    from symopt.analysis.report import analyze, render

    report = analyze(load_program(args.program))
    print(json.dumps(report, indent=1) if args.json else render(report))
    return 0


def cmd_simplify(args: argparse.Namespace) -> int:
    from symopt.dsl import to_text
    from symopt.simplify import run_simplify

    program = load_program(args.program)
    if args.task:
        _get_task(args.task, args.size, None)  # an unknown task is one line, before any work
    simplified = run_simplify(
        program,
        exact=args.task is None,
        task=args.task,
        size=args.size,
        tolerance=args.tolerance,
        log=lambda message: print(message, file=sys.stderr),
    )
    _write_output(to_text(simplified), args.output)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from symopt.report import make_report

    out = Path(args.output) if args.output else None
    page = make_report(Path(args.run_dir), out, log=lambda m: print(m, file=sys.stderr))
    print(page)
    return 0


def cmd_funnel(args: argparse.Namespace) -> int:
    from symopt.funnel import render_table, run_funnel

    config = Path(args.config) if args.config else None
    result = run_funnel(Path(args.run_dir), config, log=lambda m: print(m, file=sys.stderr))
    print(render_table(result))
    return 0


def _write_output(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    path = Path(output)
    if not path.parent.is_dir():
        raise SymoptError(f"{output}: the folder {path.parent} does not exist")
    path.write_text(text, encoding="utf-8")
    print(f"wrote {output}", file=sys.stderr)


def _task_spec(text: str) -> tuple[str, int]:
    name, _, size = text.partition("@")
    if size and not size.isdigit():
        raise SymoptError(f"--tasks {text}: expected NAME or NAME@SIZE, e.g. digits_mlp@10")
    return name, int(size or 1)


def cmd_benchmark(args: argparse.Namespace) -> int:
    import json

    from symopt.benchmark import plot, render_table, run_benchmark

    programs = {_program_title(spec): load_program(spec) for spec in args.programs}
    if len(programs) != len(args.programs):
        raise SymoptError("two programs have the same name; give them different file names")
    tasks = [_task_spec(t) for t in args.tasks] if args.tasks else None
    workers = args.workers if args.workers == "auto" else _positive_int("--workers", args.workers)
    result = run_benchmark(
        programs,
        tasks,
        args.seeds,
        args.lr_factors,
        log=lambda m: print(m, file=sys.stderr, flush=True),
        extend=args.widen,
        backend=args.backend,
        workers=workers,
        address=args.address,
    )
    if args.plot:
        plot(result, Path(args.plot))
    print(json.dumps(result.as_dict()) if args.json else render_table(result))
    return 0
