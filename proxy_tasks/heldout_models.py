"""Architectures of the held-out suite, none of which the search trains: a convolutional net and
a fixed-window character language model (Bengio et al. 2003), in the conventions of
:mod:`proxy_tasks.models` (flat dicts of float32 arrays, ``init(key)``, ``apply(params, x)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp

from proxy_tasks.models import dense_init


@dataclass(frozen=True)
class SmallCNN:
    """Square grey images in (flattened), logits out: ``conv 3×3 → ReLU → conv 3×3 stride 2 →
    ReLU → global average pool → dense``, 'SAME' padding, NHWC.

    Params: ``conv0.w`` ``[3, 3, 1, c0]``, ``conv1.w`` ``[3, 3, c0, c1]`` (He-normal, variance
    ``2 / (9 c_in)``), their biases, and ``head.w`` ``[c1, classes]``, ``head.b``.
    """

    image_size: int
    channels: tuple[int, int]
    num_classes: int

    def init(self, key: jax.Array) -> dict:
        k0, k1, k2 = jax.random.split(key, 3)
        c0, c1 = self.channels
        params = {}
        for name, k, c_in, c_out in (("conv0", k0, 1, c0), ("conv1", k1, c0, c1)):
            scale = jnp.float32(math.sqrt(2.0 / (9 * c_in)))
            params[f"{name}.w"] = jax.random.normal(k, (3, 3, c_in, c_out), jnp.float32) * scale
            params[f"{name}.b"] = jnp.zeros((c_out,), jnp.float32)
        params["head.w"] = dense_init(k2, c1, self.num_classes)
        params["head.b"] = jnp.zeros((self.num_classes,), jnp.float32)
        return params

    def apply(self, params: dict, x: jax.Array) -> jax.Array:
        h = x.reshape(x.shape[0], self.image_size, self.image_size, 1)
        for name, stride in (("conv0", 1), ("conv1", 2)):
            h = jax.lax.conv_general_dilated(
                h, params[f"{name}.w"], (stride, stride), "SAME",
                dimension_numbers=("NHWC", "HWIO", "NHWC"),
            )  # fmt: skip
            h = jax.nn.relu(h + params[f"{name}.b"])
        return h.mean(axis=(1, 2)) @ params["head.w"] + params["head.b"]


@dataclass(frozen=True)
class WindowLM:
    """Next-character model on a fixed window: ``embed`` each of ``context`` int32 characters,
    concatenate, one tanh hidden layer, logits over ``vocab``.

    Params: ``embed`` ``[vocab, dim]`` (N(0, 1)), ``hidden.w`` ``[context * dim, hidden]``,
    ``hidden.b``, ``out.w`` ``[hidden, vocab]``, ``out.b``.
    """

    vocab: int
    context: int
    dim: int
    hidden: int

    def init(self, key: jax.Array) -> dict:
        k0, k1, k2 = jax.random.split(key, 3)
        return {
            "embed": jax.random.normal(k0, (self.vocab, self.dim), jnp.float32),
            "hidden.w": dense_init(k1, self.context * self.dim, self.hidden),
            "hidden.b": jnp.zeros((self.hidden,), jnp.float32),
            "out.w": dense_init(k2, self.hidden, self.vocab),
            "out.b": jnp.zeros((self.vocab,), jnp.float32),
        }

    def apply(self, params: dict, x: jax.Array) -> jax.Array:
        h = params["embed"][x].reshape(x.shape[0], self.context * self.dim)
        h = jnp.tanh(h @ params["hidden.w"] + params["hidden.b"])
        return h @ params["out.w"] + params["out.b"]
