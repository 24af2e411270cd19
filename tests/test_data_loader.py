"""DataLoader in the main process: batches and their order under a seed are PyTorch's (over seeds
and epochs, default and explicit generators), the options and their errors are PyTorch's, and the
seed's DataLoader code blocks behave as in PyTorch with a TensorDataset-like stand-in."""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import pytest

import numtorch
from data_harness import assert_streams_aligned, plain, seed_both
from numtorch.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    SequentialSampler,
    TensorDataset,
    default_collate,
)


def epoch(loader):
    return [plain(batch) for batch in loader]


@pytest.mark.parametrize("n", [1, 2, 10, 33, 100])
@pytest.mark.parametrize("batch_size", [1, 4, 64])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("use_generator", [False, True])
def test_shuffled_order_matches_torch(torch, n, batch_size, drop_last, use_generator):
    for seed in (0, 1, 2**33 + 5):
        seed_both(torch, seed)
        kw_ours = {"generator": numtorch.Generator().manual_seed(9)} if use_generator else {}
        kw_theirs = {"generator": torch.Generator().manual_seed(9)} if use_generator else {}
        ours = DataLoader(list(range(n)), batch_size, shuffle=True, drop_last=drop_last, **kw_ours)
        theirs = torch.utils.data.DataLoader(
            list(range(n)), batch_size, shuffle=True, drop_last=drop_last, **kw_theirs
        )
        assert len(ours) == len(theirs)
        for _ in range(3):
            assert epoch(ours) == epoch(theirs)
        assert_streams_aligned(torch)


def test_notes_example_order():
    """shared/notes/pytorch-cpu-rng.md §8: under manual_seed(0) this is [6,7,1,4,2,0,9,8,3,5]."""
    numtorch.manual_seed(0)
    order = [b.item() for b in DataLoader(list(range(10)), shuffle=True)]
    assert order == [6, 7, 1, 4, 2, 0, 9, 8, 3, 5]


def test_partial_epochs_keep_streams_aligned(torch):
    """An epoch abandoned after one batch draws exactly what PyTorch's does."""
    seed_both(torch, 4)
    ours = DataLoader(list(range(20)), batch_size=3, shuffle=True)
    theirs = torch.utils.data.DataLoader(list(range(20)), batch_size=3, shuffle=True)
    for _ in range(3):
        assert plain(next(iter(ours))) == plain(next(iter(theirs)))
        assert_streams_aligned(torch)


def test_tensor_dataset_batches_match_torch(torch):
    seed_both(torch, 11)
    x_ours = numtorch.randn(50, 3, 4)
    x_theirs = torch.randn(50, 3, 4)
    assert x_ours.tolist() == x_theirs.tolist()
    y = list(range(50))
    ours = DataLoader(TensorDataset(x_ours, numtorch.tensor(y)), batch_size=8, shuffle=True)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x_theirs, torch.tensor(y)), batch_size=8, shuffle=True
    )
    for _ in range(2):
        assert epoch(ours) == epoch(theirs)


