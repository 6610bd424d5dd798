"""Tiny pre-LayerNorm transformers: a vision transformer and a character language model.

Parameters are flat dicts of float32 arrays (see :mod:`proxy_tasks.models`). Each block is
``x + attn(ln1(x))`` then ``x + mlp(ln2(x))`` with a GELU MLP; a final LayerNorm feeds the head.
Embeddings and positions start ~ N(0, 0.02²); dense weights as in :func:`models.dense_init`.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp

from proxy_tasks.models import dense_init


def _layer_norm(params: dict, name: str, x: jax.Array) -> jax.Array:
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.var(x, axis=-1, keepdims=True)
    return (x - mean) * jax.lax.rsqrt(var + 1e-5) * params[f"{name}.scale"] + params[f"{name}.bias"]


def _dense(params: dict, name: str, x: jax.Array) -> jax.Array:
    return x @ params[f"{name}.w"] + params[f"{name}.b"]


def _init_dense(params: dict, key: jax.Array, name: str, fan_in: int, fan_out: int) -> None:
    params[f"{name}.w"] = dense_init(key, fan_in, fan_out)
    params[f"{name}.b"] = jnp.zeros((fan_out,), jnp.float32)


def _init_layer_norm(params: dict, name: str, dim: int) -> None:
    params[f"{name}.scale"] = jnp.ones((dim,), jnp.float32)
    params[f"{name}.bias"] = jnp.zeros((dim,), jnp.float32)


@dataclass(frozen=True)
class Encoder:
    """``depth`` blocks of width ``dim`` with ``heads`` attention heads; causal if asked."""

    dim: int
    depth: int
    heads: int
    mlp_dim: int
    causal: bool

    def init(self, key: jax.Array) -> dict:
        params: dict = {}
        for i, k in enumerate(jax.random.split(key, self.depth)):
            k_qkv, k_out, k_up, k_down = jax.random.split(k, 4)
            _init_layer_norm(params, f"block{i}.ln1", self.dim)
            _init_dense(params, k_qkv, f"block{i}.qkv", self.dim, 3 * self.dim)
            _init_dense(params, k_out, f"block{i}.attn_out", self.dim, self.dim)
            _init_layer_norm(params, f"block{i}.ln2", self.dim)
            _init_dense(params, k_up, f"block{i}.mlp_up", self.dim, self.mlp_dim)
            _init_dense(params, k_down, f"block{i}.mlp_down", self.mlp_dim, self.dim)
        _init_layer_norm(params, "final_ln", self.dim)
        return params

    def apply(self, params: dict, x: jax.Array) -> jax.Array:
        """``[batch, length, dim]`` in and out; dense layers run on ``[batch * length, dim]``."""
        batch, length, dim = x.shape
        x = x.reshape(batch * length, dim)
        for i in range(self.depth):
            h = _layer_norm(params, f"block{i}.ln1", x)
            x = x + self._attention(params, f"block{i}", h, batch, length)
            h = _layer_norm(params, f"block{i}.ln2", x)
            h = jax.nn.gelu(_dense(params, f"block{i}.mlp_up", h))
            x = x + _dense(params, f"block{i}.mlp_down", h)
        return _layer_norm(params, "final_ln", x).reshape(batch, length, dim)

    def _attention(self, params: dict, name: str, x: jax.Array, batch: int, length: int):
        head_dim = self.dim // self.heads
        qkv = _dense(params, f"{name}.qkv", x).reshape(batch, length, 3, self.heads, head_dim)
        q, k, v = qkv.transpose(2, 0, 3, 1, 4)  # each [batch, heads, length, head_dim]
        scores = jnp.einsum("bhqd,bhkd->bhqk", q, k) * jnp.float32(head_dim**-0.5)
        if self.causal:
            mask = jnp.tril(jnp.ones((length, length), bool))
            scores = jnp.where(mask, scores, jnp.float32(-1e9))
        out = jnp.einsum("bhqk,bhkd->bhqd", jax.nn.softmax(scores, axis=-1), v)
        out = out.transpose(0, 2, 1, 3).reshape(batch * length, self.dim)
        return _dense(params, f"{name}.attn_out", out)


@dataclass(frozen=True)
class ViT:
    """Square ``image_size`` grey images in, ``num_classes`` logits out.

    Input ``x`` is ``[batch, image_size**2]`` (row-major pixels); non-overlapping
    ``patch × patch`` patches are embedded linearly, positions added, the encoder output is
    mean-pooled over patches and a linear head gives the logits.
    """

    image_size: int
    patch: int
    encoder: Encoder
    num_classes: int

    @property
    def num_patches(self) -> int:
        return (self.image_size // self.patch) ** 2

    def init(self, key: jax.Array) -> dict:
        k_embed, k_pos, k_enc, k_head = jax.random.split(key, 4)
        dim = self.encoder.dim
        params = self.encoder.init(k_enc)
        _init_dense(params, k_embed, "patch_embed", self.patch**2, dim)
        params["pos"] = 0.02 * jax.random.normal(k_pos, (self.num_patches, dim), jnp.float32)
        _init_dense(params, k_head, "head", dim, self.num_classes)
        return params

    def apply(self, params: dict, x: jax.Array) -> jax.Array:
        side, p = self.image_size // self.patch, self.patch
        x = x.reshape(x.shape[0], side, p, side, p).transpose(0, 1, 3, 2, 4)
        x = _dense(params, "patch_embed", x.reshape(x.shape[0], side * side, p * p))
        x = self.encoder.apply(params, x + params["pos"])
        return _dense(params, "head", jnp.mean(x, axis=1))


@dataclass(frozen=True)
class CharLM:
    """Causal character model: int32 tokens ``[batch, length ≤ context]`` → logits per position."""

    vocab: int
    context: int
    encoder: Encoder

    def init(self, key: jax.Array) -> dict:
        k_embed, k_pos, k_enc, k_head = jax.random.split(key, 4)
        dim = self.encoder.dim
        params = self.encoder.init(k_enc)
        params["embed"] = 0.02 * jax.random.normal(k_embed, (self.vocab, dim), jnp.float32)
        params["pos"] = 0.02 * jax.random.normal(k_pos, (self.context, dim), jnp.float32)
        _init_dense(params, k_head, "head", dim, self.vocab)
        return params

    def apply(self, params: dict, tokens: jax.Array) -> jax.Array:
        x = params["embed"][tokens] + params["pos"][: tokens.shape[1]]
        return _dense(params, "head", self.encoder.apply(params, x))
