"""The registry of proxy tasks: one builder per name, each with sizes 1, 10 and 100.

Size 10 and 100 give roughly 10× and 100× the training compute of size 1 (a wider or deeper model
and more steps); ``proxy_tasks/README.md`` lists the measured times. Warm-up is 10% of the steps.

**Seeds** (EVALUATION.md rule 2). A task's seed fixes its initial parameters and batch order (not
its data splits). Every task is built with :data:`SEED` 0, the search's seed; seeds below
:data:`TUNING_SEED_START` belong to the search (its task seed and any re-evaluation seeds). The
benchmark and the funnel choose hyperparameters over :func:`tuning_seeds` and report over
:func:`report_seeds`, two ranges disjoint from each other and from the search's.
"""

from __future__ import annotations

import difflib
import functools
import math
from collections.abc import Callable

from proxy_tasks import data, text, user
from proxy_tasks.base import SIZES, Task
from proxy_tasks.errors import TaskError
from proxy_tasks.models import MLP
from proxy_tasks.sources import ArraySource, TextSource
from proxy_tasks.transformer import CharLM, Encoder, ViT

SEED = 0
"""The seed every task is built with: the search's."""
TUNING_SEED_START = 1000
REPORT_SEED_START = 2000
MAX_SEEDS = REPORT_SEED_START - TUNING_SEED_START


def tuning_seeds(count: int) -> list[int]:
    """The ``count`` seeds on which the benchmark and the funnel choose lr and weight decay."""
    return list(range(TUNING_SEED_START, TUNING_SEED_START + count))


def report_seeds(count: int) -> list[int]:
    """The ``count`` seeds on which the benchmark and the funnel report test metrics."""
    return list(range(REPORT_SEED_START, REPORT_SEED_START + count))


def _classifier(name, family, size, steps, batch, model, source, description) -> Task:
    classes = source.num_classes
    return Task(
        name=name,
        family=family,
        size=size,
        num_steps=steps,
        batch_size=batch,
        warmup_steps=steps // 10,
        seed=SEED,
        metric_name="val_accuracy",
        worst_fitness=0.0,
        divergence_loss=10.0 * math.log(classes),
        model=model,
        source=source,
        description=description,
    )


def digits_mlp(size: int) -> Task:
    """MLP on scikit-learn's 8×8 digits; size 1 is 64-128-10, 300 steps of 128."""
    hidden, steps = {1: ((128,), 300), 10: ((384,), 900), 100: ((384, 384), 2200)}[size]
    model = MLP((64, *hidden, 10))
    desc = f"MLP {'-'.join(map(str, model.layer_sizes))} on 8x8 digits"
    return _classifier("digits_mlp", "vision", size, steps, 128, model, ArraySource("digits"), desc)


def digits_vit(size: int) -> Task:
    """ViT on 8×8 digits; size 1: 4×4 patches (4 tokens), dim 32, 1 layer, 2 heads."""
    patch, dim, depth, heads, batch, steps = {
        1: (4, 32, 1, 2, 64, 300),
        10: (2, 32, 2, 2, 64, 450),
        100: (2, 64, 3, 4, 128, 600),
    }[size]
    encoder = Encoder(dim=dim, depth=depth, heads=heads, mlp_dim=2 * dim, causal=False)
    model = ViT(image_size=8, patch=patch, encoder=encoder, num_classes=10)
    desc = f"ViT {patch}x{patch} patches, dim {dim}, {depth} layer(s), {heads} heads on 8x8 digits"
    source = ArraySource("digits")
    return _classifier("digits_vit", "vision", size, steps, batch, model, source, desc)


def cancer_mlp(size: int) -> Task:
    """MLP on scikit-learn's breast-cancer table (30 standardized features, 2 classes)."""
    hidden, steps = {1: ((64,), 300), 10: ((128, 128), 500), 100: ((256, 256, 256), 1000)}[size]
    model = MLP((30, *hidden, 2))
    desc = f"MLP {'-'.join(map(str, model.layer_sizes))} on breast-cancer features"
    source = ArraySource("breast_cancer")
    return _classifier("cancer_mlp", "tabular", size, steps, 64, model, source, desc)


