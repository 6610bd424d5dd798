"""What ``symopt show`` prints: counts, rates, the best programs and the lineage of the best."""

from __future__ import annotations

import math

from symopt.elites import best_reevaluation
from symopt.stats import NOT_TRAINED, Stats
from symopt.store import EvaluationRecord, RunStore


def _entry(record: EvaluationRecord) -> dict:
    return {
        "id": record.id,
        "fitness": record.fitness if math.isfinite(record.fitness) else None,
        "status": record.status,
        "origin": record.origin,
        "parent_id": record.parent_id,
        "program": record.program,
    }


def _best_entry(record: EvaluationRecord, elite: dict | None) -> dict:
    """The run's best; with re-evaluation, its fitness on each task seed and their mean."""
    entry = _entry(record)
    if elite:
        entry.update(reevaluated_fitness=elite["mean"], seeds=elite["seeds"],
                     seed_fitnesses=elite["fitnesses"])  # fmt: skip
    return entry


def summarize(store: RunStore, top: int = 5) -> dict:
    """A JSON-able summary of a run (see ``symopt show --json``)."""
    stats = Stats()
    first = last = None
    for record in store.iter_evaluations():
        stats.add(record.status, record.metrics)
        if record.status not in NOT_TRAINED:
            first = first if first is not None else record.created
            last = record.created
    span = (last - first) if first is not None else 0.0
    best = store.top(top)
    reevaluations = [event.payload for event in store.events("reevaluation")]
    elite = best_reevaluation(reevaluations)
    best_record = store.get(elite["id"]) if elite else (best[0] if best else None)
    lineage = store.lineage(best_record.id) if best_record else []
    return {
        "run_dir": str(store.run_dir),
        "evaluations": stats.judged,
        "trained": stats.trained,
        "counts": store.counts_by_status(),
        "cache_hits": stats.cached,
        "cache_hit_rate": stats.cache_hit_rate,
        "rejected": stats.rejected,
        "hurdle_stops": stats.hurdle,
        "invalid_rate": stats.invalid_rate,
        "dead_statement_ratio": stats.dead_ratio,
        "judged_per_trained": stats.judged_per_trained,
        "completed": stats.completed,
        "judged_per_completed": stats.judged_per_completed,
        "restarts": len(store.events("restart")),
        "meta_validation": [event.payload for event in store.events("meta_validation")],
        "evaluations_per_second": (stats.trained - 1) / span if span > 0 else None,
        "best": _best_entry(best_record, elite) if best_record else None,
        "reevaluations": [{k: v for k, v in p.items() if k != "program"} for p in reevaluations],
        "top": [_entry(r) for r in best],
        "lineage": [_entry(r) for r in lineage],
    }


def render(summary: dict) -> str:
    s = summary
    lines = [f"run {s['run_dir']}"]
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(s["counts"].items()))
    rate = s["evaluations_per_second"]
    lines.append(
        f"{s['evaluations']} candidates judged, {s['trained']} trained, {s['completed']} to the "
        f"last step ({s['judged_per_trained']:.1f} judged per trained, "
        f"{s['judged_per_completed']:.1f} per completed); {statuses}"
    )
    lines.append(
        f"cache hits {s['cache_hit_rate']:.1%} (the paper: 89%); rejected on probes "
        f"{s['rejected']}; hurdle stops {s['hurdle_stops']}; invalid mutation tries "
        f"{s['invalid_rate']:.1%}; dead statements {s['dead_statement_ratio']:.1%}; restarts "
        f"{s['restarts']}; " + (f"{rate:.1f} trained/s" if rate else "rate n/a")
    )
    if not s["best"]:
        lines.append("no successful evaluation yet")
        return "\n".join(lines)
    lines.append("")
    lines.append(f"top {len(s['top'])}:")
    for entry in s["top"]:
        lines.append(f"  #{entry['id']:<7} fitness {entry['fitness']:.4f}  ({entry['origin']})")
    best = s["best"]
    lines += ["", _best_line(best), best["program"].rstrip()]
    lines += _reevaluation_lines(s["reevaluations"])
    lines += ["", *_lineage_lines(s["lineage"])]
    lines += _meta_lines(s["meta_validation"])
    return "\n".join(lines)


def _best_line(best: dict) -> str:
    if "reevaluated_fitness" not in best:
        return f"best #{best['id']}, fitness {best['fitness']:.4f}:"
    seeds = len(best["seeds"])
    return (
        f"best #{best['id']} (re-evaluated): fitness {best['fitness']:.4f} on the search's task "
        f"seed, {best['reevaluated_fitness']:.4f} over {seeds} task seeds:"
    )


def _reevaluation_lines(reevaluations: list[dict]) -> list[str]:
    """The winner's curse, measured: each elite's single-seed fitness against its mean."""
    if not reevaluations:
        return []
    gaps = [r["fitnesses"][0] - r["mean"] for r in reevaluations]
    lines = [
        "",
        f"re-evaluated elites ({len(reevaluations)}; search seed -> mean over "
        f"{len(reevaluations[0]['seeds'])} task seeds; mean drop {sum(gaps) / len(gaps):.4f}):",
    ]
    for r in reevaluations[-8:]:
        mark = "  <- took the lead" if r["best"] else ""
        lines.append(f"  #{r['id']:<7} {r['fitnesses'][0]:.4f} -> {r['mean']:.4f}{mark}")
    return lines


def _lineage_lines(lineage: list[dict], shown: int = 12) -> list[str]:
    """The best program's ancestors where fitness changed (and the seed); the middle of a long
    chain is elided. ``--json`` has every ancestor."""
    kept = [e for i, e in enumerate(lineage)
            if i in (0, len(lineage) - 1) or e["fitness"] != lineage[i - 1]["fitness"]]  # fmt: skip
    steps = [
        f"#{e['id']} {e['origin']} {e['fitness']:.4f}" if e["fitness"] is not None
        else f"#{e['id']} {e['origin']}"
        for e in kept
    ]  # fmt: skip
    if len(steps) > shown:
        steps = [*steps[: shown // 2], f"... {len(steps) - shown + 1} more ...",
                 *steps[len(steps) - shown // 2 + 1 :]]  # fmt: skip
    head = f"lineage ({len(lineage)} programs back to the seed; those where fitness changed):"
    return [head, "  " + " <- ".join(steps)]


def _meta_lines(curve: list[dict]) -> list[str]:
    if not curve:
        return []
    from symopt.meta import best_check

    best = best_check(curve)
    lines = [
        "",
        f"meta-validation on {curve[0]['task']} (the best program so far, when it changed):",
    ]
    for point in curve:
        mark = "  <- best" if point is best else ""
        lines.append(
            f"  after {point['trained']:>6} trained  #{point['best_id']:<7} search "
            f"{point['search_fitness']:.4f}  meta {point['meta_fitness']:.4f}{mark}"
        )
    return lines
