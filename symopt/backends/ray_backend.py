"""The Ray backend: one actor per CPU, each compiling its tasks once, fed asynchronously.

Without an address, a local Ray instance sized to this machine is started and shut down at the
end; with one, the search joins that cluster (``ray start --head`` elsewhere; symopt must be
installed on every node). Actors restart when their process dies, and Ray retries their
in-flight job on the restarted actor, so a killed worker loses nothing; a job that fails on the
worker anyway comes back as a result with status ``error``.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import warnings
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

import ray
from ray.exceptions import AuthenticationError, GetTimeoutError, RayActorError, RayTaskError

from symopt.backends.jobs import EvaluationWorker, Job, JobResult, TaskSpec
from symopt.backends.reaper import start_reaper, stop_reaper
from symopt.errors import SymoptError

_reaper = None  # the reaper of the local instance this process started, if any

# One evaluation uses one core: keep XLA from spreading each actor over every core.
_ACTOR_ENV = {"XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false", "OMP_NUM_THREADS": "1"}


class _Actor:
    def __init__(self, tasks, hurdle_fraction, layout=None):
        self.worker = EvaluationWorker(tasks, hurdle_fraction, layout)

    def warm_up(self, program_text: str) -> str:
        self.worker.warm_up(program_text)
        return self.worker.name

    def pid(self) -> int:
        return os.getpid()

    def run(self, job: Job) -> JobResult:
        return self.worker.run(job)


class RayBackend:
    def __init__(
        self,
        tasks: list[TaskSpec],
        hurdle_fraction: float | None = None,
        workers: int | str = "auto",
        address: str | None = None,
        layout=None,
    ) -> None:
        self.owns_ray = start_ray(address)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        count = cpus if workers == "auto" else int(workers)
        remote = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=-1)(_Actor)
        options = {"runtime_env": {"env_vars": _ACTOR_ENV}}
        self.actors = [
            remote.options(**options).remote(tasks, hurdle_fraction, layout) for _ in range(count)
        ]
        self.idle = deque(self.actors)
        self.pending: dict = {}
        self.address = address

    @property
    def capacity(self) -> int:
        return len(self.actors)

    @property
    def in_flight(self) -> int:
        return len(self.pending)

    def describe(self) -> str:
        where = f"Ray cluster {self.address}" if self.address else "local Ray instance"
        return f"ray backend, {len(self.actors)} workers ({where})"

    def warm_up(self, program_text: str) -> None:
        """Compile every actor's evaluators before the clock starts."""
        ray.get([actor.warm_up.remote(program_text) for actor in self.actors])

    def worker_pids(self) -> list[int]:
        return ray.get([actor.pid.remote() for actor in self.actors])

    def submit(self, job: Job) -> None:
        actor = self.idle.popleft()
        self.pending[actor.run.remote(job)] = (job, actor)

    def poll(self, timeout: float = 0.1) -> list[JobResult]:
        if not self.pending:
            return []
        ready, rest = ray.wait(list(self.pending), num_returns=1, timeout=timeout)
        if ready and rest:  # and whatever else has finished meanwhile, without waiting
            ready += ray.wait(rest, num_returns=len(rest), timeout=0)[0]
        results = []
        for ref in ready:
            job, actor = self.pending.pop(ref)
            self.idle.append(actor)
            try:
                results.append(ray.get(ref, timeout=60))
            except (RayActorError, GetTimeoutError):
                self.submit(job)  # the actor died for good: train the job again elsewhere
            except RayTaskError as err:
                reason = " ".join(str(err).split())[:300]
                results.append(JobResult(job.index, float("nan"), "error", reason, 0.0, "ray"))
        return results

    def close(self, drain_seconds: float = 5.0) -> None:
        """Stop the actors. Jobs still running get ``drain_seconds`` to finish first (their
        results are dropped): killing an actor mid-job makes Ray print a retry warning."""
        if self.pending:
            ray.wait(list(self.pending), num_returns=len(self.pending), timeout=drain_seconds)
        for actor in self.actors:
            ray.kill(actor)
        self.actors, self.pending = [], {}
        if self.owns_ray:
            stop_ray()


