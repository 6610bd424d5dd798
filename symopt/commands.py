"""What each ``symopt`` command does, given its parsed arguments (``symopt.cli`` parses them).

A mistake in the user's input raises ``SymoptError``; ``symopt.cli.main`` prints it as one line.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from contextlib import suppress
from pathlib import Path

from symopt.errors import SymoptError


def load_program(spec: str):
    """The program named on the command line: a file holding program text, or ``RUN_DIR#ID`` /
    ``RUN_DIR#best`` (a stored evaluation of a run; ``best``: the run's best, re-evaluated on
    several task seeds when the campaign does that, else the highest search fitness) /
    ``RUN_DIR#meta`` (the program with the best meta-validation fitness)."""
    from symopt.dsl import parse, read_program

    run_dir, sep, which = spec.rpartition("#")
    if not sep or not Path(run_dir).is_dir():
        return read_program(spec)
    from symopt.store import RunStore

    with RunStore.open_readonly(Path(run_dir)) as store:
        if which == "best":
            from symopt.elites import best_reevaluation

            elite = best_reevaluation([event.payload for event in store.events("reevaluation")])
            top = [store.get(elite["id"])] if elite else store.top(1)
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


def strict_json(value, indent: int | None = None) -> str:
    """``value`` as standard JSON: NaN and +-inf (which strict parsers reject) become ``null``;
    the record's status says why a number is missing."""
    return json.dumps(_finite_or_none(value), indent=indent, allow_nan=False)


