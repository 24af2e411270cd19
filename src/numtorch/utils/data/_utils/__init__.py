"""Helpers of ``DataLoader`` (``torch/utils/data/_utils``): ``collate`` (batching samples), ``fetch``
(index → batch), ``worker`` (the worker-process loop, ``get_worker_info``, ``ExceptionWrapper``)."""

from __future__ import annotations

import atexit

MP_STATUS_CHECK_INTERVAL = 5.0
"""Seconds a worker waits on its index queue before checking that its parent process still lives."""

WORKER_STATUS_POLL_INTERVAL = 0.1
"""Seconds the main process waits on the result queue before checking that every worker still
lives. PyTorch relies on a SIGCHLD handler for prompt reports of a dead worker; polling the workers
this often gives the same promptness without taking over the process's signal handling."""

python_exit_status = False
"""True once the interpreter is exiting: loader iterators then leave their (daemonic) workers to
multiprocessing's own exit handler instead of shutting them down from a half-torn-down runtime."""


def _set_python_exit_flag() -> None:
    global python_exit_status
    python_exit_status = True


atexit.register(_set_python_exit_flag)

from . import collate, fetch, worker  # noqa: E402  (they import the constants above)
from .worker import ExceptionWrapper  # noqa: E402

__all__ = ["ExceptionWrapper", "collate", "fetch", "worker"]