def start_ray(address: str | None) -> bool:
    """Join the cluster at ``address``, or start a local instance sized to this machine when
    ``address`` is None; nothing when Ray already runs in this process. True when this call
    started a local instance (the caller shuts it down)."""
    if ray.is_initialized():
        return False
    if address:
        _check_reachable(address)
        _join(address)
        return False
    global _reaper
    try:
        with warnings.catch_warnings():
            # Ray starts its processes with fork + exec; JAX's warning about a fork in a
            # threaded process does not apply to a child that execs at once.
            warnings.filterwarnings("ignore", r"os\.fork\(\) was called", RuntimeWarning)
            _reaper = start_reaper()  # before ray.init: Ctrl-C at start-up leaves processes too
            ray.init(  # "local": a new instance, even if a cluster runs on this machine
                address="local",
                num_cpus=os.cpu_count(),
                include_dashboard=False,
                logging_level="ERROR",
                log_to_driver=False,
            )
    except (ConnectionError, RuntimeError, ValueError) as err:
        stop_ray()
        reason = " ".join(str(err).split())
        raise SymoptError(f"cannot start a local Ray instance: {reason}") from None
    except BaseException:
        stop_ray()
        raise
    return True


def stop_ray() -> None:
    """Shut down the local instance ``start_ray`` started, and let its reaper sweep up after it
    (see ``symopt.backends.reaper``)."""
    global _reaper
    try:
        ray.shutdown()
    finally:
        stop_reaper(_reaper)
        _reaper = None


def _join(address: str) -> None:
    """``ray.init(address)``, with Ray's own stderr held back while it connects: a cluster that
    rejects this machine's token makes Ray's core print one warning per retry for half a minute
    before a misleading "failed to connect"; that becomes one line saying how to give the token.
    What Ray printed is passed on when the connection works or fails for another reason."""
    with _held_stderr() as held:
        try:
            ray.init(address=address, logging_level="ERROR", log_to_driver=False)
            error = None
        except AuthenticationError:
            error = _TOKEN_REQUIRED.format(address=address)
        except (ConnectionError, RuntimeError, ValueError) as err:
            error = f"cannot reach the Ray cluster at {address}: {' '.join(str(err).split())}"
    if error is not None and "InvalidAuthToken" in held.text:
        error = _TOKEN_REQUIRED.format(address=address)
    elif held.text:
        sys.stderr.write(held.text)
    if error is not None:
        raise SymoptError(error)


_TOKEN_REQUIRED = (
    "the Ray cluster at {address} requires token authentication and this machine has no or "
    "another token: run 'ray get-auth-token' on its head node and give that token here as "
    "RAY_AUTH_TOKEN=<token> (or RAY_AUTH_TOKEN_PATH=<file>, or in ~/.ray/auth_token), with "
    "RAY_AUTH_MODE=token"
)


class _Held:
    text = ""


@contextmanager
def _held_stderr() -> Iterator[_Held]:
    """Send file descriptor 2 (where Ray's C++ core writes) to a temporary file for the block."""
    held = _Held()
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield held
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            held.text = sink.read().decode("utf-8", "replace")


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast, in one line, when nothing listens at ``host:port`` (``ray.init`` would wait for
    minutes). ``auto`` and other forms without a port are left to Ray."""
    hostport = address.removeprefix("ray://")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise SymoptError(
            f"cannot reach the Ray cluster at {address} ({reason}); start one there with "
            "'ray start --head' or drop --address to use a local instance"
        ) from None


class _PoolActor:
    def __init__(self, worker_class):
        self.worker = worker_class()

    def run(self, job):
        return self.worker.run(job)


def map_on_ray(worker_class, jobs, workers="auto", address=None, on_result=None) -> list:
    """:func:`symopt.backends.pool.map_jobs` on Ray actors (one core each)."""
    owns_ray = start_ray(address)
    actors = []
    try:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        # more actors than CPUs would wait for a CPU forever, holding the jobs given to them
        count = max(1, min(cpus if workers == "auto" else int(workers), cpus, len(jobs)))
        remote = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=-1)(_PoolActor)
        options = {"runtime_env": {"env_vars": _ACTOR_ENV}}
        actors = [remote.options(**options).remote(worker_class) for _ in range(count)]
        idle, queue = deque(actors), deque(range(len(jobs)))
        pending: dict = {}
        results: list = [None] * len(jobs)
        while queue or pending:
            while queue and idle:
                index, actor = queue.popleft(), idle.popleft()
                pending[actor.run.remote(jobs[index])] = (index, actor)
            if not pending:
                raise SymoptError("every Ray worker died; nothing is left to run the jobs on")
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                index, actor = pending.pop(ref)
                try:
                    results[index] = ray.get(ref)
                except RayActorError:  # the actor died for good: run the job elsewhere
                    queue.appendleft(index)
                    continue
                except RayTaskError as err:
                    raise RuntimeError(f"job {index} failed on a Ray worker: {err}") from None
                idle.append(actor)
                if on_result:
                    on_result(index, results[index])
        return results
    finally:
        for actor in actors:
            ray.kill(actor)
        if owns_ray:
            stop_ray()