def _finite_or_none(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite_or_none(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_none(item) for item in value]
    return value


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
    module = Path(args.output or "")
    if args.with_test and not module.stem.isidentifier():  # checked before anything is written
        raise SymoptError(f"{args.output}: --with-test needs a module name that Python imports")
    source = exporter(program, title=title, provenance=provenance_of(args.program, program))
    _write_output(source, args.output)
    if args.with_test:
        test = selftest_source(program, args.to, module.stem, title=title)
        _write_output(test, str(module.with_name(f"test_{module.stem}.py")))
    return 0


def task_reference(text: str) -> str:
    """A task named on the command line, as ``proxy_tasks.get_task`` finds it in any process: a
    registered name as it is; ``MODULE:NAME`` (the user's own task) with ``MODULE`` resolved
    against the current folder (a ``.py`` file to its absolute path)."""
    from proxy_tasks.user import canonical, is_reference

    return canonical(text, Path.cwd()) if is_reference(text) else text


def _get_task(name: str, size: int, seed: int | None):
    import dataclasses

    import proxy_tasks

    task = proxy_tasks.get_task(task_reference(name), size)
    return task if seed is None else dataclasses.replace(task, seed=seed)


def cmd_eval(args: argparse.Namespace) -> int:
    programs = [load_program(spec) for spec in args.programs]  # every parse error before compiling
    task = _get_task(args.task, args.size, args.seed)
    from symopt.execution.encode import Layout
    from symopt.execution.evaluator import Evaluator

    evaluator = Evaluator(task, Layout.for_programs(programs))  # compiles only the ops they use
    width = max(len(spec) for spec in args.programs)
    for spec, program in zip(args.programs, programs, strict=True):
        (result,) = evaluator.evaluate([program])
        if args.json:
            record = {"program": spec, "task": task.name, "size": task.size, "seed": task.seed}
            record |= {k: v for k, v in result.__dict__.items() if k != "losses"}
            print(strict_json(record), flush=True)
            continue
        line = (
            f"{spec:<{width}}  fitness={result.fitness:.4f}  {task.metric_name}  "
            f"status={result.status}  steps={result.steps}  loss={result.final_loss:.4g}  "
            f"time={result.seconds:.3f}s"
        )
        print(line + (f"  ({result.reason})" if result.reason else ""), flush=True)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from symopt.bench import run_bench, summary

    if args.ops is not None:
        return _bench_ops(args)
    if args.memory_candidates < args.candidates:
        raise SymoptError(
            f"--memory-candidates ({args.memory_candidates}) must be at least --candidates "
            f"({args.candidates}): the memory check runs over the same stream, then further"
        )
    quiet = args.json
    result = run_bench(
        task_reference(args.task),
        candidates=args.candidates,
        memory_candidates=args.memory_candidates,
        progress=(lambda message: None) if quiet else (lambda m: print(m, file=sys.stderr)),
    )
    print(strict_json(result.as_dict()) if args.json else summary(result))
    return 0


def _bench_ops(args: argparse.Namespace) -> int:
    from symopt.bench_ops import DEFAULT_OPS, op_summary, run_op_costs

    costs = run_op_costs(
        args.task,
        tuple(args.ops) or DEFAULT_OPS,
        progress=(lambda message: None) if args.json else (lambda m: print(m, file=sys.stderr)),
    )
    if args.json:
        print(strict_json({"task": args.task, "ops": [c.as_dict() for c in costs]}))
    else:
        print(op_summary(args.task, costs))
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
    from symopt.store import DB_NAME, StoreWriteError

    campaign = Campaign(config, resume=args.resume, show_progress=not args.quiet)
    try:
        outcome = campaign.run()
    except StoreWriteError as err:
        if not (config.run_dir / DB_NAME).exists():
            raise
        raise SymoptError(
            f"{err}; once it can be written again, resume with: symopt search {args.config} "
            f"--out {config.run_dir} --resume"
        ) from None
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
    if best is not None and outcome.best_mean is not None:
        seeds = config.reevaluation.seeds + 1
        print(f"best #{best.id} (re-evaluated): fitness {best.fitness:.4f} on the search's task "
              f"seed, {outcome.best_mean:.4f} over {seeds} task seeds:")  # fmt: skip
        print(best.program.rstrip())
    elif best is not None:
        print(f"best #{best.id}, fitness {best.fitness:.4f}:\n{best.program.rstrip()}")
    print(f"see: symopt show {run_dir}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from symopt.show import render, summarize
    from symopt.store import RunStore

    with RunStore.open_readonly(Path(args.run_dir)) as store:
        summary = summarize(store, args.top)
    print(strict_json(summary, indent=1) if args.json else render(summary))
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from symopt.analysis.report import analyze, render

    program = load_program(args.program)
    report = analyze(program, _judge_probes(args))
    print(strict_json(report, indent=1) if args.json else render(report))
    return 0


def _judge_probes(args: argparse.Namespace) -> list | None:
    """The probes ``analyze`` judges on: recorded from ``--task``; else, for ``RUN_DIR#ID``, the
    probes that run's judge used; else none (the synthetic probe)."""
    from symopt.analysis.probes import Probe, needs_blocks, record_probe

    if args.task:
        blocks = needs_blocks(stmt.op for stmt in load_program(args.program).body)
        return [record_probe(_get_task(args.task, args.size, None), blocks=blocks)]
    run_dir, sep, _ = args.program.rpartition("#")
    folder = Path(run_dir) / "probes"
    if not sep or not folder.is_dir():
        return None
    import yaml

    from symopt.config import entry_reference, task_key

    config = yaml.safe_load((Path(run_dir) / "config.yaml").read_text(encoding="utf-8"))
    keys = [task_key(entry_reference(t), t.get("size", 1)) for t in config.get("tasks", [])]
    paths = [folder / f"{key}.npz" for key in keys]
    return [Probe.load(path) for path in paths] if all(p.is_file() for p in paths) else None


def cmd_simplify(args: argparse.Namespace) -> int:
    from symopt.dsl import to_text
    from symopt.simplify import run_simplify

    options = {}
    if args.lr_factors is not None:
        from symopt.benchmark.suite import check_sweep

        options["lr_factors"] = check_sweep("lr factor", args.lr_factors)
    program = load_program(args.program)
    if args.task:
        _get_task(args.task, args.size, None)  # an unknown task is one line, before any work
    simplified = run_simplify(
        program,
        exact=args.task is None,
        task=task_reference(args.task) if args.task else None,
        size=args.size,
        seeds=args.seeds,
        noise_factor=args.noise_factor,
        **options,
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
    """``text`` on stdout, or into the file ``output``: written beside it first and moved into
    place, so a full disk or a read-only folder leaves any earlier file as it was."""
    if output is None:
        sys.stdout.write(text)
        return
    path = Path(output)
    if not path.parent.is_dir():
        raise SymoptError(f"{output}: the folder {path.parent} does not exist")
    if path.is_dir():
        raise SymoptError(f"{output}: is a folder; give a file name")
    tmp = path.with_name(f".{path.name}.writing")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as err:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise SymoptError(f"cannot write {output}: {err.strerror or err}") from None
    print(f"wrote {output}", file=sys.stderr)


def _task_spec(text: str) -> tuple[str, int]:
    """``TASK[@SIZE]`` (``TASK`` as :func:`task_reference` takes it) -> ``(reference, size)``."""
    name, at, size = text.rpartition("@") if "@" in text else (text, "", "")
    if (at and not size.isdigit()) or not name:
        raise SymoptError(
            f"--tasks {text}: expected NAME@SIZE or MODULE:NAME@SIZE, e.g. digits_mlp@10 or "
            "configs/my_task.py:build@1"
        )
    return task_reference(name), int(size or 1)


def cmd_benchmark(args: argparse.Namespace) -> int:
    from symopt.benchmark import plot, render_table, run_benchmark
    from symopt.benchmark.suite import suite_tasks

    programs = {_program_title(spec): load_program(spec) for spec in args.programs}
    if len(programs) != len(args.programs):
        raise SymoptError("two programs have the same name; give them different file names")
    tasks = [_task_spec(t) for t in args.tasks] if args.tasks else suite_tasks(args.suite)
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
        baselines=args.baselines,
        program_wds=args.program_weight_decays,
    )
    if args.plot:
        plot(result, Path(args.plot))
    print(strict_json(result.as_dict()) if args.json else render_table(result))
    return 0
