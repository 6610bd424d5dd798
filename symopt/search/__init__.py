"""Search: random programs, mutation and regularized evolution (pure: no Ray, no files)."""
