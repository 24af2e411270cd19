"""``FakeData``, after ``torchvision/datasets/fakedata.py``: random images, each drawn from the
generator seeded with its index, so sample ``i`` is the same every time (and the same as
torchvision's, since numtorch's ``randn`` follows PyTorch's stream)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import transforms
from .vision import VisionDataset

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """``size`` samples of ``image_size`` (C, H, W) random PIL images with labels in ``[0, num_classes)``."""

    def __init__(
        self,
        size: int = 1000,
        image_size: tuple[int, int, int] = (3, 224, 224),
        num_classes: int = 10,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        random_offset: int = 0,
    ) -> None:
        super().__init__(transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        import numtorch as torch

        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        # Draw from a generator seeded by the index, leaving the global stream as it was.
        rng_state = torch.get_rng_state()
        torch.manual_seed(index + self.random_offset)
        img = torch.randn(*self.image_size)
        target = torch.randint(0, self.num_classes, size=(1,), dtype=torch.long)[0]
        torch.set_rng_state(rng_state)

        img = transforms.ToPILImage()(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target.item()

    def __len__(self) -> int:
        return self.size
