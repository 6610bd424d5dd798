"""How the PyTorch export writes each element-wise op: per tensor, in place, and over lists.

A Tree is a list of tensors. An element-wise statement is written one of three ways:

- **in place** (``INPLACE``), when its first Tree argument (or, where listed, its second) holds a
  buffer the step owns (a state slot or an earlier result) that nothing reads afterwards: the
  buffer is overwritten, so the step allocates nothing;
- **foreach** (``FOREACH``), with ``torch._foreach_*`` over the whole list, when the optimizer's
  ``foreach`` flag is on and the op has a list form for its argument kinds;
- otherwise **per tensor**: a list comprehension over ``Op.torch_template`` (``OUT_OF_PLACE``
  overrides it where a cheaper spelling computes the same).

Templates take ``{0}``, ``{1}``, ... for the arguments: one tensor (or a scalar) per argument in
the per-tensor forms, a list (or a scalar) in the foreach forms. A scalar is a Python float or a
0-d float32 tensor; PyTorch computes ``bfloat16_tensor * scalar`` in float32 and rounds the result
once, so a constant such as 0.999 is never rounded to bfloat16. Ops in ``FLOAT_ARGS`` accept a
Python float wherever a scalar goes; the others get 0-d tensors. Every form computes the
protected meaning of the registry (``symopt.dsl.ops``): ``interp(x, y, a) = lerp(x, y, a)``,
``div(a, b) = a / (b + 1e-8)`` and so on.
"""

from __future__ import annotations

FLOAT_ARGS = {"add", "sub", "mul", "div", "interp", "square", "negative"}

# op -> (argument position that is overwritten, statement template). The template mutates ``{k}``.
INPLACE: dict[str, tuple[tuple[int, str], ...]] = {
    "add": ((0, "{0}.add_({1})"), (1, "{1}.add_({0})")),
    "sub": ((0, "{0}.sub_({1})"),),
    "mul": ((0, "{0}.mul_({1})"), (1, "{1}.mul_({0})")),
    "div": ((0, "{0}.div_({1} + 1e-08)"), (1, "torch.div({0}, {1}.add_(1e-08), out={1})")),
    "interp": ((0, "{0}.lerp_({1}, {2})"), (1, "{1}.lerp_({0}, 1.0 - {2})")),
    "abs": ((0, "{0}.abs_()"),),
    "sign": ((0, "{0}.sign_()"),),
    "negative": ((0, "{0}.neg_()"),),
    "square": ((0, "{0}.mul_({0})"),),
    "sqrt": ((0, "{0}.abs_().sqrt_()"),),
    "exp": ((0, "{0}.exp_()"),),
    "log": ((0, "{0}.abs_().log_()"),),
    "tanh": ((0, "{0}.tanh_()"),),
    "reciprocal": ((0, "{0}.add_(1e-08).reciprocal_()"),),
    "rsqrt": ((0, "{0}.abs_().sqrt_().add_(1e-08).reciprocal_()"),),
}
"""In-place forms; ``interp`` and ``div`` only when their scalar argument is a Python float
(``lerp_`` wants its weight in the tensor's dtype otherwise) or, for ``div``, a Tree."""

OUT_OF_PLACE = {
    "interp": "torch.lerp({0}, {1}, {2})",
    "sqrt": "torch.abs({0}).sqrt_()",
    "log": "torch.abs({0}).log_()",
    "reciprocal": "torch.add({0}, 1e-08).reciprocal_()",
    "rsqrt": "torch.abs({0}).sqrt_().add_(1e-08).reciprocal_()",
}
"""Per-tensor forms that allocate less than the registry's; ``interp`` only between two Trees
with a float weight."""

# op -> {argument kinds ("T" Tree, "S" scalar): (out-of-place, in-place on {0})}
FOREACH: dict[str, dict[str, tuple[str, str]]] = {
    "add": {
        "TT": ("torch._foreach_add({0}, {1})", "torch._foreach_add_({0}, {1})"),
        "TS": ("torch._foreach_add({0}, {1})", "torch._foreach_add_({0}, {1})"),
    },
    "sub": {
        "TT": ("torch._foreach_sub({0}, {1})", "torch._foreach_sub_({0}, {1})"),
        "TS": ("torch._foreach_sub({0}, {1})", "torch._foreach_sub_({0}, {1})"),
    },
    "mul": {
        "TT": ("torch._foreach_mul({0}, {1})", "torch._foreach_mul_({0}, {1})"),
        "TS": ("torch._foreach_mul({0}, {1})", "torch._foreach_mul_({0}, {1})"),
    },
    "div": {
        "TT": (
            "torch._foreach_div({0}, torch._foreach_add({1}, 1e-08))",
            "torch._foreach_div_({0}, torch._foreach_add({1}, 1e-08))",
        ),
        "TS": ("torch._foreach_div({0}, {1} + 1e-08)", "torch._foreach_div_({0}, {1} + 1e-08)"),
    },
    "interp": {
        "TTF": ("torch._foreach_lerp({0}, {1}, {2})", "torch._foreach_lerp_({0}, {1}, {2})"),
    },
    "abs": {"T": ("torch._foreach_abs({0})", "torch._foreach_abs_({0})")},
    "sign": {"T": ("torch._foreach_sign({0})", "torch._foreach_sign_({0})")},
    "negative": {"T": ("torch._foreach_neg({0})", "torch._foreach_neg_({0})")},
    "square": {"T": ("torch._foreach_mul({0}, {0})", "torch._foreach_mul_({0}, {0})")},
    "exp": {"T": ("torch._foreach_exp({0})", "torch._foreach_exp_({0})")},
    "sqrt": {
        "T": ("_foreach_sqrt_abs({0})", "_foreach_sqrt_abs_({0})"),
    },
}
"""List forms by argument kinds: ``F`` is a Python float (``lerp``'s weight must be one), and a
commutative op with its scalar first is written with its arguments swapped."""

COMMUTATIVE = {"add", "mul"}

FOREACH_HELPERS = {
    "sqrt": """
def _foreach_sqrt_abs(x):
    y = torch._foreach_abs(x)
    torch._foreach_sqrt_(y)
    return y


def _foreach_sqrt_abs_(x):
    torch._foreach_abs_(x)
    torch._foreach_sqrt_(x)
""",
}
"""Module-level helpers of the list forms, by op."""
