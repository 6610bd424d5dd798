"""symopt: discover neural-network optimizers by evolutionary program search."""

__version__ = "0.1.0"
