"""``DistributedSampler``: each of ``num_replicas`` processes takes its own share of a dataset.

Follows ``torch/utils/data/distributed.py``. numtorch has no ``torch.distributed``, so
``num_replicas`` and ``rank`` must be given explicitly.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TypeVar

from ... import randperm
from ..._random import Generator
from .dataset import Dataset
from .sampler import Sampler

__all__ = ["DistributedSampler"]

_T_co = TypeVar("_T_co", covariant=True)


class DistributedSampler(Sampler[_T_co]):
    """Indices ``rank, rank + num_replicas, ...`` of a (shuffled) pass over ``dataset``.

    The pass is padded by repeating its start so it divides evenly (or cut, with ``drop_last``).
    Shuffling uses ``Generator().manual_seed(seed + epoch)``: call ``set_epoch`` each epoch for a
    new order that every replica agrees on."""

    def __init__(
        self,
        dataset: Dataset,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None or rank is None:
            raise RuntimeError("Requires distributed package to be available")
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(self.dataset) % self.num_replicas != 0:
            # Drop the tail so every replica gets the same number of distinct samples.
            self.num_samples = math.ceil(
                (len(self.dataset) - self.num_replicas) / self.num_replicas
            )
        else:
            self.num_samples = math.ceil(len(self.dataset) / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[_T_co]:

        if self.shuffle:
            g = Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = randperm(len(self.dataset), generator=g).tolist()
        else:
            indices = list(range(len(self.dataset)))
        if self.drop_last:
            indices = indices[: self.total_size]
        else:
            padding_size = self.total_size - len(indices)
            repeats = math.ceil(padding_size / len(indices)) if indices else 0
            indices += (indices * max(repeats, 1))[:padding_size]
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which seeds this epoch's shuffle (``seed + epoch``)."""
        self.epoch = epoch
