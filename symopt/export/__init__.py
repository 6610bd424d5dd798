"""Programs as optimizer source code for other frameworks."""

from symopt.export.optax_export import to_optax_source
from symopt.export.selftest import selftest_source
from symopt.export.torch_export import to_torch_source

__all__ = ["selftest_source", "to_optax_source", "to_torch_source"]
