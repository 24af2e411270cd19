"""Samplers, datasets and random_split: index orders under a seed are PyTorch's, draw for draw
(the default generator's stream stays aligned afterwards), and bad arguments get PyTorch's errors."""

from __future__ import annotations

import warnings

import pytest

import numtorch
from data_harness import assert_streams_aligned, seed_both
from numtorch.utils import data as ntdata

SEEDS = [0, 1, 7, 12345, 2**40 + 3]


def make_sampler(lib, kind, n, generator_seed):
    d = lib.utils.data
    gen = lib.Generator().manual_seed(generator_seed) if generator_seed is not None else None
    data = list(range(n))
    if kind == "random":
        return d.RandomSampler(data, generator=gen)
    if kind == "random_num_samples":
        return d.RandomSampler(data, num_samples=2 * n + 3, generator=gen)
    if kind == "random_replacement":
        return d.RandomSampler(data, replacement=True, generator=gen)
    if kind == "random_replacement_70":
        return d.RandomSampler(data, replacement=True, num_samples=70, generator=gen)
    if kind == "subset_random":
        return d.SubsetRandomSampler([3 * i + 1 for i in range(n)], generator=gen)
    if kind == "weighted":
        return d.WeightedRandomSampler([0.5 + i % 7 for i in range(n)], 2 * n, generator=gen)
    if kind == "weighted_no_replacement":
        w = [0.5 + (i * 37 % 11) for i in range(n)]
        return d.WeightedRandomSampler(w, max(1, n // 2), replacement=False, generator=gen)
    if kind == "sequential":
        return d.SequentialSampler(data)
    raise AssertionError(kind)


KINDS = [
    "random",
    "random_num_samples",
    "random_replacement",
    "random_replacement_70",
    "subset_random",
    "weighted",
    "weighted_no_replacement",
    "sequential",
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", [1, 2, 10, 33])
@pytest.mark.parametrize("generator_seed", [None, 5])
def test_sampler_orders_match_torch(torch, kind, n, generator_seed):
    for seed in SEEDS[:3]:
        seed_both(torch, seed)
        ours = make_sampler(numtorch, kind, n, generator_seed)
        theirs = make_sampler(torch, kind, n, generator_seed)
        assert len(ours) == len(theirs)
        for _epoch in range(2):
            assert list(ours) == list(theirs)
        assert_streams_aligned(torch)


@pytest.mark.parametrize("batch_size", [1, 3, 4, 10, 11])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_matches_torch(torch, batch_size, drop_last):
    for seed in SEEDS[:2]:
        seed_both(torch, seed)
        ours = ntdata.BatchSampler(ntdata.RandomSampler(range(10)), batch_size, drop_last)
        theirs = torch.utils.data.BatchSampler(
            torch.utils.data.RandomSampler(range(10)), batch_size, drop_last
        )
        assert len(ours) == len(theirs)
        assert list(ours) == list(theirs)
        assert list(ours) == list(theirs)
        assert_streams_aligned(torch)


def test_batch_sampler_docstring_example():
    seq = ntdata.SequentialSampler(range(10))
    assert list(ntdata.BatchSampler(seq, 3, False)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert list(ntdata.BatchSampler(seq, 3, True)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_random_sampler_draws_nothing_until_iterated(torch):
    seed_both(torch, 3)
    sampler = ntdata.RandomSampler(range(5))
    iterator = iter(sampler)
    assert_streams_aligned(torch)  # creating the iterator drew nothing
    torch_order = list(torch.utils.data.RandomSampler(range(5)))
    assert list(iterator) == torch_order


SAMPLER_ERRORS = {
    "random replacement not bool": lambda d: d.RandomSampler(range(3), replacement=1),
    "random num_samples zero": lambda d: d.RandomSampler(range(3), num_samples=0),
    "random num_samples float": lambda d: d.RandomSampler(range(3), num_samples=2.0),
    "random empty dataset": lambda d: d.RandomSampler([]),
    "weighted num_samples bool": lambda d: d.WeightedRandomSampler([1.0], True),
    "weighted num_samples negative": lambda d: d.WeightedRandomSampler([1.0], -1),
    "weighted replacement not bool": lambda d: d.WeightedRandomSampler([1.0], 1, replacement=0),
    "weighted 2-d weights": lambda d: d.WeightedRandomSampler([[1.0, 2.0]], 1),
    "batch size zero": lambda d: d.BatchSampler(range(3), 0, False),
    "batch size bool": lambda d: d.BatchSampler(range(3), True, False),
    "batch drop_last not bool": lambda d: d.BatchSampler(range(3), 2, 0),
    "distributed bad rank": lambda d: d.DistributedSampler(range(4), num_replicas=2, rank=2),
}


@pytest.mark.parametrize("name", list(SAMPLER_ERRORS))
def test_sampler_argument_errors_match_torch(torch, name):
    with pytest.raises(Exception) as expected:
        SAMPLER_ERRORS[name](torch.utils.data)
    with pytest.raises(expected.type) as got:
        SAMPLER_ERRORS[name](ntdata)
    assert str(got.value) == str(expected.value)


def test_base_sampler_iter_is_abstract():
    with pytest.raises(NotImplementedError):
        iter(ntdata.Sampler())


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("drop_last", [True, False])
@pytest.mark.parametrize("num_replicas", [1, 3, 4])
def test_distributed_sampler_matches_torch(torch, shuffle, drop_last, num_replicas):
    for rank in range(num_replicas):
        for epoch in (0, 1):
            ours = ntdata.DistributedSampler(
                range(10), num_replicas, rank, shuffle=shuffle, seed=3, drop_last=drop_last
            )
            theirs = torch.utils.data.DistributedSampler(
                range(10), num_replicas, rank, shuffle=shuffle, seed=3, drop_last=drop_last
            )
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert len(ours) == len(theirs) and list(ours) == list(theirs)


def test_distributed_sampler_needs_explicit_replicas():
    with pytest.raises(RuntimeError, match="Requires distributed package to be available"):
        ntdata.DistributedSampler(range(4))


# --- random_split -------------------------------------------------------------------------------
SPLITS = [
    [3, 7],
    [10],
    [0, 4, 6],
    [0.5, 0.5],
    [0.3, 0.3, 0.4],
    [0.25, 0.25, 0.25, 0.25],
    [0.1, 0.9],
]


@pytest.mark.parametrize("lengths", SPLITS, ids=str)
@pytest.mark.parametrize("use_generator", [False, True])
def test_random_split_matches_torch(torch, lengths, use_generator):
    for seed in SEEDS:
        seed_both(torch, seed)
        kwargs_ours = {"generator": numtorch.Generator().manual_seed(42)} if use_generator else {}
        kwargs_theirs = {"generator": torch.Generator().manual_seed(42)} if use_generator else {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = ntdata.random_split(list(range(10)), lengths, **kwargs_ours)
            theirs = torch.utils.data.random_split(list(range(10)), lengths, **kwargs_theirs)
        assert [s.indices for s in ours] == [s.indices for s in theirs]
        assert [list(s) for s in ours] == [list(s) for s in theirs]
        assert_streams_aligned(torch)


def test_random_split_fraction_remainder_round_robin(torch):
    seed_both(torch, 0)
    ours = ntdata.random_split(range(11), [0.2, 0.2, 0.6])
    theirs = torch.utils.data.random_split(range(11), [0.2, 0.2, 0.6])
    assert [len(s) for s in ours] == [len(s) for s in theirs] == [3, 2, 6]


def test_random_split_zero_length_warning(torch):
    with pytest.warns(UserWarning) as theirs:
        torch.utils.data.random_split(range(3), [0.0, 1.0])
    with pytest.warns(UserWarning) as ours:
        ntdata.random_split(range(3), [0.0, 1.0])
    assert str(ours[0].message) == str(theirs[0].message)
    assert ours[0].filename == __file__  # the warning points at the caller, as PyTorch's does


@pytest.mark.parametrize("lengths", [[3, 3], [0.5, 0.6, -0.1], [1.5, -0.5]], ids=str)
def test_random_split_errors_match_torch(torch, lengths):
    with pytest.raises(Exception) as expected:
        torch.utils.data.random_split(range(10), lengths)
    with pytest.raises(expected.type, match=str(expected.value)):
        ntdata.random_split(range(10), lengths)


# --- datasets -----------------------------------------------------------------------------------
def test_tensor_dataset_items_and_batched_fetch():
    x = numtorch.arange(12.0).reshape(6, 2)
    y = numtorch.arange(6)
    ds = ntdata.TensorDataset(x, y)
    assert len(ds) == 6
    sample = ds[4]
    assert sample[0].tolist() == [8.0, 9.0] and sample[1].item() == 4 and sample[1].shape == ()
    batch = ds.__getitems__([4, 0, -1])
    for got, idx in zip(batch, [4, 0, -1]):
        want = ds[idx]
        assert [t.tolist() for t in got] == [t.tolist() for t in want]
        assert [(t.dtype, t.shape) for t in got] == [(t.dtype, t.shape) for t in want]


def test_tensor_dataset_size_mismatch(torch):
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        ntdata.TensorDataset(numtorch.zeros(3), numtorch.zeros(4))


def test_tensor_dataset_subclass_getitem_is_honoured():
    class Doubled(ntdata.TensorDataset):
        def __getitem__(self, index):
            (x,) = super().__getitem__(index)
            return (x * 2,)

    ds = Doubled(numtorch.arange(4.0))
    assert [s[0].item() for s in ds.__getitems__([1, 3])] == [2.0, 6.0]
    loader = ntdata.DataLoader(ds, batch_size=4)
    assert next(iter(loader))[0].tolist() == [0.0, 2.0, 4.0, 6.0]


def test_tensor_dataset_out_of_range_index_error(torch):
    ds = ntdata.TensorDataset(numtorch.zeros(3))
    with pytest.raises(IndexError) as got:
        ds.__getitems__([0, 5])
    with pytest.raises(IndexError) as expected:
        torch.utils.data.TensorDataset(torch.zeros(3))[5]
    assert str(got.value) == str(expected.value)


def test_concat_dataset_matches_torch(torch):
    parts = [list(range(3)), list(range(10, 15)), list(range(20, 22))]
    ours, theirs = ntdata.ConcatDataset(parts), torch.utils.data.ConcatDataset(parts)
    assert len(ours) == len(theirs) and ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-10, 10)] == [theirs[i] for i in range(-10, 10)]
    with pytest.raises(
        ValueError, match="absolute value of index should not exceed dataset length"
    ):
        ours[-11]
    assert list(ntdata.TensorDataset(numtorch.arange(2)) + ntdata.TensorDataset(numtorch.arange(3)))


def test_concat_dataset_rejects_iterables_and_empty():
    class Stream(ntdata.IterableDataset):
        def __iter__(self):
            yield 1

    with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
        ntdata.ConcatDataset([])
    with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
        ntdata.ConcatDataset([Stream()])
    assert list(Stream() + Stream()) == [1, 1]  # IterableDataset + -> ChainDataset


def test_subset_and_its_batched_fetch():
    calls = []

    class Batched(ntdata.Dataset):
        def __getitem__(self, i):
            return i * 10

        def __getitems__(self, indices):
            calls.append(list(indices))
            return [i * 10 for i in indices]

        def __len__(self):
            return 10

    sub = ntdata.Subset(Batched(), [9, 2, 5])
    assert len(sub) == 3 and sub[0] == 90 and sub.__getitems__([2, 0]) == [50, 90]
    assert calls == [[5, 9]]
    assert ntdata.Subset(list(range(10)), [3, 4]).__getitems__([1]) == [4]


def test_subset_subclass_overriding_getitem_only_is_rejected(torch):
    class Bad(ntdata.Subset):
        def __getitem__(self, idx):
            return 0

    class TorchBad(torch.utils.data.Subset):
        def __getitem__(self, idx):
            return 0

    with pytest.raises(NotImplementedError) as expected:
        TorchBad([1], [0])
    with pytest.raises(NotImplementedError) as got:
        Bad([1], [0])
    assert str(got.value) == str(expected.value).replace("TorchBad", "Bad")


def test_stack_dataset_matches_torch(torch):
    a, b = list(range(4)), [str(i) for i in range(4)]
    for args, kwargs in [((a, b), {}), ((), {"num": a, "txt": b})]:
        ours = ntdata.StackDataset(*args, **kwargs)
        theirs = torch.utils.data.StackDataset(*args, **kwargs)
        assert len(ours) == len(theirs)
        assert [ours[i] for i in range(4)] == [theirs[i] for i in range(4)]
        assert ours.__getitems__([3, 1]) == theirs.__getitems__([3, 1])
    for bad in [lambda d: d.StackDataset(), lambda d: d.StackDataset(a, x=b)]:
        with pytest.raises(ValueError) as expected:
            bad(torch.utils.data)
        with pytest.raises(ValueError, match=str(expected.value).replace("(", r"\(")[:30]):
            bad(ntdata)
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        ntdata.StackDataset(a, [1])


def test_dataset_base_class():
    with pytest.raises(
        NotImplementedError, match="Subclasses of Dataset should implement __getitem__."
    ):
        ntdata.Dataset()[0]
    assert not hasattr(ntdata.Dataset(), "__len__")
