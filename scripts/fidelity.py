"""Proxy fidelity study: rank the optimizer zoo on proxies and on larger / held-out tasks.

    python scripts/fidelity.py                       # the study in README "Proxy fidelity"
    python scripts/fidelity.py --proxies shakespeare_lm@1,b32 --targets digits_cnn@1 --seeds 1

Every optimizer of ``search_spaces/zoo`` (lr factor tuned) and optax AdamW and Lion (lr and
weight decay tuned) is tuned on validation and reported on test on every task
(:mod:`symopt.benchmark.fidelity`). Prints each task's test losses, then per proxy its Spearman
rho / Kendall tau with each target and with the targets' mean rank, and tuned Lion against tuned
AdamW on every task. ``--json`` keeps the raw numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from symopt.benchmark.fidelity import agreement, load_zoo, parse_variant, ranks, run_fidelity
from symopt.errors import SymoptError

PROXIES = ("cancer_mlp@1", "digits_mlp@1", "digits_vit@1", "fashion_mnist@1", "shakespeare_lm@1",
           "shakespeare_lm@1,b32", "digits_mlp@1,b512")  # fmt: skip
TARGETS = ("shakespeare_lm@10", "digits_mlp@10", "digits_cnn@1", "pysource_lm@1",
           "digits_autoencoder@1", "friedman_mlp@1", "blobs_gelu@1")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proxies", nargs="+", default=list(PROXIES))
    parser.add_argument("--targets", nargs="+", default=list(TARGETS))
    parser.add_argument("--seeds", type=int, default=2, help="tuning and report seeds (each)")
    parser.add_argument("--backend", choices=("local", "ray"), default="ray")
    parser.add_argument("--json", type=Path, help="write the raw numbers here")
    args = parser.parse_args(argv)
    try:
        proxies = [parse_variant(text) for text in args.proxies]
        targets = [parse_variant(text) for text in args.targets]
        result = run_fidelity([*proxies, *targets], load_zoo(), args.seeds, backend=args.backend,
                              log=lambda line: print(line, flush=True))  # fmt: skip
    except SymoptError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    names = result.optimizers
    labels = [v.label for v in [*proxies, *targets]]
    print(f"\nfidelity study: {len(names)} optimizers, {len(labels)} tasks, {args.seeds} seeds, "
          f"{result.seconds:.0f} s\n")  # fmt: skip
    print("| optimizer | " + " | ".join(labels) + " |")
    print("|---" * (len(labels) + 1) + "|")
    for name in names:
        cells = [
            f"{result.losses[label][name]:.4f} ({_rank(result, label, name)})" for label in labels
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    target_labels = [v.label for v in targets]
    print("\n| proxy | mean rho over targets | rho vs targets' mean rank | "
          + " | ".join(target_labels) + " |")  # fmt: skip
    print("|---" * (len(target_labels) + 3) + "|")
    for proxy in [v.label for v in proxies]:
        a = agreement(result, proxy, target_labels)
        cells = [f"{a.rho[t]:+.2f} / {a.tau[t]:+.2f}" for t in target_labels]
        print(
            f"| {proxy} | {a.mean_rho:+.2f} | {a.rho_mean_rank:+.2f} | " + " | ".join(cells) + " |"
        )
    print("\n| task | tuned AdamW | tuned Lion | Lion - AdamW | zoo adamw | zoo lion |")
    print("|---|---|---|---|---|---|")
    for label in labels:
        row = result.losses[label]
        gap = row["Lion"] - row["AdamW"]
        print(f"| {label} | {row['AdamW']:.4f} | {row['Lion']:.4f} | {gap:+.4f} | "
              f"{row['adamw']:.4f} | {row['lion']:.4f} |")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({"optimizers": names, "losses": result.losses,
                                         "settings": result.settings,
                                         "per_seed": result.per_seed,
                                         "proxies": [v.label for v in proxies],
                                         "targets": target_labels,
                                         "seconds": result.seconds}, indent=1))  # fmt: skip
    return 0


def _rank(result, label: str, name: str) -> str:
    order = ranks(result.losses[label], result.optimizers)
    return f"{order[result.optimizers.index(name)]:g}"


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    sys.exit(main())
