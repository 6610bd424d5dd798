"""Hand-written models: parameters are flat dicts of float32 arrays, named ``"<layer>.<kind>"``.

A model is a frozen dataclass with ``init(key) -> params`` and ``apply(params, x) -> logits``.
Initialisation: dense weights ~ N(0, gain / fan_in) with gain 2 before a ReLU and 1 elsewhere;
biases zero. Leaves are plain ``jnp.float32`` arrays and nothing else (no integer buffers), so a
parameter pytree can be raveled into one flat vector.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp


def dense_init(key: jax.Array, fan_in: int, fan_out: int, gain: float = 1.0) -> jax.Array:
    """A ``[fan_in, fan_out]`` float32 weight with variance ``gain / fan_in``."""
    scale = math.sqrt(gain / fan_in)
    return jax.random.normal(key, (fan_in, fan_out), jnp.float32) * jnp.float32(scale)


ACTIVATIONS = {"relu": jax.nn.relu, "tanh": jnp.tanh, "gelu": jax.nn.gelu}


@dataclass(frozen=True)
class MLP:
    """``layer_sizes = (inputs, hidden..., outputs)``; ``activation`` (a key of
    :data:`ACTIVATIONS`, ReLU by default) between layers, linear outputs (logits) out.

    Params: ``layer{i}.w`` ``[n_i, n_{i+1}]`` and ``layer{i}.b`` ``[n_{i+1}]``. Hidden layers
    have gain 2 before a ReLU, 1 before a tanh or GELU; the output layer has ``out_gain``
    (a regression sets it small, so that training starts from outputs near zero).
    """

    layer_sizes: tuple[int, ...]
    activation: str = "relu"
    out_gain: float = 1.0

    def init(self, key: jax.Array) -> dict:
        params = {}
        pairs = list(zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True))
        keys = jax.random.split(key, len(pairs))
        for i, ((fan_in, fan_out), k) in enumerate(zip(pairs, keys, strict=True)):
            hidden_gain = 2.0 if self.activation == "relu" else 1.0
            gain = hidden_gain if i < len(pairs) - 1 else self.out_gain
            params[f"layer{i}.w"] = dense_init(k, fan_in, fan_out, gain)
            params[f"layer{i}.b"] = jnp.zeros((fan_out,), jnp.float32)
        return params

    def apply(self, params: dict, x: jax.Array) -> jax.Array:
        x = x.reshape(x.shape[0], -1)
        last = len(self.layer_sizes) - 2
        for i in range(last + 1):
            x = x @ params[f"layer{i}.w"] + params[f"layer{i}.b"]
            if i < last:
                x = ACTIVATIONS[self.activation](x)
        return x


def cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Mean negative log-likelihood (nats) of int ``labels`` under ``logits[..., classes]``."""
    log_probs = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.mean(jnp.take_along_axis(log_probs, labels[..., None], axis=-1))


def mean_squared_error(outputs: jax.Array, targets: jax.Array) -> jax.Array:
    """Mean over every element of ``(outputs - targets) ** 2`` (float32 targets, same shape)."""
    return jnp.mean(jnp.square(outputs - targets))


def accuracy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Fraction of positions whose arg-max class equals the label (float32)."""
    return jnp.mean((jnp.argmax(logits, axis=-1) == labels).astype(jnp.float32))
