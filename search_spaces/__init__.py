"""Search spaces as data: op sets with insertion weights, state slots, seed programs, limits."""
