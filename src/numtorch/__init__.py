"""numtorch: PyTorch's programming model on NumPy. ``import numtorch as torch``."""
