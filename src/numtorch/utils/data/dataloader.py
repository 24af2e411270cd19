"""``DataLoader``: batches from a dataset, in the main process or in worker processes.

Follows ``torch/utils/data/dataloader.py``. ``DataLoader`` holds the configuration; each
``iter(loader)`` builds an iterator:

- ``_SingleProcessDataLoaderIter`` (``num_workers=0``): the sampler gives an index (or a list of
  indices), a fetcher gets the samples and collates them, all in the calling process.
- ``_MultiProcessingDataLoaderIter``: ``num_workers`` worker processes, each with its own index
  queue, all answering on one result queue. The main process keeps ``prefetch_factor`` tasks per
  worker in flight, hands tasks out round-robin, and re-orders the answers so batches come out in
  sampler order. See NOTE [ Worker lifecycle ].

Randomness follows PyTorch draw for draw (``shared/notes/pytorch-cpu-rng.md`` §8): every iterator
first draws ``_base_seed`` (one 64-bit draw from ``generator``, or from the default generator), the
workers seed themselves from it, and a shuffling ``RandomSampler`` then draws its own seed when
the first batch is requested. So under the same ``manual_seed`` the batches, and what the workers'
random streams produce, are PyTorch's.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import pickle
import queue
import signal
import time
import warnings
import weakref
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from . import _utils
from ._utils.collate import default_collate, default_convert
from ._utils.fetch import _IterableDatasetFetcher, _MapDatasetFetcher
from ._utils.worker import (
    ExceptionWrapper,
    _IterableDatasetStopIteration,
    _ResumeIteration,
    _worker_loop,
    get_worker_info,
)
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, _random_int64

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

_T_co = TypeVar("_T_co", covariant=True)


class _DatasetKind:
    Map = 0
    Iterable = 1

    @staticmethod
    def create_fetcher(kind, dataset, auto_collation: bool, collate_fn, drop_last: bool):
        fetcher_class = _MapDatasetFetcher if kind == _DatasetKind.Map else _IterableDatasetFetcher
        return fetcher_class(dataset, auto_collation, collate_fn, drop_last)


class _InfiniteConstantSampler(Sampler):
    """The "sampler" of an IterableDataset: ``None`` forever (the dataset decides when to stop)."""

    def __iter__(self):
        while True:
            yield None


class DataLoader(Generic[_T_co]):
    """Iterate over ``dataset`` in batches (``torch.utils.data.DataLoader``).

    Args:
        dataset: a map-style ``Dataset`` (``__getitem__``/``__len__``, optionally
            ``__getitems__`` for batched fetching) or an ``IterableDataset``.
        batch_size: samples per batch; ``None`` turns automatic batching off (each sampler index
            is fetched and converted on its own).
        shuffle: a new random order every epoch (a ``RandomSampler``).
        sampler / batch_sampler: the order of indices / of lists of indices, instead.
        num_workers: worker processes fetching in parallel; 0 fetches in the main process.
        collate_fn: turns a list of samples into a batch (``default_collate``).
        pin_memory: accepted; numtorch has no accelerator, so (as PyTorch without one) it warns
            and has no effect.
        drop_last: drop the last batch when it is short.
        timeout: seconds to wait for a batch from the workers before failing (0: forever).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker after seeding.
        multiprocessing_context: a start method name (``"fork"``, ``"spawn"``, ...) or context.
        generator: the generator for the base seed and the shuffling ``RandomSampler``.
        prefetch_factor: tasks kept in flight per worker (2 when ``num_workers > 0``).
        persistent_workers: keep the workers alive from one epoch to the next.
        in_order: deliver batches in sampler order (else as they arrive).
    """

    dataset: Dataset[_T_co]
    batch_size: int | None
    num_workers: int
    pin_memory: bool
    drop_last: bool
    timeout: float
    sampler: Sampler | Iterable
    prefetch_factor: int | None

    _initialized = False

    def __init__(
        self,
        dataset: Dataset[_T_co],
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable | None = None,
        batch_sampler: Sampler[list] | Iterable[list] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; "
                "use num_workers=0 to disable multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing."
                "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = _DatasetKind.Iterable
            # An iterable dataset has no indices to shuffle or sample: its order is its own.
            if shuffle not in {False, None}:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified sampler option, but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but got batch_sampler={batch_sampler}"
                )
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
            )

        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._initialized = True
        self._IterableDataset_len_called = None
        self._iterator = None
        self.check_worker_number_rationality()

    def _get_iterator(self) -> _BaseDataLoaderIter:
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        self.check_worker_number_rationality()
        return _MultiProcessingDataLoaderIter(self)

    @property
    def multiprocessing_context(self):
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, multiprocessing_context) -> None:
        if multiprocessing_context is not None:
            if self.num_workers <= 0:
                raise ValueError(
                    "multiprocessing_context can only be used with multi-process loading "
                    f"(num_workers > 0), but got num_workers={self.num_workers}"
                )
            if isinstance(multiprocessing_context, str):
                valid_start_methods = multiprocessing.get_all_start_methods()
                if multiprocessing_context not in valid_start_methods:
                    raise ValueError(
                        "multiprocessing_context option should specify a valid start method in "
                        f"{valid_start_methods!r}, but got multiprocessing_context={multiprocessing_context!r}"
                    )
                multiprocessing_context = multiprocessing.get_context(multiprocessing_context)
            if not isinstance(multiprocessing_context, multiprocessing.context.BaseContext):
                raise TypeError(
                    "multiprocessing_context option should be a valid context object or a string "
                    f"specifying the start method, but got multiprocessing_context={multiprocessing_context}"
                )
        self._multiprocessing_context = multiprocessing_context

    def __setattr__(self, attr, val) -> None:
        # The samplers were built from these in __init__; changing them later would be ignored.
        if self._initialized and attr in (
            "batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers",
        ):  # fmt: skip
            raise ValueError(
                f"{attr} attribute should not be set after {self.__class__.__name__} is initialized"
            )
        super().__setattr__(attr, val)

    def __iter__(self) -> _BaseDataLoaderIter:
        # Persistent workers: one iterator for the loader's whole life, reset at each epoch.
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None or self._iterator._pool.is_shut_down:
                # (A fatal error, such as a worker dying, shuts the workers down: start anew.)
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        # What the fetcher receives per batch: a list of indices (batch_sampler) or one index.
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        if self._dataset_kind == _DatasetKind.Iterable:
            # The dataset's own length, in batches; remembered so that yielding more than that
            # can be warned about (a common mistake: every worker iterating the full stream).
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                if self.drop_last:
                    length = length // self.batch_size
                else:
                    length = -(-length // self.batch_size)
            return length
        return len(self._index_sampler)

    def check_worker_number_rationality(self) -> None:
        """Warn when more workers are requested than the CPUs this process may run on."""
        if not self.num_workers:
            return
        cpuset_checked = hasattr(os, "sched_getaffinity")
        max_num_worker_suggest = len(os.sched_getaffinity(0)) if cpuset_checked else os.cpu_count()
        if max_num_worker_suggest is not None and self.num_workers <= max_num_worker_suggest:
            return
        if max_num_worker_suggest is None:
            suggestion = "DataLoader is not able to compute a suggested max number of worker in current system."
        else:
            suggestion = (
                f"Our suggested max number of worker in current system is {max_num_worker_suggest}"
                f"{'' if cpuset_checked else ' (`cpuset` is not taken into account)'}, which is "
                "smaller than what this DataLoader is going to create."
            )
        warnings.warn(
            f"This DataLoader will create {self.num_workers} worker processes in total. {suggestion} "
            "Please be aware that excessive worker creation might get DataLoader running slow or "
            "even freeze, lower the worker number to avoid potential slowness/freeze if necessary.",
            stacklevel=2,
        )


class _BaseDataLoaderIter:
    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        if loader.pin_memory and loader.pin_memory_device:
            warnings.warn(
                "pin_memory_device is deprecated, the current accelerator will be used as the device,"
                f"ignore pin_memory_device='{loader.pin_memory_device}'.",
                stacklevel=2,
            )
        if loader.pin_memory:
            warnings.warn(
                "'pin_memory' argument is set as true but no accelerator is found, "
                "then device pinned memory won't be used.",
                stacklevel=2,
            )
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        # Order matters for reproducibility: the sampler's iterator is created (lazily: it draws
        # nothing yet), then the base seed is drawn, then the first next() lets the sampler draw.
        self._sampler_iter = iter(self._index_sampler)
        self._base_seed = _random_int64(loader.generator)
        self._persistent_workers = loader.persistent_workers
        self._num_yielded = 0

    def __iter__(self) -> _BaseDataLoaderIter:
        return self

    def _reset(self, loader: DataLoader, first_iter: bool = False) -> None:
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)  # StopIteration ends the epoch

    def _next_data(self):
        raise NotImplementedError

    def __next__(self) -> Any:
        data = self._next_data()
        self._num_yielded += 1
        if (
            self._dataset_kind == _DatasetKind.Iterable
            and self._IterableDataset_len_called is not None
            and self._num_yielded > self._IterableDataset_len_called
        ):
            message = (
                f"Length of IterableDataset {self._dataset} was reported to be "
                f"{self._IterableDataset_len_called}(when accessing len(dataloader)), but "
                f"{self._num_yielded} samples have been fetched. "
            )
            if self._num_workers > 0:
                message += (
                    "For multiprocessing data-loading, this could be caused by not properly "
                    "configuring the IterableDataset replica at each worker. Please see "
                    "https://pytorch.org/docs/stable/data.html#torch.utils.data.IterableDataset for examples."
                )
            warnings.warn(message, stacklevel=2)
        return data

    def __len__(self) -> int:
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError(f"{self.__class__.__name__} cannot be pickled")


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    """Fetch and collate in the calling process."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        if self._timeout != 0:
            raise AssertionError("_SingleProcessDataLoaderIter requires timeout == 0")
        if self._num_workers != 0:
            raise AssertionError("_SingleProcessDataLoaderIter requires num_workers == 0")
        self._dataset_fetcher = _DatasetKind.create_fetcher(
            self._dataset_kind,
            self._dataset,
            self._auto_collation,
            self._collate_fn,
            self._drop_last,
        )

    def _next_data(self):
        return self._dataset_fetcher.fetch(self._next_index())