def fashion_mnist(size: int) -> Task:
    """MLP on Fashion-MNIST; size 1 trains on the first 10000 images, holds out 2000 + 2000."""
    data.require_fashion_mnist()
    hidden, steps, n_train, n_held_out = {
        1: ((64,), 300, 10_000, 2_000),
        10: ((256, 256), 600, None, None),
        100: ((1024, 1024), 1200, None, None),
    }[size]
    model = MLP((784, *hidden, 10))
    source = ArraySource("fashion_mnist", train_limit=n_train, held_out_limit=n_held_out)
    desc = f"MLP {'-'.join(map(str, model.layer_sizes))} on Fashion-MNIST"
    return _classifier("fashion_mnist", "vision", size, steps, 128, model, source, desc)


def shakespeare_lm(size: int) -> Task:
    """Character transformer LM on Shakespeare; fitness is minus held-out nats per character."""
    text.require_shakespeare()
    context, dim, depth, heads, batch, steps = {
        1: (32, 32, 1, 2, 8, 300),
        10: (64, 48, 2, 4, 8, 400),
        100: (64, 64, 3, 4, 16, 1400),
    }[size]
    vocab = len(text.VOCAB)
    encoder = Encoder(dim=dim, depth=depth, heads=heads, mlp_dim=4 * dim, causal=True)
    return Task(
        name="shakespeare_lm",
        family="language",
        size=size,
        num_steps=steps,
        batch_size=batch,
        warmup_steps=steps // 10,
        seed=SEED,
        metric_name="neg_val_loss",
        worst_fitness=-2.0 * math.log(vocab),
        divergence_loss=10.0 * math.log(vocab),
        model=CharLM(vocab=vocab, context=context, encoder=encoder),
        source=TextSource(context=context, held_out_windows=256),
        description=f"char transformer, context {context}, dim {dim}, {depth} layer(s)",
    )


BUILDERS: dict[str, Callable[[int], Task]] = {
    "digits_mlp": digits_mlp,
    "digits_vit": digits_vit,
    "cancer_mlp": cancer_mlp,
    "fashion_mnist": fashion_mnist,
    "shakespeare_lm": shakespeare_lm,
}


def task_names() -> list[str]:
    """Every registered task name, sorted."""
    return sorted(BUILDERS)


@functools.cache
def _build(name: str, size: int) -> Task:
    return BUILDERS[name](size)


@functools.cache
def _build_user(reference: str, size: int) -> Task:
    return user.build_user_task(reference, size)


def get_task(name: str, size: int = 1) -> Task:
    """The task ``name`` at ``size`` (1, 10 or 100); raises :class:`TaskError` for bad input.

    ``name`` is a registered task, or ``MODULE:NAME`` for a task of the user's own module
    (:mod:`proxy_tasks.user`: a file path, relative to the current folder, or a module name).
    Building is cached, so asking twice returns the same :class:`Task` cheaply.
    """
    if user.is_reference(str(name)):
        _check_size(name, size)
        return _build_user(name, int(size))
    if name not in BUILDERS:
        close = difflib.get_close_matches(str(name), task_names(), n=1)
        known = ", ".join(task_names())
        hint = f"did you mean '{close[0]}'?" if close else f"known tasks: {known}."
        raise TaskError(f"Unknown proxy task '{name}'; {hint}")
    _check_size(name, size)
    return _build(name, int(size))


def _check_size(name: str, size: object) -> None:
    if isinstance(size, bool) or size not in SIZES:
        raise TaskError(
            f"Proxy task '{name}' has sizes {', '.join(map(str, SIZES))}; got {size!r}."
        )
