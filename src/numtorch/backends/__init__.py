"""``torch.backends``: which accelerator backends this build has (none: numtorch runs on the CPU)."""

from __future__ import annotations

import types

mps = types.SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
cuda = types.SimpleNamespace(is_built=lambda: False, matmul=types.SimpleNamespace(allow_tf32=False))
cudnn = types.SimpleNamespace(
    is_available=lambda: False,
    enabled=False,
    benchmark=False,
    deterministic=False,
    allow_tf32=False,
)
mkldnn = types.SimpleNamespace(is_available=lambda: False, enabled=False)
openmp = types.SimpleNamespace(is_available=lambda: False)
