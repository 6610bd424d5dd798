"""Regularized evolution (Real et al. 2019), steady state and asynchronous; pure logic.

The population holds ``P`` members. ``ask`` draws ``T`` members at random (with replacement),
mutates the fittest into a child; ``tell`` adds an evaluated child and drops the oldest member.
Any number of children may be asked for before their results are told, so every worker gets its
next child as soon as it is free. The population starts as ``P`` copies of the evaluated seed
program (warm start). After ``plateau`` results without a new best, the population restarts as
copies of the best program so far or of the seed.

Randomness: child ``i`` draws from its own generator seeded by ``(campaign seed, i)``, so the
state of a search is its log of results alone: replaying the stored results through ``tell``
rebuilds the population exactly (that is how a run resumes), and with one worker the same seed
gives the same run.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass

from symopt.dsl.program import Program
from symopt.search.mutation import MutationConfig, mutate


@dataclass(frozen=True)
class EvolutionConfig:
    population: int
    tournament: int
    plateau: int | None = None
    restart_from: str = "best"  # "best" | "seed"


@dataclass(frozen=True)
class Member:
    """An evaluated program: ``id`` is its record in the run store."""

    id: int
    program: Program
    fitness: float
    hurdle_fitness: float = float("nan")  # fitness at the hurdle step (NaN: not measured)
    key: str = ""  # what makes two members the same program (the fingerprint); "" = unique


@dataclass(frozen=True)
class Candidate:
    """A child to evaluate: generation ``index``, its parent's id and the mutation that made it."""

    index: int
    program: Program
    parent_id: int | None
    origin: str
    tries: int = 0


class RegularizedEvolution:
    def __init__(
        self,
        config: EvolutionConfig,
        mutation: MutationConfig,
        seed_program: Program,
        campaign_seed: int,
    ) -> None:
        self.config = config
        self.mutation = mutation
        self.seed_program = seed_program
        self.campaign_seed = campaign_seed
        self.population: deque[Member] = deque(maxlen=config.population)
        self.seed_member: Member | None = None
        self.best: Member | None = None
        self.since_improvement = 0
        self.next_index = 1
        self.restarts = 0
        self.told = 0

    @property
    def started(self) -> bool:
        return self.seed_member is not None

    def seed_candidate(self) -> Candidate:
        """Candidate 0: the seed program itself."""
        return Candidate(0, self.seed_program, None, "seed")

    def rng(self, index: int) -> random.Random:
        return random.Random(f"{self.campaign_seed}/{index}")

    def ask(self) -> Candidate:
        """The next child: the fittest of ``T`` random members, mutated."""
        if not self.started:
            raise RuntimeError("tell the seed's result before asking for children")
        index = self.next_index
        self.next_index += 1
        rng = self.rng(index)
        contenders = rng.choices(self.population, k=self.config.tournament)
        parent = max(contenders, key=lambda m: m.fitness)
        mutant = mutate(rng, parent.program, self.mutation)
        return Candidate(index, mutant.program, parent.id, mutant.kind, mutant.tries)

    def tell(self, member: Member, index: int) -> str | None:
        """Add an evaluated candidate; returns ``"restart"`` when this result triggered one."""
        self.told += 1
        self.next_index = max(self.next_index, index + 1)
        if not self.started:
            self.seed_member = member
            self.best = member
            self.population.extend([member] * self.config.population)
            return None
        self.population.append(member)
        if member.fitness > self.best.fitness:
            self.best = member
            self.since_improvement = 0
        else:
            self.since_improvement += 1
        plateau = self.config.plateau
        if plateau is not None and self.since_improvement >= plateau:
            start = self.best if self.config.restart_from == "best" else self.seed_member
            self.population.extend([start] * self.config.population)
            self.since_improvement = 0
            self.restarts += 1
            return "restart"
        return None

    def fitnesses(self) -> list[float]:
        return [m.fitness for m in self.population]

    def hurdle_fitnesses(self) -> list[float]:
        """The fitness at the hurdle step of each *distinct* member (clones and cached copies
        count once, by ``key``), where it was measured."""
        distinct = {
            m.key or f"#{m.id}": m.hurdle_fitness
            for m in self.population
            if m.hurdle_fitness == m.hurdle_fitness
        }
        return list(distinct.values())