class Squares(Dataset):
    """A map-style dataset of (int, float, str) samples: collation of every leaf kind."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return {"i": i, "sq": float(i * i), "name": f"item{i}"}

    def __len__(self):
        return self.n


LOADER_CONFIGS = {
    "sequential": lambda d, ds: d.DataLoader(ds, batch_size=3),
    "no batching": lambda d, ds: d.DataLoader(ds, batch_size=None),
    "batch_sampler": lambda d, ds: d.DataLoader(
        ds, batch_sampler=d.BatchSampler(d.SequentialSampler(ds), 4, True)
    ),
    "custom sampler": lambda d, ds: d.DataLoader(ds, batch_size=2, sampler=[5, 1, 3, 3, 0]),
    "list batch_sampler": lambda d, ds: d.DataLoader(ds, batch_sampler=[[1, 2], [0], [6, 5, 4]]),
    "identity collate": lambda d, ds: d.DataLoader(ds, batch_size=2, collate_fn=lambda x: x),
}


@pytest.mark.parametrize("config", list(LOADER_CONFIGS))
def test_loader_configurations_match_torch(torch, config):
    ours = LOADER_CONFIGS[config](numtorch.utils.data, Squares(7))
    theirs = LOADER_CONFIGS[config](torch.utils.data, Squares(7))
    assert epoch(ours) == epoch(theirs)
    if config != "list batch_sampler" or True:
        assert len(ours) == len(theirs)


def counting(data_module, n):
    """An IterableDataset of ``range(n)`` that reports its length, subclassing
    ``data_module.IterableDataset`` (numtorch's or PyTorch's ``utils.data``)."""

    class Counting(data_module.IterableDataset):
        def __iter__(self):
            return iter(range(n))

        def __len__(self):
            return n

    return Counting()


@pytest.mark.parametrize("batch_size", [None, 1, 3])
@pytest.mark.parametrize("drop_last", [False, True])
def test_iterable_dataset_matches_torch(torch, batch_size, drop_last):
    if batch_size is None and drop_last:
        return
    ours = DataLoader(counting(numtorch.utils.data, 7), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(
        counting(torch.utils.data, 7), batch_size=batch_size, drop_last=drop_last
    )
    assert len(ours) == len(theirs)
    assert epoch(ours) == epoch(theirs)


def test_iterable_dataset_longer_than_reported_warns(torch):
    liar = counting(numtorch.utils.data, 3)
    type(liar).__len__ = lambda self: 2
    loader = DataLoader(liar, batch_size=None)
    assert len(loader) == 2
    with pytest.warns(
        UserWarning,
        match=r"was reported to be 2\(when accessing len\(dataloader\)\), but 3 samples",
    ):
        list(loader)


def test_getitems_is_called_once_per_batch():
    calls = []

    class Batched(Dataset):
        def __getitem__(self, i):
            raise AssertionError("per-sample fetch used")

        def __getitems__(self, indices):
            calls.append(list(indices))
            return [(numtorch.full((2,), float(i)), i) for i in indices]

        def __len__(self):
            return 10

    x, y = next(iter(DataLoader(Batched(), batch_size=4)))
    assert calls == [[0, 1, 2, 3]] and y.tolist() == [0, 1, 2, 3] and x.shape == (4, 2)


def test_getitems_none_opts_out():
    class OptOut(Squares):
        __getitems__ = None

    assert [b["i"].tolist() for b in DataLoader(OptOut(4), batch_size=2)] == [[0, 1], [2, 3]]


LOADER_ERRORS = {
    "negative workers": lambda d, ds: d.DataLoader(ds, num_workers=-1),
    "negative timeout": lambda d, ds: d.DataLoader(ds, timeout=-1),
    "prefetch without workers": lambda d, ds: d.DataLoader(ds, prefetch_factor=2),
    "negative prefetch": lambda d, ds: d.DataLoader(ds, num_workers=1, prefetch_factor=-1),
    "persistent without workers": lambda d, ds: d.DataLoader(ds, persistent_workers=True),
    "sampler and shuffle": lambda d, ds: d.DataLoader(ds, sampler=[0], shuffle=True),
    "batch_sampler and batch_size": lambda d, ds: d.DataLoader(
        ds, batch_size=2, batch_sampler=[[0]]
    ),
    "batch_sampler and drop_last": lambda d, ds: d.DataLoader(
        ds, batch_sampler=[[0]], drop_last=True
    ),
    "no batch_size with drop_last": lambda d, ds: d.DataLoader(ds, batch_size=None, drop_last=True),
    "context without workers": lambda d, ds: d.DataLoader(ds, multiprocessing_context="fork"),
    "bad context name": lambda d, ds: d.DataLoader(
        ds, num_workers=1, multiprocessing_context="nope"
    ),
    "bad context object": lambda d, ds: d.DataLoader(ds, num_workers=1, multiprocessing_context=3),
    "iterable with shuffle": lambda d, ds: d.DataLoader(counting(d, 3), shuffle=True),
    "iterable with sampler": lambda d, ds: d.DataLoader(counting(d, 3), sampler=[0]),
    "iterable with batch_sampler": lambda d, ds: d.DataLoader(counting(d, 3), batch_sampler=[[0]]),
    "batch size zero": lambda d, ds: d.DataLoader(ds, batch_size=0),
}


@pytest.mark.parametrize("name", list(LOADER_ERRORS))
def test_loader_argument_errors_match_torch(torch, name):
    with pytest.raises(Exception) as expected:
        LOADER_ERRORS[name](torch.utils.data, list(range(4)))
    with pytest.raises(expected.type) as got:
        LOADER_ERRORS[name](numtorch.utils.data, list(range(4)))
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("attr", ["batch_size", "batch_sampler", "sampler", "drop_last", "dataset"])
def test_fixed_attributes_cannot_be_reassigned(torch, attr):
    with pytest.raises(ValueError) as expected:
        setattr(torch.utils.data.DataLoader([1]), attr, None)
    with pytest.raises(ValueError) as got:
        setattr(DataLoader([1]), attr, None)
    assert str(got.value) == str(expected.value)
    loader = DataLoader([1])
    loader.num_workers = 0  # other attributes stay assignable
    loader.collate_fn = default_collate


def test_pin_memory_is_accepted_with_torch_warning(torch):
    with pytest.warns(UserWarning) as theirs:
        list(torch.utils.data.DataLoader([1, 2], pin_memory=True))
    with pytest.warns(UserWarning) as ours:
        batches = list(DataLoader([1, 2], pin_memory=True))
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    assert [b.tolist() for b in batches] == [[1], [2]]


def test_loader_defaults_mirror_torch(torch):
    ours, theirs = DataLoader([1, 2, 3]), torch.utils.data.DataLoader([1, 2, 3])
    for attr in ["batch_size", "num_workers", "drop_last", "timeout", "prefetch_factor", "pin_memory",
                 "persistent_workers", "in_order", "worker_init_fn", "generator"]:  # fmt: skip
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert type(ours.sampler).__name__ == type(theirs.sampler).__name__
    assert (
        type(iter(ours)).__name__ == type(iter(theirs)).__name__ == "_SingleProcessDataLoaderIter"
    )
    assert DataLoader([1], num_workers=2).prefetch_factor == 2


def test_iterator_protocol_and_len():
    loader = DataLoader(list(range(10)), batch_size=3)
    iterator = iter(loader)
    assert iter(iterator) is iterator and len(iterator) == 4 == len(loader)
    assert [b.tolist() for b in iterator] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    with pytest.raises(StopIteration):
        next(iterator)
    with pytest.raises(NotImplementedError, match="cannot be pickled"):
        import pickle

        pickle.dumps(iter(loader))


def test_too_many_workers_warns(torch):
    import os

    too_many = len(os.sched_getaffinity(0)) + 1
    with pytest.warns(UserWarning) as theirs:
        torch.utils.data.DataLoader([1], num_workers=too_many)
    with pytest.warns(UserWarning) as ours:
        DataLoader([1], num_workers=too_many)
    assert str(ours[0].message) == str(theirs[0].message)


# --- the seed's code blocks, with a Fashion-MNIST-shaped stand-in -------------------------------
class FakeFashion(Dataset):
    """(1x28x28 float image, int label) samples like ``datasets.FashionMNIST(transform=ToTensor())``."""

    def __init__(self, lib, n=200):
        gen = lib.Generator().manual_seed(0)
        self.images = lib.rand(n, 1, 28, 28, generator=gen)
        self.labels = lib.randint(0, 10, (n,), generator=gen).tolist()

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return self.images[idx], self.labels[idx]


def run_seed_dataloader_block(lib, training_data):
    from_lib = lib.utils.data
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        train_dataloader = from_lib.DataLoader(training_data, batch_size=64, shuffle=True)
        train_features, train_labels = next(iter(train_dataloader))
        print(f"Feature batch shape: {train_features.size()}")
        print(f"Labels batch shape: {train_labels.size()}")
        img = train_features[0].squeeze()
        label = train_labels[0]
        print(f"Label: {label}")
        print(img.shape, img.dtype, img[14, 14].item())
    return out.getvalue(), plain(train_features), plain(train_labels)


def test_seed_dataloader_block_prints_what_torch_prints(torch):
    seed_both(torch, 0)
    ours = run_seed_dataloader_block(numtorch, FakeFashion(numtorch))
    theirs = run_seed_dataloader_block(torch, FakeFashion(torch))
    assert ours == theirs
    assert "Feature batch shape: torch.Size([64, 1, 28, 28])" in ours[0]


def run_seed_training_loops(lib, data):
    """The seed's collate_fn lambda and train/test loop skeletons (model replaced by a mean)."""
    d = lib.utils.data
    device = lib.device("cpu")
    loader = d.DataLoader(
        data, batch_size=64, collate_fn=lambda x: [y.to(device) for y in d.default_collate(x)]
    )
    lines = []
    size = len(loader.dataset)
    for batch, (X, y) in enumerate(loader):
        if batch % 2 == 0:
            current = batch * len(X)
            lines.append(f"[{current:>5d}/{size:>5d}] {X.shape} {y.dtype} {float(X.mean()):.6f}")
    lines.append(f"num_batches={len(loader)}")
    return lines


