"""Programs as optimizer source code for other frameworks."""

from symopt.export.optax_export import to_optax_source

__all__ = ["to_optax_source"]
