"""Evaluator throughput: ``symopt bench``.

In one process, on one task: (a) native optax AdamW, jitted once, seconds per training run;
(b) the compiled-once interpreter on a stream of distinct candidates, seconds per candidate;
(c) a per-program ``jax.jit`` of the reference meaning, seconds per candidate including its
compilation; and resident memory before and after a long stream through the interpreter.

The stream is what a search evaluates: random walks of 1 to 6 mutations from the AdamW seed,
every program distinct. Failed candidates stop early, so (b) also reports the AdamW seed run
through the interpreter (``evaluator_adamw_s``), the like-for-like comparison with (a).
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass

import jax
import numpy as np
import optax

import proxy_tasks
from symopt.dsl.program import Program
from symopt.dsl.space import load_space
from symopt.dsl.text import to_text
from symopt.execution.evaluator import Evaluator
from symopt.execution.per_program import make_reference_trainer
from symopt.search.mutation import MutationConfig, random_walk


def rss_mb() -> float:
    """Resident memory of this process in MiB (Linux ``/proc``; else the peak from rusage)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def candidate_stream(count: int, seed: int = 0) -> list[Program]:
    """``count`` distinct programs: random walks of 1-6 mutations from the AdamW seed."""
    space = load_space("lion45")
    config = MutationConfig(space.op_weights, max_statements=space.max_statements)
    rng = random.Random(seed)
    seen: set[str] = set()
    programs = []
    while len(programs) < count:
        program = random_walk(rng, space.seed, config, rng.randint(1, 6))
        text = to_text(program)
        if text not in seen:
            seen.add(text)
            programs.append(program)
    return programs


@dataclass
class BenchResult:
    task: str
    native_s: float
    evaluator_s: float
    evaluator_adamw_s: float
    per_program_jit_s: float
    rss_mb_start: float
    rss_mb_end: float
    candidates: int
    memory_candidates: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_bench(
    task_name: str = "digits_mlp",
    candidates: int = 50,
    jit_candidates: int = 10,
    memory_candidates: int = 1000,
    progress=print,
) -> BenchResult:
    task = proxy_tasks.get_task(task_name)
    space = load_space("lion45")
    progress(f"task {task.name}: {task.num_steps} steps, batch {task.batch_size}")

    native = proxy_tasks.make_optax_trainer(
        task, optax.adamw(task.lr_schedule(1e-3), b1=0.9, b2=0.999, weight_decay=0.01)
    )
    native()
    native_s = _median_seconds(native, 10)
    progress(f"(a) native optax AdamW: {native_s * 1e3:.1f} ms per run")

    stream = candidate_stream(max(candidates, memory_candidates))
    evaluator = Evaluator(task)
    evaluator.evaluate([space.seed])  # compiles, once
    adamw_s = _median_seconds(lambda: evaluator.evaluate([space.seed]), 10)
    rss_start = rss_mb()
    start = time.perf_counter()
    evaluator.evaluate(stream[:candidates])
    evaluator_s = (time.perf_counter() - start) / candidates
    progress(
        f"(b) interpreter: {evaluator_s * 1e3:.1f} ms per candidate over {candidates} distinct "
        f"candidates; AdamW seed {adamw_s * 1e3:.1f} ms"
    )

    data, val = task.train_data(), task.val_data()
    start = time.perf_counter()
    for program in stream[:jit_candidates]:
        jax.block_until_ready(make_reference_trainer(program, task)(-1, -np.inf, data, val))
    jit_s = (time.perf_counter() - start) / jit_candidates
    progress(f"(c) per-program jax.jit: {jit_s * 1e3:.0f} ms per candidate ({jit_candidates} runs)")

    evaluator.evaluate(stream[candidates:memory_candidates])
    rss_end = rss_mb()
    progress(f"memory: {rss_start:.0f} MiB before, {rss_end:.0f} MiB after {memory_candidates}")
    return BenchResult(
        task.name, native_s, evaluator_s, adamw_s, jit_s, rss_start, rss_end, candidates,
        memory_candidates,
    )  # fmt: skip


def summary(result: BenchResult) -> str:
    r = result
    return "\n".join(
        [
            f"task                          {r.task}",
            f"(a) native optax AdamW        {r.native_s * 1e3:8.1f} ms/run",
            f"(b) interpreter, stream       {r.evaluator_s * 1e3:8.1f} ms/candidate",
            f"    interpreter, AdamW seed   {r.evaluator_adamw_s * 1e3:8.1f} ms/run",
            f"(c) per-program jax.jit       {r.per_program_jit_s * 1e3:8.1f} ms/candidate",
            f"b/a (stream)                  {r.evaluator_s / r.native_s:8.2f}   (goal <= 1.25)",
            f"b/a (AdamW seed vs AdamW)     {r.evaluator_adamw_s / r.native_s:8.2f}",
            f"c/b                           {r.per_program_jit_s / r.evaluator_s:8.1f}"
            "   (goal >= 20)",
            f"resident memory               {r.rss_mb_start:.0f} -> {r.rss_mb_end:.0f} MiB "
            f"over {r.memory_candidates} candidates",
        ]
    )