def test_seed_collate_lambda_and_loops_match_torch(torch):
    assert run_seed_training_loops(numtorch, FakeFashion(numtorch)) == run_seed_training_loops(
        torch, FakeFashion(torch)
    )


def test_batches_are_sequential_sampler_and_batch_sampler_compatible():
    ds = TensorDataset(numtorch.arange(10))
    manual = DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 4, False))
    auto = DataLoader(ds, batch_size=4)
    assert [b[0].tolist() for b in manual] == [b[0].tolist() for b in auto]


def test_no_warnings_in_plain_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(DataLoader(TensorDataset(numtorch.zeros(5, 2)), batch_size=2, shuffle=True))


# --- NOTE [ Collated batched fetching ]: the TensorDataset / Subset fast path ------------------
FAST_PATH_TENSORS = {
    "image + label": lambda T: (T.rand(9, 1, 4, 4), T.arange(9)),
    "1-d float64 + bool": lambda T: (T.arange(9, dtype=T.float64), T.arange(9) % 2 == 0),
    "uint8 + int32": lambda T: (
        T.arange(27, dtype=T.uint8).reshape(9, 3),
        T.arange(9, dtype=T.int32),
    ),
    "single tensor": lambda T: (T.arange(18.0).reshape(9, 2),),
}


@pytest.mark.parametrize("name", list(FAST_PATH_TENSORS))
def test_collated_fast_path_equals_default_collate(name):
    ds = TensorDataset(*FAST_PATH_TENSORS[name](numtorch))
    for indices in ([3, 0, 8], [5], list(range(9)), [-1, 2], [np.int64(4), np.int32(1)]):
        fast = ds._getitems_collated(indices)
        assert plain(fast) == plain(default_collate(ds.__getitems__(indices)))
        assert plain(fast) == plain(default_collate([ds[i] for i in indices]))


