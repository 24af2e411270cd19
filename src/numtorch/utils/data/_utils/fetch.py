"""Fetchers: turn one index (or one batch of indices) from the sampler into one collated batch.

Follows ``torch/utils/data/_utils/fetch.py``. The same fetcher runs in the main process (with
``num_workers=0``) and inside each worker process.
"""

from __future__ import annotations

from .collate import default_collate


class _BaseDatasetFetcher:
    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def fetch(self, possibly_batched_index):
        raise NotImplementedError


class _IterableDatasetFetcher(_BaseDatasetFetcher):
    """Draws the next ``len(batch)`` items from the dataset's iterator; ``StopIteration`` when the
    iterator is spent (or when only a short batch is left and ``drop_last`` is set)."""

    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool) -> None:
        super().__init__(dataset, auto_collation, collate_fn, drop_last)
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, possibly_batched_index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        for _ in possibly_batched_index:
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(possibly_batched_index)):
            raise StopIteration
        return self.collate_fn(data)


# NOTE [ Collated batched fetching ]
# ``__getitems__`` (PyTorch's protocol) saves the per-index ``dataset[i]`` calls, but still returns
# one Python object per sample, which default_collate then stacks again. When the loader uses
# ``default_collate`` itself, a dataset can skip both steps: numtorch's fetcher first offers the
# batch to ``dataset._getitems_collated(indices)``, which must return exactly what
# ``default_collate(dataset.__getitems__(indices))`` would (same structure, values, dtypes and
# shapes), built directly (one gather per column), or ``NotImplemented`` to decline (a subclass
# that overrides ``__getitem__``, indices that are not plain ints, ...). ``TensorDataset`` and
# ``Subset`` implement it; with any other ``collate_fn`` it is never called.
class _MapDatasetFetcher(_BaseDatasetFetcher):
    """``dataset[i]`` per index, or, when the dataset defines ``__getitems__`` (PyTorch 2.x's
    batched-fetch protocol), one ``dataset.__getitems__(indices)`` call for the whole batch (see
    also NOTE [ Collated batched fetching ])."""

    def fetch(self, possibly_batched_index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[possibly_batched_index])
        if self.collate_fn is default_collate:
            getitems_collated = getattr(self.dataset, "_getitems_collated", None)
            if getitems_collated is not None:
                batch = getitems_collated(possibly_batched_index)
                if batch is not NotImplemented:
                    return batch
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems:  # a dataset may set ``__getitems__ = None`` to opt out, as in PyTorch
            data = getitems(possibly_batched_index)
        else:
            data = [self.dataset[idx] for idx in possibly_batched_index]
        return self.collate_fn(data)
