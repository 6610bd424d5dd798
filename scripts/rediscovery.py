"""The rediscovery study: several small searches from the AdamW seed; which families do they find?

    python scripts/rediscovery.py [--runs 4] [--seconds 300 | --evaluations N]
                                  [--config configs/quick.yaml] [--out runs/rediscovery]
                                  [--workers N]

Each run is the campaign of ``--config`` with campaign seed 0, 1, ... and a budget of
``--seconds`` or of ``--evaluations`` trained programs (no meta-validation), on one local Ray
instance shared by the runs (or the config's backend; ``--workers`` overrides its worker
count). The best program of each run (highest
search fitness) is simplified as ``symopt simplify PROGRAM --task`` would (exact rewrites, then
ablation on the campaign's first task) and classified by what it does
(:mod:`symopt.analysis.family`): how many runs found a sign-based momentum update, Lion's
family? Writes ``summary.json`` and ``summary.md`` (every best program before and after
simplification) to ``--out`` and prints the table. A finished run is reused, not searched again.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import yaml

from symopt.analysis.family import LABELS, behaviour
from symopt.backends.ray_backend import start_ray
from symopt.campaign import Campaign
from symopt.config import config_from_dict
from symopt.dsl import parse, to_text
from symopt.simplify import run_simplify
from symopt.store import RunStore


def search(base: dict, config_dir: Path, seed: int, budget: dict, out: Path) -> Path:
    run_dir = out / f"seed-{seed}"
    marker = run_dir / "study.json"
    settings = {"seed": seed, "budget": budget, "config": base}
    if marker.exists() and json.loads(marker.read_text()) == settings:
        print(f"seed {seed}: reusing {run_dir}", file=sys.stderr)
        return run_dir
    if run_dir.exists():
        sys.exit(f"rediscovery: {run_dir} holds an unfinished run or one with other settings; "
                 "delete it or choose another --out")  # fmt: skip
    data = {**base, "name": f"rediscovery-{seed}", "seed": seed, "out": str(run_dir),
            "budget": budget, "meta_validation": None}  # fmt: skip
    config = config_from_dict(data, "rediscovery", base_dir=config_dir)
    outcome = Campaign(config, show_progress=False).run()
    if outcome.interrupted:
        sys.exit(f"rediscovery: interrupted; {run_dir} is left unfinished")
    marker.write_text(json.dumps(settings))
    best = f"{outcome.best.fitness:.4f}" if outcome.best else "none"
    print(f"seed {seed}: {outcome.trained} trained, {outcome.judged} judged in "
          f"{outcome.seconds:.0f} s; best {best}", file=sys.stderr, flush=True)  # fmt: skip
    return run_dir


def study_run(run_dir: Path, seed: int, task: dict) -> dict:
    with RunStore.open_readonly(run_dir) as store:
        top = store.top(1)
        evaluations = store.count()
    if not top:
        return {"seed": seed, "run_dir": str(run_dir), "evaluations": evaluations,
                "best_id": None, "fitness": None, "family": "none"}  # fmt: skip
    best = top[0]
    before = parse(best.program)
    steps: list[str] = []
    start = time.perf_counter()
    after = run_simplify(before, exact=False, task=task["name"], size=task.get("size", 1),
                         log=steps.append)  # fmt: skip
    found = behaviour(after)
    return {
        "seed": seed,
        "run_dir": str(run_dir),
        "evaluations": evaluations,
        "best_id": best.id,
        "fitness": best.fitness,
        "family": found.family,
        "family_before": behaviour(before).family,
        "statements_before": len(before.body),
        "statements_after": len(after.body),
        "before": to_text(before),
        "after": to_text(after),
        "simplify_log": steps,
        "simplify_seconds": round(time.perf_counter() - start, 1),
    }


def markdown(rows: list[dict], args: argparse.Namespace) -> str:
    lion = sum(row["family"] == "sign momentum" for row in rows)
    lines = [
        f"# Rediscovery study: {len(rows)} searches of {describe(args)} from the AdamW seed",
        "",
        f"Config: `{args.config}` (campaign seeds 0..{len(rows) - 1}, no meta-validation). "
        f"Sign-based momentum (Lion's family) found by {lion} of {len(rows)} runs.",
        "",
        "| seed | evaluations | best fitness | family of the simplified best | statements |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        if row["best_id"] is None:
            lines.append(f"| {row['seed']} | {row['evaluations']} | - | no success | - |")
            continue
        family = LABELS[row["family"]]
        if row["family_before"] != row["family"]:
            family += f" (before: {LABELS[row['family_before']]})"
        lines.append(
            f"| {row['seed']} | {row['evaluations']} | {row['fitness']:.4f} | {family} | "
            f"{row['statements_before']} → {row['statements_after']} |"
        )
    for row in rows:
        if row["best_id"] is None:
            continue
        lines += ["", f"## seed {row['seed']}: #{row['best_id']}", "", "Before:", "",
                  "```python", row["before"].rstrip(), "```", "", "After `symopt simplify`:", "",
                  "```python", row["after"].rstrip(), "```"]  # fmt: skip
    return "\n".join(lines) + "\n"


def budget_of(args: argparse.Namespace) -> dict:
    if args.evaluations is not None:
        return {"max_evaluations": args.evaluations}
    return {"max_seconds": args.seconds}


def describe(args: argparse.Namespace) -> str:
    if args.evaluations is not None:
        return f"{args.evaluations} trained programs"
    return f"{args.seconds:g} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4)
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--seconds", type=float, default=300.0, help="search budget per run")
    budget.add_argument("--evaluations", type=int, help="budget per run in trained programs")
    parser.add_argument("--config", default="configs/quick.yaml")
    parser.add_argument("--out", default="runs/rediscovery")
    parser.add_argument("--workers", type=int, help="Ray workers per run (default: the config's)")
    args = parser.parse_args()
    config_path = Path(args.config)
    base = yaml.safe_load(config_path.read_text())
    if args.workers is not None:
        base["backend"] = {**(base.get("backend") or {}), "workers": args.workers}
    out = Path(args.out)
    owns_ray = (base.get("backend") or {}).get("kind", "ray") == "ray" and start_ray(None)
    try:
        run_dirs = [search(base, config_path.parent, seed, budget_of(args), out)
                    for seed in range(args.runs)]  # fmt: skip
    finally:
        if owns_ray:
            import ray

            ray.shutdown()
    rows = [study_run(run_dir, seed, base["tasks"][0]) for seed, run_dir in enumerate(run_dirs)]
    (out / "summary.json").write_text(json.dumps(rows, indent=1))
    text = markdown(rows, args)
    (out / "summary.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
