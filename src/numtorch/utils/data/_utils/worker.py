"""What runs inside a DataLoader worker process, and what it sends back.

Follows ``torch/utils/data/_utils/worker.py``. A worker seeds every random stream from the loader's
``base_seed`` (so a run is reproducible), then loops: take ``(task_idx, index)`` from its index
queue, fetch and collate that batch, put ``(task_idx, batch)`` on the shared result queue. An
exception becomes an ``ExceptionWrapper`` that the main process re-raises with the worker's id and
original traceback. ``None`` on the index queue means "exit"; a worker also exits by itself when
the process that started it has gone (so no worker outlives its loader).
"""

from __future__ import annotations

import os
import pickle
import queue
import random
import sys
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

from .... import set_num_threads
from ...._random import manual_seed
from . import MP_STATUS_CHECK_INTERVAL

__all__ = ["ExceptionWrapper", "WorkerInfo", "get_worker_info"]


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """Information about the current DataLoader worker process (``torch.utils.data.get_worker_info``).

    Attributes:
        id: this worker's id, ``0 .. num_workers - 1``.
        num_workers: how many workers the loader runs.
        seed: the seed of this worker's random streams (``base_seed + id``).
        dataset: this process's copy of the dataset.
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any
    rng: Any = None  # PyTorch's per-thread RNG container; unused by process workers
    worker_method: str | None = "multiprocessing"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """Inside a DataLoader worker: its ``WorkerInfo`` (id, num_workers, seed, dataset). In the main
    process: None. Typical use: an ``IterableDataset.__iter__`` or a ``worker_init_fn`` shards the
    data by ``info.id``."""
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """Sent by a worker whose copy of an IterableDataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Sent to persistent workers at the start of each new epoch; echoed back as an acknowledgement."""

    seed: int | None = None


class _KeyErrorMessage(str):
    """A str whose repr is itself, so a re-raised KeyError prints its traceback readably."""

    __slots__ = ()

    def __repr__(self) -> str:
        return self


class ExceptionWrapper:
    """An exception and its formatted traceback, picklable across processes (``torch._utils``).

    ``reraise()`` raises the same exception type with the message
    ``"Caught ValueError in DataLoader worker process 0.\\nOriginal Traceback (most recent call
    last): ..."``. Only the type and the text travel: the traceback object itself cannot be
    pickled, and keeping it would also keep every frame of the failed call alive."""

    def __init__(self, exc_info=None, where: str = "in background") -> None:
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_type_name = self.exc_type.__name__
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        try:
            pickle.dumps(self.exc_type)
        except Exception:
            # A class the receiving side cannot import (say, defined inside a function): it is
            # re-raised as a RuntimeError whose message still names the original type.
            state["exc_type"] = RuntimeError
        return state

    def reraise(self):
        message = f"Caught {self.exc_type_name} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            message = _KeyErrorMessage(message)  # KeyError would print the repr of its argument
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=message)  # exception types built from a ``message=``
        try:
            exception = self.exc_type(message)
        except Exception:
            # A type that cannot be built from one message string: say what happened anyway.
            raise RuntimeError(message) from None
        try:
            raise exception
        finally:
            # This frame is on the exception's traceback: holding the exception here would make a
            # reference cycle that keeps the loader iterator (and its workers) alive until the
            # cyclic garbage collector runs.
            del exception


class _ParentWatchdog:
    """Tells a worker whether the process that started it is still alive (on POSIX, a dead parent
    means the worker was re-parented, so ``getppid`` changes)."""

    def __init__(self) -> None:
        self.parent_pid = os.getppid()
        self.parent_dead = False

    def is_alive(self) -> bool:
        if not self.parent_dead:
            self.parent_dead = os.getppid() != self.parent_pid
        return not self.parent_dead


def _numpy_seed_state(base_seed: int, worker_id: int) -> list[int]:
    """The four 32-bit words PyTorch seeds NumPy's global RandomState with in worker ``worker_id``.

    PyTorch's ``_generate_state`` re-implements NumPy's ``SeedSequence`` hashing of the entropy
    ``[worker_id, low 32 bits of base_seed, high bits, 0]``; calling SeedSequence gives the same
    words (checked against torch in tests/test_data_workers.py)."""
    entropy = [worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]
    return np.random.SeedSequence(entropy).generate_state(4).tolist()


def _seed_worker(base_seed: int, worker_id: int) -> int:
    """Seed Python's ``random``, numtorch's default generator and NumPy's global RandomState as
    PyTorch seeds its worker ``worker_id`` (``random.seed``/``torch.manual_seed`` with
    ``base_seed + worker_id``, NumPy from ``_numpy_seed_state``); return the seed."""
    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(_numpy_seed_state(base_seed, worker_id))
    return seed


def _serialize(data, worker_id: int) -> bytes:
    """Pickle a result here, in the worker's main thread, rather than in the result queue's feeder
    thread: there a pickling error is only printed and the batch never arrives, so the main process
    would wait forever. Here it becomes an error the main process re-raises."""
    try:
        return pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        wrapper = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
        return pickle.dumps(wrapper, protocol=pickle.HIGHEST_PROTOCOL)


def _worker_loop(
    dataset_kind,
    dataset,
    index_queue,
    data_queue,
    done_event,
    auto_collation: bool,
    collate_fn,
    drop_last: bool,
    base_seed: int,
    init_fn,
    worker_id: int,
    num_workers: int,
    persistent_workers: bool,
) -> None:
    """The body of one worker process (``torch.utils.data._utils.worker._worker_loop``)."""
    from ..dataloader import _DatasetKind

    global _worker_info
    try:
        # As PyTorch's workers: one BLAS thread each, so N workers do not oversubscribe the cores.
        set_num_threads(1)
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)

        # An error in worker_init_fn (or in building the fetcher, which calls iter() on an
        # IterableDataset) is reported as the answer to this worker's first task.
        init_exception = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _DatasetKind.create_fetcher(
                dataset_kind, dataset, auto_collation, collate_fn, drop_last
            )
        except Exception:
            init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")

        # Set once this worker's IterableDataset copy is exhausted: later tasks of the epoch are
        # skipped (the main process stops sending to it) until a _ResumeIteration.
        iteration_end = False
        watchdog = _ParentWatchdog()
        while watchdog.is_alive():
            try:
                task = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                continue
            if isinstance(task, _ResumeIteration):
                data_queue.put((task, None))
                iteration_end = False
                fetcher = _DatasetKind.create_fetcher(
                    dataset_kind, dataset, auto_collation, collate_fn, drop_last
                )
                continue
            if task is None:
                break  # the main process is shutting this worker down
            if done_event.is_set() or iteration_end:
                continue  # shutting down, or nothing left to fetch: drain the queue quietly
            task_idx, index = task
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and dataset_kind == _DatasetKind.Iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            if not isinstance(data, _IterableDatasetStopIteration):
                data = _serialize(data, worker_id)
            data_queue.put((task_idx, data))
            del data, task, index  # do not keep a batch alive while waiting for the next task
    except KeyboardInterrupt:
        pass  # Ctrl-C reaches every process in the group; the main process reports it
    if done_event.is_set():
        # Nobody reads the results any more: exit without waiting for the queue's feeder thread.
        data_queue.cancel_join_thread()
        data_queue.close()
