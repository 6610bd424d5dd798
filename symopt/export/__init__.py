"""Programs as optimizer source code for other frameworks."""

from symopt.export.optax_export import to_optax_source
from symopt.export.provenance import Provenance, provenance_of
from symopt.export.selftest import selftest_source
from symopt.export.torch_export import to_torch_source

__all__ = ["Provenance", "provenance_of", "selftest_source", "to_optax_source", "to_torch_source"]
