"""Where the blocks of a virtual trial run: in this process one after another, or as tasks on a Dask cluster.

A large virtual trial is cut into blocks of patients (:data:`DEFAULT_BLOCK_SIZE` each). Every block is
computed by a pure function of data shared by the whole trial (small: the time grid, a few settings) and
of the block's own inputs (its patients' states, parameters, exposures and random numbers, all drawn
beforehand). Patients are independent and their random numbers do not depend on the partition, so the
result is the same, bit for bit, whatever the block size and wherever the blocks run; only memory (one
block's trajectories at a time) and wall time change.

Runners
    :class:`InProcessRunner` - blocks in order, in this process (the default).
    :class:`DaskRunner` - blocks as tasks on a ``distributed`` cluster. The shared data is sent to every
    worker once (``scatter(broadcast=True)``); each block's inputs are sent once, to one worker; results
    come back in block order. The ``on_done`` callback runs in the calling process as each block finishes.

:func:`open_runner` maps the user's ``scheduler`` argument to a runner: ``None`` in-process; ``"local"`` a
``distributed.LocalCluster`` of one single-threaded worker process per CPU core (numba limited to one thread
per worker), closed afterwards; any other string the address of a running scheduler (``tcp://host:port``),
whose workers must have lenvici installed; an existing ``distributed.Client`` is used as it is (and left
open). Worker processes are spawned, so a script that uses ``"local"`` needs the usual
``if __name__ == "__main__":`` guard.

References: Dask Development Team (2016), *Dask: library for dynamic task scheduling*, https://dask.org;
``distributed`` documentation, "Futures" (``Client.scatter``, ``Client.submit``, ``as_completed``).
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from lenvici.errors import InputError

__all__ = ["DEFAULT_BLOCK_SIZE", "BlockRunner", "InProcessRunner", "DaskRunner", "open_runner",
           "check_block_size"]

#: Patients per block: small enough that one block's weekly trajectories (states and outputs: about 67 kB
#: per patient for REFLECT's 195 save times) stay near 130 MB, large enough to amortise each task's overhead.
DEFAULT_BLOCK_SIZE = 2000

_DASK_HINT = "install the optional 'dask' extra: pip install 'lenvici[dask]'"


def check_block_size(block_size) -> int:
    """``block_size`` as a positive int, else :class:`~lenvici.errors.InputError`."""
    if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 1:
        raise InputError(f"block_size must be a positive integer (patients per block); got {block_size!r}",
                         field="block_size")
    return block_size


class BlockRunner(ABC):
    """Runs ``fn(shared, block)`` for each block and returns the results in block order."""

    @abstractmethod
    def map(self, fn: Callable[[Any, Any], Any], blocks: Sequence, shared: Any = None,
            on_done: Callable[[int], None] | None = None) -> list:
        """``[fn(shared, b) for b in blocks]``; ``on_done(i)`` is called (in this process) when block ``i``
        has finished. ``fn`` must be a module-level function (it may be sent to another process)."""


class InProcessRunner(BlockRunner):
    """Blocks one after another in this process; only one block's working arrays exist at a time."""

    def map(self, fn, blocks, shared=None, on_done=None) -> list:
        out = []
        for i, block in enumerate(blocks):
            out.append(fn(shared, block))
            if on_done is not None:
                on_done(i)
        return out


class DaskRunner(BlockRunner):
    """Blocks as tasks on the cluster behind a ``distributed.Client``."""

    def __init__(self, client):
        self.client = client

    def map(self, fn, blocks, shared=None, on_done=None) -> list:
        from distributed import as_completed

        blocks = list(blocks)
        if not blocks:
            return []
        client = self.client
        (shared_f,) = client.scatter([shared], broadcast=True)
        data = client.scatter(blocks)
        futures = [client.submit(fn, shared_f, d, pure=False) for d in data]
        position = {f.key: i for i, f in enumerate(futures)}
        try:
            for f in as_completed(futures):
                if f.status == "error":
                    f.result()  # re-raises the task's exception here
                if on_done is not None:
                    on_done(position[f.key])
            return client.gather(futures)
        finally:
            client.cancel(futures + data + [shared_f])


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise InputError(f"running on a Dask scheduler needs the 'distributed' package; {_DASK_HINT}",
                         field="scheduler") from None
    return distributed


@contextmanager
def open_runner(scheduler=None, *, n_workers: int | None = None) -> Iterator[BlockRunner]:
    """The runner for ``scheduler`` (see the module docstring), closed on exit when opened here.

    ``n_workers`` sets the size of a ``"local"`` cluster (default: one worker per CPU core).
    """
    if scheduler is None:
        yield InProcessRunner()
        return
    distributed = _import_distributed()
    if isinstance(scheduler, distributed.Client):
        yield DaskRunner(scheduler)
        return
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise InputError(f"scheduler must be 'local' or a scheduler address such as tcp://host:8786; "
                         f"got {scheduler!r}", field="scheduler")
    if scheduler == "local":
        workers = n_workers or os.cpu_count() or 1
        # one core per worker: the compiled engine's own thread pool would otherwise oversubscribe the cores
        with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                      dashboard_address=None, env={"NUMBA_NUM_THREADS": "1"}) as cluster, \
                distributed.Client(cluster) as client:
            yield DaskRunner(client)
        return
    try:
        client = distributed.Client(scheduler, timeout=30)
    except (OSError, TimeoutError, ValueError, TypeError) as e:
        raise InputError(f"cannot connect to the Dask scheduler at {scheduler!r}: {e}", field="scheduler") from e
    try:
        yield DaskRunner(client)
    finally:
        client.close()
