"""What ``symopt show`` prints: counts, rates, the best programs and the lineage of the best."""

from __future__ import annotations

import math

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


def summarize(store: RunStore, top: int = 5) -> dict:
    """A JSON-able summary of a run (see ``symopt show --json``)."""
    counts = store.counts_by_status()
    judged = sum(counts.values())
    hits = counts.get("cached", 0)
    records = list(store.iter_evaluations())
    trained = [r for r in records if r.status != "cached"]
    span = (trained[-1].created - trained[0].created) if len(trained) > 1 else 0.0
    best = store.top(top)
    lineage = store.lineage(best[0].id) if best else []
    return {
        "run_dir": str(store.run_dir),
        "evaluations": judged,
        "trained": len(trained),
        "counts": counts,
        "cache_hits": hits,
        "cache_hit_rate": hits / judged if judged else 0.0,
        "invalid_tries": sum(max(r.metrics.get("tries", 1) - 1, 0) for r in records),
        "restarts": len(store.events("restart")),
        "evaluations_per_second": (len(trained) - 1) / span if span > 0 else None,
        "best": _entry(best[0]) if best else None,
        "top": [_entry(r) for r in best],
        "lineage": [_entry(r) for r in lineage],
    }


def render(summary: dict) -> str:
    s = summary
    lines = [f"run {s['run_dir']}"]
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(s["counts"].items()))
    rate = s["evaluations_per_second"]
    lines.append(
        f"{s['evaluations']} candidates judged, {s['trained']} trained ({statuses}); "
        f"cache hits {s['cache_hit_rate']:.1%}; invalid mutation tries {s['invalid_tries']}; "
        f"restarts {s['restarts']}; " + (f"{rate:.1f} trained/s" if rate else "rate n/a")
    )
    if not s["best"]:
        lines.append("no successful evaluation yet")
        return "\n".join(lines)
    lines.append("")
    lines.append(f"top {len(s['top'])}:")
    for entry in s["top"]:
        lines.append(f"  #{entry['id']:<7} fitness {entry['fitness']:.4f}  ({entry['origin']})")
    best = s["best"]
    lines += ["", f"best #{best['id']}, fitness {best['fitness']:.4f}:", best["program"].rstrip()]
    chain = " <- ".join(
        f"#{e['id']} {e['origin']} {e['fitness']:.4f}" if e["fitness"] is not None
        else f"#{e['id']} {e['origin']}"
        for e in s["lineage"]
    )  # fmt: skip
    lines += ["", f"lineage ({len(s['lineage'])} programs, back to the seed):", f"  {chain}"]
    return "\n".join(lines)
