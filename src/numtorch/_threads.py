"""BLAS thread control for ``torch.set_num_threads`` (threadpoolctl, imported on first use)."""

from __future__ import annotations

import os

_limiter = None


def set_num_threads(n: int) -> None:
    global _limiter
    if not isinstance(n, int) or n < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    from threadpoolctl import threadpool_limits

    _limiter = threadpool_limits(limits=n, user_api="blas")
    os.environ["NUMTORCH_NUM_THREADS"] = str(n)


def get_num_threads() -> int:
    if "NUMTORCH_NUM_THREADS" in os.environ:
        return int(os.environ["NUMTORCH_NUM_THREADS"])
    try:
        from threadpoolctl import threadpool_info

        counts = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
        if counts:
            return max(counts)
    except ImportError:
        pass
    return os.cpu_count() or 1
