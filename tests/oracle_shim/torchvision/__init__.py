"""A minimal stand-in for torchvision, for the oracle run of the notes on real PyTorch only.

torchvision cannot be installed beside the pinned PyTorch here; the notes need just FashionMNIST,
ToTensor and Lambda, written below from torchvision's documented behaviour (PIL image "L" → uint8
→ float32 / 255, C×H×W). Never used by numtorch itself.
"""

from . import datasets, io, transforms  # noqa: F401
