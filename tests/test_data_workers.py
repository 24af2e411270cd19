"""DataLoader with worker processes: same batches and order as PyTorch, per-worker seeds derived as
PyTorch derives them, worker_init_fn / get_worker_info, errors re-raised with the worker's
traceback, dead workers reported within seconds, and no worker left running afterwards."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time

import numpy as np
import pytest

import numtorch
from data_harness import assert_streams_aligned, plain, seed_both
from numtorch.utils.data import (
    DataLoader,
    Dataset,
    TensorDataset,
    get_worker_info,
)
from numtorch.utils.data._utils.worker import _numpy_seed_state

# Some tests run 3 workers on small CI machines; both libraries then warn, harmlessly.
pytestmark = pytest.mark.filterwarnings("ignore:This DataLoader will create:UserWarning")


def epoch(loader):
    return [plain(batch) for batch in loader]


def assert_all_exited(workers, within: float = 5.0):
    deadline = time.monotonic() + within
    while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(w.is_alive() for w in workers)


class RandomDraws(Dataset):
    """Each sample reports which worker built it and what that worker's random streams give,
    using whichever framework module the dataset was built for."""

    def __init__(self, lib, n=8):
        self.lib_name = lib.__name__
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        lib = __import__(self.lib_name)
        info = lib.utils.data.get_worker_info()
        return {
            "index": i,
            "worker": info.id,
            "num_workers": info.num_workers,
            "seed": info.seed,
            "initial_seed": lib.initial_seed(),
            "rand": lib.rand(2).tolist(),
            "python_random": random.random(),
            "numpy_random": float(np.random.rand()),
        }


@pytest.mark.parametrize("num_workers", [1, 3])
def test_worker_seeds_and_streams_match_torch(torch, num_workers):
    seed_both(torch, 123)
    kwargs = dict(batch_size=2, num_workers=num_workers, collate_fn=lambda x: x)
    ours = epoch(DataLoader(RandomDraws(numtorch), **kwargs))
    theirs = epoch(torch.utils.data.DataLoader(RandomDraws(torch), **kwargs))
    assert ours == theirs
    assert {s[1]["worker"] for s in ours[0][1]} <= set(range(num_workers))
    assert_streams_aligned(torch)


def test_numpy_worker_seed_state_is_torchs(torch):
    from torch.utils.data._utils.worker import _generate_state

    rng = random.Random(0)
    for _ in range(200):
        base_seed, worker_id = rng.getrandbits(63), rng.randrange(32)
        assert _numpy_seed_state(base_seed, worker_id) == _generate_state(base_seed, worker_id)


@pytest.mark.parametrize("use_generator", [False, True])
def test_shuffled_order_with_workers_matches_torch(torch, use_generator):
    seed_both(torch, 5)
    data = list(range(23))
    gen_ours = numtorch.Generator().manual_seed(1) if use_generator else None
    gen_theirs = torch.Generator().manual_seed(1) if use_generator else None
    ours = DataLoader(data, batch_size=4, shuffle=True, num_workers=2, generator=gen_ours)
    theirs = torch.utils.data.DataLoader(
        data, batch_size=4, shuffle=True, num_workers=2, generator=gen_theirs
    )
    for _ in range(2):
        assert epoch(ours) == epoch(theirs)
    assert_streams_aligned(torch)


def test_persistent_workers_epochs_match_torch(torch):
    """Persistent workers draw the base seed once per loader, not once per epoch."""
    seed_both(torch, 8)
    kwargs = dict(batch_size=3, shuffle=True, num_workers=2, persistent_workers=True)
    ours = DataLoader(RandomDraws(numtorch, 9), collate_fn=lambda x: x, **kwargs)
    theirs = torch.utils.data.DataLoader(RandomDraws(torch, 9), collate_fn=lambda x: x, **kwargs)
    for _ in range(3):
        assert epoch(ours) == epoch(theirs)
    assert_streams_aligned(torch)
    workers = ours._iterator._workers
    assert all(w.is_alive() for w in workers)
    del ours
    assert_all_exited(workers)


def test_persistent_workers_after_partial_epoch():
    loader = DataLoader(list(range(20)), batch_size=2, num_workers=2, persistent_workers=True)
    iterator = iter(loader)
    assert next(iterator).tolist() == [0, 1]
    assert [b.tolist() for b in loader][:2] == [[0, 1], [2, 3]]
    assert len([b for b in loader]) == 10
    workers = loader._iterator._workers
    del iterator, loader
    assert_all_exited(workers)


def sharded(lib, n):
    """An IterableDataset (of framework ``lib``) that splits ``range(n)`` between workers by id."""

    class Sharded(lib.utils.data.IterableDataset):
        def __iter__(self):
            info = lib.utils.data.get_worker_info()
            if info is None:
                return iter(range(n))
            return iter(range(info.id, n, info.num_workers))

    return Sharded()


@pytest.mark.parametrize("batch_size", [None, 2])
@pytest.mark.parametrize("persistent", [False, True])
def test_iterable_dataset_with_workers_matches_torch(torch, batch_size, persistent):
    kwargs = dict(batch_size=batch_size, num_workers=3, persistent_workers=persistent)
    ours = DataLoader(sharded(numtorch, 11), **kwargs)
    theirs = torch.utils.data.DataLoader(sharded(torch, 11), **kwargs)
    for _ in range(2):
        assert epoch(ours) == epoch(theirs)


def test_worker_init_fn_and_worker_info():
    class Tagged(Dataset):
        tag = None

        def __len__(self):
            return 4

        def __getitem__(self, i):
            info = get_worker_info()
            return (info.id, info.dataset.tag, info.dataset is self)

    def init(worker_id):
        get_worker_info().dataset.tag = f"init{worker_id}"

    got = list(DataLoader(Tagged(), batch_size=None, num_workers=2, worker_init_fn=init))
    # Without batching, default_convert turns each tuple sample into a list, as in PyTorch.
    assert got == [[0, "init0", True], [1, "init1", True], [0, "init0", True], [1, "init1", True]]
    assert get_worker_info() is None


def test_batches_come_back_in_order_despite_slow_worker():
    class Slow(Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            if get_worker_info().id == 0:
                time.sleep(0.05)
            return i

    assert [b.tolist() for b in DataLoader(Slow(), batch_size=2, num_workers=2)] == [
        [0, 1], [2, 3], [4, 5], [6, 7],
    ]  # fmt: skip
    unordered = [
        b.tolist() for b in DataLoader(Slow(), batch_size=2, num_workers=2, in_order=False)
    ]
    assert sorted(unordered) == [[0, 1], [2, 3], [4, 5], [6, 7]]


def test_tensor_batches_from_workers():
    x = numtorch.arange(40.0).reshape(10, 4)
    loader = DataLoader(TensorDataset(x, numtorch.arange(10)), batch_size=4, num_workers=2)
    batches = list(loader)
    assert [tuple(b[0].shape) for b in batches] == [(4, 4), (4, 4), (2, 4)]
    assert numtorch.cat([b[0] for b in batches]).tolist() == x.tolist()
    assert batches[0][1].dtype is numtorch.int64


# --- failures ---------------------------------------------------------------------------------
class Failing(Dataset):
    def __init__(self, mode, bad_index=3):
        self.mode = mode
        self.bad_index = bad_index

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == self.bad_index:
            if self.mode == "value":
                raise ValueError(f"bad index {i}")
            if self.mode == "key":
                raise KeyError("missing")
            if self.mode == "two-arg":
                raise TwoArgError(1, 2)
            if self.mode == "exit":
                os._exit(3)
            if self.mode == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if self.mode == "slow":
                time.sleep(1.0)
            if self.mode == "unpicklable":
                return lambda: None
        return i


class TwoArgError(Exception):
    def __init__(self, a, b):
        super().__init__(f"{a} and {b}")


@pytest.mark.parametrize("mode", ["value", "key", "two-arg"])
def test_worker_exception_reraised_like_torch(torch, mode):
    kwargs = dict(batch_size=2, num_workers=2)
    torch_iterator = iter(torch.utils.data.DataLoader(Failing(mode), **kwargs))
    with pytest.raises(Exception) as expected:
        list(torch_iterator)
    torch_iterator._shutdown_workers()  # not left to the garbage collector (slow in PyTorch)
    with pytest.raises(expected.type) as got:
        list(DataLoader(Failing(mode), **kwargs))
    ours, theirs = str(got.value), str(expected.value)
    # Same header and the same last line (the original exception); the frames in between are
    # each library's own.
    assert ours.splitlines()[:2] == theirs.splitlines()[:2]
    assert ours.splitlines()[-1] == theirs.splitlines()[-1]
    assert "in __getitem__\n    raise" in ours and __file__ in ours


def test_worker_exception_message_text():
    with pytest.raises(ValueError) as got:
        list(DataLoader(Failing("value"), batch_size=2, num_workers=2))
    text = str(got.value)
    assert text.startswith(
        "Caught ValueError in DataLoader worker process 1.\nOriginal Traceback (most recent call last):\n"
    )
    assert text.endswith("ValueError: bad index 3\n")


def test_iteration_continues_after_worker_exception():
    iterator = iter(DataLoader(Failing("value"), batch_size=2, num_workers=2))
    assert next(iterator).tolist() == [0, 1]
    with pytest.raises(ValueError):
        next(iterator)
    assert [b.tolist() for b in iterator] == [[4, 5], [6, 7]]
    assert_all_exited(iterator._workers)


def test_worker_init_fn_error_is_reraised():
    def init(worker_id):
        raise RuntimeError(f"init failed in {worker_id}")

    with pytest.raises(
        RuntimeError,
        match=r"Caught RuntimeError in DataLoader worker process 0\.(.|\n)*init failed in 0",
    ):
        list(DataLoader(list(range(4)), num_workers=1, worker_init_fn=init))


def test_unpicklable_batch_is_an_error_not_a_hang():
    loader = DataLoader(Failing("unpicklable"), batch_size=None, num_workers=1, timeout=30)
    with pytest.raises(Exception, match="in DataLoader worker process 0"):
        list(loader)


@pytest.mark.parametrize("mode", ["exit", "kill"])
def test_dead_worker_is_reported_within_seconds(torch, mode):
    iterator = iter(DataLoader(Failing(mode), batch_size=2, num_workers=2))
    workers = list(iterator._workers)
    start = time.monotonic()
    with pytest.raises(RuntimeError) as got:
        list(iterator)
    assert time.monotonic() - start < 3.0
    dead = [w for w in workers if w.exitcode not in (0, None)]
    assert len(dead) == 1
    assert str(got.value) == f"DataLoader worker (pid(s) {dead[0].pid}) exited unexpectedly"
    cause = str(got.value.__cause__)
    if mode == "exit":
        assert cause == (
            f"DataLoader worker (pid {dead[0].pid}) exited unexpectedly with exit code 3. Details are "
            "lost due to multiprocessing. Rerunning with num_workers=0 may give better error trace."
        )
    else:
        assert cause == f"DataLoader worker (pid {dead[0].pid}) is killed by signal: Killed. "
    assert_all_exited(workers)  # the surviving worker was shut down too


def test_timeout(torch):
    loader = DataLoader(Failing("slow", bad_index=0), batch_size=None, num_workers=1, timeout=0.3)
    iterator = iter(loader)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0.3 seconds$"):
        next(iterator)
    assert time.monotonic() - start < 2.0
    workers = list(iterator._workers)
    del iterator
    assert_all_exited(workers, within=3.0)  # the slow worker exits once its batch is done


# --- lifecycle ----------------------------------------------------------------------------------
def test_workers_exit_when_epoch_ends():
    iterator = iter(DataLoader(list(range(6)), batch_size=2, num_workers=2))
    workers = list(iterator._workers)
    assert all(w.is_alive() for w in workers)
    assert len(list(iterator)) == 3
    assert_all_exited(workers, within=1.0)


def test_workers_exit_when_iterator_is_dropped_midway():
    iterator = iter(DataLoader(list(range(100)), batch_size=2, num_workers=2))
    next(iterator)
    workers = list(iterator._workers)
    del iterator
    assert_all_exited(workers, within=2.0)


def test_workers_exit_after_error_once_iterator_is_gone():
    iterator = iter(DataLoader(Failing("value"), batch_size=2, num_workers=2))
    workers = list(iterator._workers)
    with pytest.raises(ValueError):
        list(iterator)
    del iterator
    assert_all_exited(workers, within=2.0)
    assert not [p for p in multiprocessing.active_children() if p in workers]


def test_forked_worker_does_not_touch_an_inherited_iterator():
    """A worker forked while an older iterator is alive inherits it; when that copy is collected
    inside the worker, it must not try to shut down processes it never started."""
    older = iter(DataLoader(list(range(10)), batch_size=1, num_workers=1))
    next(older)

    class CollectsInherited(Dataset):
        def __len__(self):
            return 1

        def __getitem__(self, i):
            import gc

            gc.collect()
            return i

    assert [b.tolist() for b in DataLoader(CollectsInherited(), num_workers=1)] == [[0]]
    assert [b.tolist() for b in older] == [[i] for i in range(1, 10)]


def test_spawn_context():
    x = numtorch.arange(12.0).reshape(6, 2)
    loader = DataLoader(
        TensorDataset(x), batch_size=3, num_workers=1, multiprocessing_context="spawn"
    )
    assert [b[0].tolist() for b in loader] == [x[:3].tolist(), x[3:].tolist()]


def test_persistent_loader_recovers_after_a_worker_died():
    class DiesOnce(Dataset):
        def __init__(self):
            self.flag = multiprocessing.get_context().Event()

        def __len__(self):
            return 4

        def __getitem__(self, i):
            if i == 1 and not self.flag.is_set():
                self.flag.set()
                os._exit(1)
            return i

    loader = DataLoader(DiesOnce(), batch_size=2, num_workers=1, persistent_workers=True)
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(loader)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3]]


def process_running(pid: int) -> bool:
    """Whether ``pid`` is a live process (an unreaped zombie counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.slow
def test_workers_exit_when_the_main_process_is_killed(tmp_path):
    """Workers notice a vanished parent (within MP_STATUS_CHECK_INTERVAL) and exit."""
    import subprocess
    import sys
    import textwrap

    pid_file = tmp_path / "pids"
    script = textwrap.dedent(f"""
        import os, signal
        from numtorch.utils.data import DataLoader
        it = iter(DataLoader(list(range(100)), num_workers=2))
        next(it)
        open({str(pid_file)!r}, "w").write(" ".join(str(w.pid) for w in it._workers))
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    subprocess.run([sys.executable, "-c", script], timeout=60)
    pids = [int(p) for p in pid_file.read_text().split()]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if process_running(pid)]
        if not alive:
            break
        time.sleep(0.2)
    assert not alive
