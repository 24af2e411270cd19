"""Datasets: map-style (``__getitem__`` + ``__len__``) and iterable-style (``__iter__``), and the
combinators PyTorch ships (``TensorDataset``, ``Subset``, ``ConcatDataset``, ``StackDataset``,
``ChainDataset``, ``random_split``).

Follows ``torch/utils/data/dataset.py``. A map-style dataset may also define
``__getitems__(indices) -> list of samples``; the DataLoader then fetches a whole batch with one call
(PyTorch 2.x's batched-fetch protocol). ``Subset``, ``StackDataset`` and ``TensorDataset`` define it.
"""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Generic, TypeVar

import numpy as np

from ... import randperm
from ..._tensor import Tensor

__all__ = [
    "ChainDataset",
    "ConcatDataset",
    "Dataset",
    "IterableDataset",
    "StackDataset",
    "Subset",
    "TensorDataset",
    "random_split",
]

_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)


class Dataset(Generic[_T_co]):
    """A map from keys (usually ``0 .. len - 1``) to samples. Subclasses define ``__getitem__`` and,
    for the default samplers, ``__len__`` (deliberately not defined here, as in PyTorch)."""

    def __getitem__(self, index) -> _T_co:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset[_T_co]) -> ConcatDataset[_T_co]:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[_T_co], Iterable[_T_co]):
    """A stream of samples (``__iter__``). With ``num_workers > 0`` every worker iterates its own
    copy, so ``__iter__`` should use ``get_worker_info()`` to take its share."""

    def __add__(self, other: Dataset[_T_co]):
        return ChainDataset([self, other])


class TensorDataset(Dataset[tuple[Tensor, ...]]):
    """Sample ``i`` is ``tuple(t[i] for t in tensors)``; all tensors share their first dimension."""

    tensors: tuple[Tensor, ...]

    def __init__(self, *tensors: Tensor) -> None:
        if any(tensors[0].size(0) != tensor.size(0) for tensor in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(tensor[index] for tensor in self.tensors)

    def __getitems__(self, indices: list[int]) -> list[tuple[Tensor, ...]]:
        """The samples at ``indices``, gathering each tensor once instead of indexing per sample.

        Values, dtypes and shapes are those of ``__getitem__``; the one difference is that a sample
        is a view of a fresh copy rather than of the dataset's tensors, so writing into it in place
        does not change the dataset. A subclass that overrides ``__getitem__`` gets its own
        ``__getitem__`` called per index."""
        columns = self._gather(indices)
        if columns is None:
            return [self[i] for i in indices]
        # ``column[k, ...]`` is a view, and 0-dim (not a NumPy scalar) for a 1-dim tensor's rows.
        rows = range(len(indices))
        return list(zip(*[[Tensor._make(column[k, ...]) for k in rows] for column in columns]))

    def _getitems_collated(self, indices: list[int]):
        """``default_collate(self.__getitems__(indices))``, which is one gathered tensor per
        column; see NOTE [ Collated batched fetching ] in ``_utils/fetch.py``."""
        if type(self).__getitems__ is not TensorDataset.__getitems__:
            return NotImplemented
        columns = self._gather(indices)
        if columns is None:
            return NotImplemented
        return [Tensor._make(column) for column in columns]

    def _gather(self, indices: list[int]):
        """Each tensor's rows at ``indices`` as fresh arrays, or None where the per-index path
        must run: an overridden ``__getitem__``, indices that are not integers, tensors that
        require grad (each sample must stay on the graph), an index out of range (numtorch's
        indexing raises PyTorch's message)."""
        if type(self).__getitem__ is not TensorDataset.__getitem__ or any(
            tensor.requires_grad for tensor in self.tensors
        ):
            return None
        index_array = np.asarray(indices)
        if index_array.ndim != 1 or index_array.dtype.kind not in "iu":
            return None  # bools, floats, nested lists, empty batches: t[i]'s own rules apply
        try:
            return [np.take(tensor._data, index_array, axis=0) for tensor in self.tensors]
        except IndexError:
            return None

    def __len__(self) -> int:
        return self.tensors[0].size(0)


class StackDataset(Dataset):
    """Zips datasets of equal length: sample ``i`` is ``(d0[i], d1[i], ...)`` for positional
    datasets, ``{"name": d[i], ...}`` for keyword ones."""

    datasets: tuple | dict

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args:
            if kwargs:
                raise ValueError(
                    "Supported either ``tuple``- (via ``args``) or"
                    "``dict``- (via ``kwargs``) like input/output, but both types are given."
                )
            datasets = args
            self._length = len(args[0])
        elif kwargs:
            datasets = kwargs
            self._length = len(next(iter(kwargs.values())))
        else:
            raise ValueError("At least one dataset should be passed")
        members = datasets.values() if isinstance(datasets, dict) else datasets
        if any(self._length != len(dataset) for dataset in members):
            raise ValueError("Size mismatch between datasets")
        self.datasets = datasets

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: dataset[index] for k, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)

    def __getitems__(self, indices: list):
        """One batched fetch per member dataset that supports it, per-index fetches otherwise."""
        if isinstance(self.datasets, dict):
            columns = {k: self._fetch_column(d, indices) for k, d in self.datasets.items()}
            return [dict(zip(columns, values)) for values in zip(*columns.values())]
        columns = [self._fetch_column(d, indices) for d in self.datasets]
        return list(zip(*columns))

    @staticmethod
    def _fetch_column(dataset, indices: list) -> list:
        if callable(getattr(dataset, "__getitems__", None)):
            items = dataset.__getitems__(indices)
            if len(items) != len(indices):
                raise ValueError(
                    "Nested dataset's output size mismatch."
                    f" Expected {len(indices)}, got {len(items)}"
                )
            return items
        return [dataset[idx] for idx in indices]

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset[_T_co]):
    """The datasets one after another: index ``i`` falls in the first dataset whose cumulative
    size exceeds it."""

    datasets: list[Dataset[_T_co]]
    cumulative_sizes: list[int]

    @staticmethod
    def cumsum(sequence) -> list[int]:
        return list(itertools.accumulate(len(e) for e in sequence))

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        super().__init__()
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return self.datasets[dataset_idx][sample_idx]

    @property
    def cummulative_sizes(self) -> list[int]:
        warnings.warn(
            "`cummulative_sizes` attribute is renamed to `cumulative_sizes`",
            FutureWarning,
            stacklevel=2,
        )
        return self.cumulative_sizes


