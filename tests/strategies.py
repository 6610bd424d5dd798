"""Hypothesis strategies shared by the tests."""

from hypothesis import strategies as st

from symopt.search.random_programs import random_program


@st.composite
def programs(draw, max_statements: int = 12, max_states: int = 3):
    """Random valid programs, drawn through symopt's own generator."""
    rng = draw(st.randoms(use_true_random=False))
    length = draw(st.integers(0, max_statements))
    states = draw(st.integers(0, max_states))
    return random_program(rng, length, num_states=states)