@pytest.mark.parametrize("name", list(FAST_PATH_TENSORS))
def test_tensor_dataset_loader_matches_torch(torch, name):
    seed_both(torch, 3)
    ours = DataLoader(TensorDataset(*FAST_PATH_TENSORS[name](numtorch)), batch_size=4, shuffle=True)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(*FAST_PATH_TENSORS[name](torch)), batch_size=4, shuffle=True
    )
    for _ in range(2):
        assert epoch(ours) == epoch(theirs)


def test_random_split_subsets_through_loader_match_torch(torch):
    seed_both(torch, 21)
    x = list(range(30))
    ours_ds = TensorDataset(numtorch.tensor(x), numtorch.tensor(x) * 2)
    theirs_ds = torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(x) * 2)
    ours = numtorch.utils.data.random_split(ours_ds, [0.8, 0.2])
    theirs = torch.utils.data.random_split(theirs_ds, [0.8, 0.2])
    for o, t in zip(ours, theirs):
        ours_loader = DataLoader(o, batch_size=7, shuffle=True)
        theirs_loader = torch.utils.data.DataLoader(t, batch_size=7, shuffle=True)
        assert epoch(ours_loader) == epoch(theirs_loader)


def test_collated_fast_path_declines_what_it_cannot_reproduce():
    ds = TensorDataset(numtorch.arange(6.0))
    assert ds._getitems_collated([True, False]) is NotImplemented  # bool indices mean masks
    assert ds._getitems_collated([7]) is NotImplemented  # out of range: the per-index error
    assert ds._getitems_collated([[0, 1]]) is NotImplemented
    grad = TensorDataset(numtorch.arange(6.0, requires_grad=True))
    assert grad._getitems_collated([0, 1]) is NotImplemented
    batch = next(iter(DataLoader(grad, batch_size=2)))[0]
    assert batch.requires_grad and batch.grad_fn is not None

    class Custom(TensorDataset):
        def __getitems__(self, indices):
            return [(numtorch.tensor(-1.0),) for _ in indices]

    assert Custom(numtorch.arange(3.0))._getitems_collated([0]) is NotImplemented
    assert next(iter(DataLoader(Custom(numtorch.arange(3.0)), batch_size=2)))[0].tolist() == [
        -1.0,
        -1.0,
    ]


def test_collated_fast_path_only_with_default_collate():
    seen = []
    ds = TensorDataset(numtorch.arange(4.0))
    loader = DataLoader(ds, batch_size=2, collate_fn=lambda samples: seen.append(samples) or 0)
    list(loader)
    assert [[s[0].item() for s in batch] for batch in seen] == [[0.0, 1.0], [2.0, 3.0]]