# NOTE [ Worker lifecycle ]
# Start: one process per worker (daemonic, so it can never keep the interpreter alive), each given
# the dataset, the collate function, the base seed and its own index queue; all answer on one
# result queue. With the default "fork" start method nothing is pickled on the way in (so a lambda
# collate_fn works); results come back pickled.
#
# Running: at most ``prefetch_factor * num_workers`` tasks are in flight; every delivered batch
# sends the next task. Tasks go round-robin to live workers, so batch k is built by worker
# k mod num_workers, with that worker's random streams, exactly as in PyTorch.
#
# Failure: an exception inside a worker travels back as an ExceptionWrapper and is re-raised in
# order, as the batch it replaced; the iterator stays usable, as in PyTorch. A worker that dies
# (os._exit, a signal, the OOM killer) cannot answer, so while waiting the main process polls the
# workers every WORKER_STATUS_POLL_INTERVAL seconds and raises PyTorch's "DataLoader worker
# (pid(s) ...) exited unexpectedly", shutting the remaining workers down first.
#
# Shutdown (end of the epoch unless persistent_workers, an error that ends the iterator, or the
# iterator being garbage-collected): set ``done_event`` so workers skip any queued tasks, send
# each worker ``None``, join them briefly, and terminate whatever has not exited. Workers also
# watch their parent and exit when it is gone.
#
# The processes and queues live in a ``_WorkerPool`` that the iterator does not own alone: a
# ``weakref.finalize`` on the iterator holds the pool and shuts it down when the iterator is
# collected. (A ``__del__`` would not do: an iterator caught in a reference cycle, say through the
# traceback of an exception it raised, is collected together with its queues, whose own
# finalizers may already have stopped the threads that deliver the exit message, so the workers
# would only be killed after a timeout.) A pool that a forked child inherited (a worker forked
# while an older iterator was alive) never touches processes it did not start.
class _WorkerPool:
    """The worker processes of one iterator, their index queues, the shared result queue and the
    ``done_event``; ``shutdown`` stops them all (once, and only in the process that started them)."""

    def __init__(self, context, num_workers: int) -> None:
        self.owner_pid = os.getpid()
        self.workers: list = []
        self.index_queues = [context.Queue() for _ in range(num_workers)]
        for index_queue in self.index_queues:
            index_queue.cancel_join_thread()  # unsent tasks must not block our exit
        self.result_queue = context.Queue()
        self.done_event = context.Event()
        self.exit_sent = [False] * num_workers
        self.is_shut_down = False

    def send_exit(self, worker_id: int) -> None:
        """Tell one worker to exit (``None`` on its index queue)."""
        if not self.exit_sent[worker_id]:
            self.exit_sent[worker_id] = True
            self.index_queues[worker_id].put(None)

    def shutdown(self) -> None:
        if self.is_shut_down or _utils.python_exit_status or os.getpid() != self.owner_pid:
            return
        self.is_shut_down = True
        try:
            self.done_event.set()
            for worker_id, worker in enumerate(self.workers):
                if worker.is_alive():
                    self.send_exit(worker_id)
            # One grace period for all (a worker busy in __getitem__ answers when it is done).
            deadline = time.monotonic() + _utils.MP_STATUS_CHECK_INTERVAL
            for worker in self.workers:
                worker.join(timeout=max(0.0, deadline - time.monotonic()))
        finally:
            for worker in self.workers:
                if worker.is_alive():
                    worker.terminate()
            for worker in self.workers:
                worker.join(timeout=_utils.MP_STATUS_CHECK_INTERVAL)
            for q in [*self.index_queues, self.result_queue]:
                q.cancel_join_thread()
                q.close()


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Fetch and collate in ``num_workers`` worker processes; see NOTE [ Worker lifecycle ]."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        if self._num_workers <= 0:
            raise AssertionError(
                "num_workers must be greater than 0 for MultiProcessingDataLoaderIter"
            )
        if self._prefetch_factor <= 0:
            raise AssertionError(
                "prefetch_factor must be greater than 0 for MultiProcessingDataLoaderIter"
            )
        context = loader.multiprocessing_context or multiprocessing.get_context()
        self._worker_init_fn = loader.worker_init_fn
        self._workers_status = [True] * self._num_workers  # False: will answer no more tasks
        pool = self._pool = _WorkerPool(context, self._num_workers)
        self._shutdown_workers = weakref.finalize(self, pool.shutdown)
        self._workers = pool.workers
        self._index_queues = pool.index_queues
        self._data_queue = pool.result_queue
        try:
            for worker_id in range(self._num_workers):
                worker = context.Process(
                    target=_worker_loop,
                    args=(
                        self._dataset_kind, self._dataset, pool.index_queues[worker_id],
                        pool.result_queue, pool.done_event, self._auto_collation, self._collate_fn,
                        self._drop_last, self._base_seed, self._worker_init_fn, worker_id,
                        self._num_workers, self._persistent_workers,
                    ),
                    daemon=True,
                )  # fmt: skip
                worker.start()
                pool.workers.append(worker)
        except BaseException:
            self._shutdown_workers()  # e.g. an unpicklable dataset under "spawn"
            raise
        self._reset(loader, first_iter=True)

    def _reset(self, loader: DataLoader, first_iter: bool = False) -> None:
        super()._reset(loader, first_iter)
        self._send_idx = 0  # the next task number to send
        self._rcvd_idx = 0  # the next task number to deliver
        self._pending: dict[int, int] = {}  # task number -> worker, sent and not yet answered
        self._reorder_buffer: dict[int, tuple[int, Any]] = {}  # answered ahead of their turn
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # Persistent workers: tell each a new epoch starts and wait until all have answered;
            # results of the previous epoch's leftover tasks arrive before the answers and are
            # dropped.
            for index_queue in self._index_queues:
                index_queue.put(_ResumeIteration())
            remaining = self._num_workers
            while remaining > 0:
                task_idx, _ = self._get_data()
                if isinstance(task_idx, _ResumeIteration):
                    remaining -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    # --- receiving ----------------------------------------------------------------------------
    def _try_get_data(self, timeout: float) -> tuple[bool, Any]:
        """One wait of at most ``timeout`` seconds on the result queue: ``(True, item)``, or
        ``(False, None)`` if nothing came, after checking that every worker is still alive."""
        try:
            return True, self._data_queue.get(timeout=timeout)
        except queue.Empty:
            pass
        failed = [
            worker_id
            for worker_id, worker in enumerate(self._workers)
            if self._workers_status[worker_id] and not worker.is_alive()
        ]
        if failed:
            causes = [self._exit_description(self._workers[i]) for i in failed]
            pids = ", ".join(str(self._workers[i].pid) for i in failed)
            for worker_id in failed:
                self._workers_status[worker_id] = False
            self._shutdown_workers()
            cause = RuntimeError(" ".join(c for c in causes if c)) if any(causes) else None
            raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly") from cause
        return False, None

    @staticmethod
    def _exit_description(worker) -> str:
        """How a worker died, in the words of PyTorch's SIGCHLD handler ('' for a clean exit)."""
        code = worker.exitcode
        if code is not None and code < 0:
            try:
                name = signal.strsignal(-code)
            except ValueError:
                name = f"signal {-code}"
            return f"DataLoader worker (pid {worker.pid}) is killed by signal: {name}. "
        if code:
            return (
                f"DataLoader worker (pid {worker.pid}) exited unexpectedly with exit code {code}. "
                "Details are lost due to multiprocessing. Rerunning with num_workers=0 may give "
                "better error trace."
            )
        return ""

    def _get_data(self):
        """The next item on the result queue, waiting at most ``timeout`` (if set)."""
        poll = _utils.WORKER_STATUS_POLL_INTERVAL
        if self._timeout > 0:
            waited = 0.0
            while waited < self._timeout:
                step = min(poll, self._timeout - waited)
                success, data = self._try_get_data(step)
                if success:
                    return data
                waited += step
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        while True:
            success, data = self._try_get_data(poll)
            if success:
                return data

    def _next_data(self):
        while True:
            # Deliver task ``_rcvd_idx`` if its answer is here; skip tasks that will never be
            # answered (their worker's IterableDataset ran out); otherwise wait for answers.
            while self._rcvd_idx < self._send_idx:
                if self._rcvd_idx in self._reorder_buffer:
                    worker_id, data = self._reorder_buffer.pop(self._rcvd_idx)
                    self._rcvd_idx += 1
                    return self._process_data(data, worker_id)
                worker_id = self._pending.get(self._rcvd_idx)
                if worker_id is not None and self._workers_status[worker_id]:
                    break
                self._pending.pop(self._rcvd_idx, None)
                self._rcvd_idx += 1
            else:
                # Everything sent has been delivered and the sampler has nothing more to send.
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration

            if self._pool.is_shut_down or self._tasks_outstanding <= 0:
                raise AssertionError(
                    "Invalid iterator state: shutdown or no outstanding tasks when fetching next data"
                )
            task_idx, data = self._get_data()
            self._tasks_outstanding -= 1
            worker_id = self._pending.pop(task_idx)
            if isinstance(data, _IterableDatasetStopIteration):
                # That worker's copy of the stream is exhausted: send it nothing more this epoch.
                if self._persistent_workers:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_as_unavailable(data.worker_id)
                self._try_put_index()
                continue
            if task_idx == self._rcvd_idx or not self._in_order:
                if task_idx == self._rcvd_idx:
                    self._rcvd_idx += 1
                return self._process_data(data, worker_id)
            self._reorder_buffer[task_idx] = (worker_id, data)

    # --- sending ------------------------------------------------------------------------------
    def _try_put_index(self) -> None:
        """Send the sampler's next index (or batch of indices) to a worker, if there is one."""
        if self._tasks_outstanding >= self._prefetch_factor * self._num_workers:
            raise AssertionError("Number of outstanding tasks exceeded maximum allowed tasks")
        try:
            index = self._next_index()
        except StopIteration:
            return
        worker_id = self._choose_worker()
        if worker_id is None:
            return  # every worker's stream has ended; nothing can serve this index
        self._index_queues[worker_id].put((self._send_idx, index))
        self._pending[self._send_idx] = worker_id
        self._workers_num_tasks[worker_id] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _choose_worker(self) -> int | None:
        """In order: the next live worker round-robin (so the batch→worker assignment, and with it
        the random stream that builds each batch, is PyTorch's). Out of order: the live worker
        with the fewest tasks in flight."""
        live = [i for i, alive in enumerate(self._workers_status) if alive]
        if not live:
            return None
        if not self._in_order:
            return min(live, key=self._workers_num_tasks.__getitem__)
        while True:
            worker_id = next(self._worker_queue_idx_cycle)
            if self._workers_status[worker_id]:
                return worker_id

    def _process_data(self, payload: bytes, worker_id: int):
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()
        data = pickle.loads(payload)  # pickled by the worker, see _utils.worker._serialize
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    # --- shutting down ------------------------------------------------------------------------
    def _mark_worker_as_unavailable(self, worker_id: int) -> None:
        """Send worker ``worker_id`` nothing more, and tell it to exit."""
        self._workers_status[worker_id] = False
        self._pool.send_exit(worker_id)
