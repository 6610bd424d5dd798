"""Abstract execution + fingerprint per candidate: kinds, liveness, structural hash, fingerprint.

    python scripts/bench_analysis.py [--candidates 2000] [--task digits_mlp]

Goal (issue 5): <= 0.5 ms per candidate on average, over the stream a search judges (random
walks of 1-6 mutations from the AdamW seed), fingerprinted on the probe a search of ``--task``
uses (recorded from the task: ten steps and two far steps on 32 elements per tensor).
"""

from __future__ import annotations

import argparse
import time

import proxy_tasks
from symopt.analysis.fingerprint import fingerprint
from symopt.analysis.liveness import liveness
from symopt.analysis.probes import record_probe
from symopt.analysis.structural import structural_hash
from symopt.bench import candidate_stream
from symopt.dsl import infer_kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--task", default="digits_mlp")
    args = parser.parse_args()
    probes = (record_probe(proxy_tasks.get_task(args.task)),)
    stream = candidate_stream(args.candidates, seed=7)
    start = time.perf_counter()
    prints = set()
    for program in stream:
        infer_kinds(program)
        liveness(program)
        structural_hash(program)
        prints.add(fingerprint(program, probes=probes).digest)
    per = (time.perf_counter() - start) / len(stream)
    print(f"{len(stream)} distinct programs, {len(prints)} distinct fingerprints")
    print(f"abstract execution + fingerprint: {per * 1e3:.3f} ms per candidate   (goal <= 0.5)")


if __name__ == "__main__":
    main()
