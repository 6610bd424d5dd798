"""The values the run store holds, and their mapping to and from SQLite rows.

Every record is a frozen dataclass of plain values: text, numbers and JSON-able dicts. A record
read back compares equal to the record written, except for the fields the store assigns (``id``,
``seq``) and JSON's own conversions (tuples come back as lists, dict keys as strings).

Fitness NaN: SQLite stores a bound NaN as NULL, so the store writes NaN as NULL on purpose and
reads NULL back as NaN. ``inf`` and ``-inf`` are ordinary REAL values and round-trip as they are.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from typing import Any

EVALUATION_COLUMNS = (
    "id, seq, parent_id, program, fitness, status, reason, metrics, origin, worker, seconds, "
    "created, fingerprint"
)


@dataclass(frozen=True, kw_only=True)
class EvaluationRecord:
    """One evaluated program.

    ``id`` and ``seq`` are ``None`` until the store assigns them: ``id`` names the record (and is
    what ``parent_id`` refers to), ``seq`` is completion order, 1, 2, 3, ... without gaps. Today
    they are equal; do not rely on it. ``fitness`` is higher-is-better and may be NaN or +-inf.
    ``metrics`` holds per-task numbers and must be JSON-able (numpy scalars are converted).
    """

    id: int | None = None
    seq: int | None = None
    parent_id: int | None = None
    program: str
    fitness: float
    status: str
    reason: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    origin: str
    worker: str = ""
    seconds: float = 0.0
    created: float = field(default_factory=time.time)
    fingerprint: str | None = None


@dataclass(frozen=True)
class Event:
    """Something that happened during a search at evaluation ``seq``: a restart, a meta-validation
    score, a funnel stage. ``payload`` is the JSON dict given to ``RunStore.add_event``."""

    id: int
    kind: str
    seq: int
    payload: dict[str, Any]
    created: float


@dataclass(frozen=True)
class Checkpoint:
    """Search state (population ids, RNG state, counters) including evaluations up to ``seq``."""

    id: int
    seq: int
    state: dict[str, Any]
    created: float


def program_key(program: str) -> bytes:
    """The index key of a program text: its UTF-8 SHA-256."""
    return hashlib.sha256(program.encode("utf-8")).digest()


def to_json(value: Any, what: str) -> str:
    """``value`` as compact JSON; NaN and inf are kept (Python's JSON extension)."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_plain)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{what} is not JSON-able: {err}") from err


def _plain(value: Any) -> Any:
    # numpy and jax scalars and arrays know how to become plain Python values.
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def evaluation_row(rec: EvaluationRecord, id_: int, seq: int) -> tuple[Any, ...]:
    """The row for ``rec`` with the store-assigned ``id_`` and ``seq``, plus its program key."""
    if rec.id is not None or rec.seq is not None:
        raise ValueError(
            f"record already has id={rec.id} seq={rec.seq}; the store assigns both "
            "(pass dataclasses.replace(rec, id=None, seq=None) to store a copy)"
        )
    if not isinstance(rec.program, str) or not rec.program:
        raise ValueError("record program must be non-empty text")
    if not rec.status:
        raise ValueError("record status must be non-empty")
    fitness = float(rec.fitness)
    return (
        id_,
        seq,
        rec.parent_id,
        rec.program,
        None if math.isnan(fitness) else fitness,
        rec.status,
        rec.reason,
        to_json(rec.metrics, f"metrics of the record with status {rec.status!r}"),
        rec.origin,
        rec.worker,
        float(rec.seconds),
        float(rec.created),
        rec.fingerprint,
        program_key(rec.program),
    )


def evaluation_from_row(row: tuple[Any, ...]) -> EvaluationRecord:
    """Inverse of ``evaluation_row`` for a row selected as ``EVALUATION_COLUMNS``."""
    (
        id_,
        seq,
        parent,
        program,
        fitness,
        status,
        reason,
        metrics,
        origin,
        worker,
        secs,
        created,
        fp,
    ) = row
    return EvaluationRecord(
        id=id_,
        seq=seq,
        parent_id=parent,
        program=program,
        fitness=math.nan if fitness is None else fitness,
        status=status,
        reason=reason,
        metrics=json.loads(metrics),
        origin=origin,
        worker=worker,
        seconds=secs,
        created=created,
        fingerprint=fp,
    )
