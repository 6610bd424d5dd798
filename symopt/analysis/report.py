"""What ``symopt analyze`` prints about one program, found without training it."""

from __future__ import annotations

from collections.abc import Sequence

from symopt.analysis.family import LABELS, behaviour
from symopt.analysis.fingerprint import fingerprint
from symopt.analysis.liveness import liveness
from symopt.analysis.probes import Probe, needs_blocks, synthetic_probe
from symopt.analysis.structural import structural_hash
from symopt.dsl.kinds import infer_kinds, param_kinds
from symopt.dsl.program import Program
from symopt.dsl.text import format_call


def analyze(program: Program, probes: Sequence[Probe] | None = None) -> dict:
    """Everything known about ``program`` without training it; the fingerprint and the probe
    verdict are taken on ``probes`` (recorded from a task; default: the synthetic probe)."""
    kinds = infer_kinds(program)
    info = liveness(program)
    blocks = needs_blocks(stmt.op for stmt in program.body)
    probes = tuple(probes) if probes else (synthetic_probe(blocks),)
    print_ = fingerprint(program, info, probes)
    return {
        "parameters": {name: kind.value for name, kind in param_kinds(program).items()},
        "statements": [
            {
                "line": f"{s.target} = {format_call(s)}",
                "kind": kind.value,
                "live": live,
            }
            for s, kind, live in zip(program.body, kinds, info.statements, strict=True)
        ],
        "dead_statements": list(info.dead_statements),
        "state_slots": {name: live for name, live in zip(program.states, info.states, strict=True)},
        "structural_hash": structural_hash(program),
        "fingerprint": print_.digest,
        "finite_on_probes": print_.finite,
        "probes": [probe.name for probe in probes],
        "verdict": "would be trained" if print_.finite else f"rejected: {print_.reason}",
        "family": behaviour(program).family,
    }


def render(report: dict) -> str:
    lines = ["parameters: " + ", ".join(f"{n}: {k}" for n, k in report["parameters"].items())]
    lines.append("statements:")
    for i, s in enumerate(report["statements"], 1):
        mark = "" if s["live"] else "   <- dead"
        lines.append(f"  {i:>3}  {s['line']:<40} {s['kind']:<6}{mark}")
    dead = report["dead_statements"]
    lines.append(f"dead statements: {', '.join(str(i + 1) for i in dead) if dead else 'none'}")
    slots = report["state_slots"]
    live = [n for n, keep in slots.items() if keep]
    gone = [n for n, keep in slots.items() if not keep]
    lines.append(
        "state slots: "
        + (", ".join(live) + " live" if live else "none live")
        + (f"; {', '.join(gone)} {_verb(gone)} nothing between steps" if gone else "")
    )
    lines.append(f"structural hash: {report['structural_hash']}")
    lines.append(f"fingerprint: {report['fingerprint']}  (probes: {', '.join(report['probes'])})")
    lines.append(f"judge: {report['verdict']}")
    lines.append(f"family: {LABELS[report['family']]}")
    return "\n".join(lines)


def _verb(names: list[str]) -> str:
    return "carries" if len(names) == 1 else "carry"