class ChainDataset(IterableDataset):
    """Iterable datasets one after another (chained lazily, on iteration)."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        super().__init__()
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


class Subset(Dataset[_T_co]):
    """The samples of ``dataset`` at ``indices``, in that order."""

    dataset: Dataset[_T_co]
    indices: Sequence[int]

    def __init__(self, dataset: Dataset[_T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices
        # The DataLoader fetches through __getitems__, which would bypass an overridden __getitem__.
        if (
            type(self).__getitem__ is not Subset.__getitem__
            and type(self).__getitems__ is Subset.__getitems__
        ):
            raise NotImplementedError(
                f"{type(self).__name__} overrides __getitem__ but not __getitems__. "
                "When subclassing Subset and overriding __getitem__, you must also override "
                "__getitems__ to ensure DataLoader works correctly with your custom logic. "
                "A simple implementation:\n\n"
                "def __getitems__(self, indices):\n"
                "    return [self.__getitem__(idx) for idx in indices]"
            )

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list[_T_co]:
        # Batched fetching of the underlying dataset, when it supports it.
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[idx] for idx in indices])
        return [self.dataset[self.indices[idx]] for idx in indices]

    def _getitems_collated(self, indices: list[int]):
        """Forwarded to the underlying dataset; see NOTE [ Collated batched fetching ]."""
        getitems_collated = getattr(self.dataset, "_getitems_collated", None)
        if getitems_collated is None or type(self).__getitems__ is not Subset.__getitems__:
            return NotImplemented
        return getitems_collated([self.indices[idx] for idx in indices])

    def __len__(self) -> int:
        return len(self.indices)


def _fractions_to_lengths(n: int, fractions: Sequence[float]) -> list[int]:
    """``floor(n * f)`` items per split, then the remainder handed out one by one from the first
    split on (round-robin), as PyTorch does."""
    lengths = []
    for i, frac in enumerate(fractions):
        if frac < 0 or frac > 1:
            raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        lengths.append(math.floor(n * frac))
    for i in range(n - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, length in enumerate(lengths):
        if length == 0:
            warnings.warn(
                f"Length of split at index {i} is 0. This might result in an empty dataset.",
                stacklevel=3,
            )
    return lengths


def random_split(
    dataset: Dataset[_T], lengths: Sequence[int | float], generator=None
) -> list[Subset[_T]]:
    """Split ``dataset`` into non-overlapping random ``Subset``\\ s of the given ``lengths``, or of
    the given fractions of ``len(dataset)`` when ``lengths`` sum to 1.

    The split is ``randperm(len(dataset), generator=generator)`` cut in order, so under the same
    seed it is PyTorch's split (``generator`` defaults to the default generator)."""

    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _fractions_to_lengths(len(dataset), lengths)
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = randperm(sum(lengths), generator=generator).tolist()
    return [
        Subset(dataset, indices[offset - length : offset])
        for offset, length in zip(itertools.accumulate(lengths), lengths)
    ]
