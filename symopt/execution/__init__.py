"""From programs to numbers: the reference meaning, and the fast paths that must match it."""
