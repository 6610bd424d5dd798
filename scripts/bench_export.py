"""How fast is an exported PyTorch optimizer's step against ``torch.optim.AdamW``?

A 4.2M-parameter MLP (784-2048-1024-512-10, float32, CPU unless ``--device``) gets fixed random
gradients; each optimizer's ``step()`` is timed alone, the optimizers in turn (``--steps``
rounds after ``--warmup``; the median is reported), with ``foreach`` off and on. The ratio is
against ``torch.optim.AdamW`` with the same ``foreach`` setting. Targets (issue 15): the exported
AdamW seed within 1.5x, Lion within 1.3x.

    python scripts/bench_export.py [--steps 30] [--warmup 5] [--device cpu] [--threads N]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

from symopt.dsl import read_program
from symopt.export import to_torch_source
from symopt.export.provenance import provenance_of
from symopt.export.torch_export import torch_class_name

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS = {
    "adamw seed": ROOT / "search_spaces/seeds/adamw.txt",
    "lion seed": ROOT / "search_spaces/seeds/lion.txt",
    "quick#meta": ROOT / "tests/export/programs/quick_meta.txt",
}
TARGETS = {"adamw seed": 1.5, "lion seed": 1.3}
SIZES = [784, 2048, 1024, 512, 10]


def model_params(device: str) -> list[torch.nn.Parameter]:
    torch.manual_seed(0)
    layers = [torch.nn.Linear(a, b) for a, b in zip(SIZES, SIZES[1:], strict=False)]
    params = [p for layer in layers for p in layer.parameters()]
    for p in params:
        p.data = p.data.to(device)
        p.grad = 0.01 * torch.randn_like(p)
    return params


def load_exported(name: str, path: Path, folder: Path):
    program = read_program(path)
    title = name.replace(" ", "_").replace("#", "_")
    source = to_torch_source(program, title, provenance_of(str(path), program))
    file = folder / f"{title}.py"
    file.write_text(source)
    spec = importlib.util.spec_from_file_location(title, file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, torch_class_name(title))


def time_steps(optimizers: dict, rounds: int, warmup: int, device: str) -> dict[str, float]:
    """Median seconds of one ``step()`` of each optimizer, stepped in turn, so that a change in
    the machine's load during the run falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in optimizers}
    for i in range(warmup + rounds):
        for name, opt in optimizers.items():
            if device != "cpu":
                torch.cuda.synchronize()
            start = time.perf_counter()
            opt.step()
            if device != "cpu":
                torch.cuda.synchronize()
            if i >= warmup:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    count = sum(p.numel() for p in model_params("cpu"))
    print(
        f"torch {torch.__version__}, {count / 1e6:.2f}M parameters, device {args.device}, "
        f"{torch.get_num_threads()} threads, median of {args.steps} steps"
    )
    missed = 0
    with tempfile.TemporaryDirectory() as folder:
        classes = {name: load_exported(name, path, Path(folder)) for name, path in PROGRAMS.items()}
        for foreach in (False, True):
            optimizers = {"AdamW": torch.optim.AdamW(model_params(args.device), foreach=foreach)}
            for name, cls in classes.items():
                optimizers[name] = cls(model_params(args.device), foreach=foreach)
            times = time_steps(optimizers, args.steps, args.warmup, args.device)
            base = times.pop("AdamW")
            print(f"foreach={foreach}: torch.optim.AdamW {base * 1e3:.1f} ms")
            for name, t in times.items():
                ratio, target = t / base, TARGETS.get(name)
                verdict = ""
                if target is not None:
                    verdict = f" (target {target}x: {'met' if ratio <= target else 'MISSED'})"
                    missed += ratio > target
                print(f"  {name:12s} {t * 1e3:7.1f} ms  {ratio:.2f}x AdamW{verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
