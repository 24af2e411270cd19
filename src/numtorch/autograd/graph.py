"""The autograd graph: ``Node`` (a ``grad_fn``), ``AccumulateGrad`` and the backward engine.

Follows ``torch/csrc/autograd/engine.cpp`` in spirit: a node's inputs are counted, nodes run once all
gradients flowing into them have arrived, and the walk is iterative (deep graphs never hit Python's
recursion limit). Each op's node class lives beside its forward in ``numtorch/ops``.
"""

from __future__ import annotations

import weakref

from . import grad_mode

_SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


_NO_VERSION = (-1,)  # saved non-tensors (Python numbers, None) carry no version counter


class Node:
    """A function in the backward graph: the ``grad_fn`` of a tensor.

    Subclasses are named as PyTorch's nodes (``MulBackward0``...) and define ``backward(grad)``
    returning one gradient per entry of ``next_functions`` (``None`` where no gradient flows).
    ``input_meta`` holds each input's (shape, dtype) so the engine can undo broadcasting and
    promotion once, for every op.
    """

    # Class-level defaults keep per-node cost low: instances only set what they use.
    next_functions: tuple = ()
    input_meta: tuple = ()
    _saved: tuple | None = ()
    _saved_versions: tuple = ()
    _saved_output = None
    _pre_hooks: dict | None = None
    _post_hooks: list | None = None
    _retain_graph_freed = False

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {id(self):#x}>"

    def __call__(self, *grads):
        return self.backward(*grads)

    def backward(self, *grads):  # pragma: no cover - every node overrides it
        raise NotImplementedError

    # --- saved tensors ----------------------------------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        """Keep ``tensors`` for backward; their version counters catch later in-place changes."""
        self._saved = tensors
        self._saved_versions = tuple(getattr(t, "_version", _NO_VERSION)[0] for t in tensors)

    def save_output(self, out) -> None:
        """Keep the op's output for backward without a reference cycle (output -> node -> output)."""
        from .._tensor import Tensor

        shadow = Tensor._make(out._data)
        shadow._version = out._version
        self._saved_output = (shadow, out._version[0])

    @property
    def saved_tensors(self) -> tuple:
        saved = self._saved
        if saved is None:
            raise RuntimeError(_SECOND_BACKWARD)
        for t, expected in zip(saved, self._saved_versions):
            if expected >= 0 and t._version[0] != expected:
                raise RuntimeError(_modified_message(t, expected))
        return saved

    @property
    def saved_output(self):
        """The saved output, re-attached to this node so double backward sees its history."""
        if self._saved is None:
            raise RuntimeError(_SECOND_BACKWARD)
        shadow, expected = self._saved_output
        if shadow._version[0] != expected:
            raise RuntimeError(_modified_message(shadow, expected, self))
        from .._tensor import Tensor

        out = Tensor._make(shadow._data)
        out._version = shadow._version
        if grad_mode.enabled:
            out.grad_fn = self
            out._requires_grad = True
        return out

    def release(self) -> None:
        self._saved = None
        self._saved_output = None

    # --- hooks -------------------------------------------------------------------------------
    def register_hook(self, fn):
        """``Node.register_hook(fn(grad_inputs, grad_outputs))``."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(fn)
        return _RemovableHandle(self._post_hooks, fn)

    def register_prehook(self, fn):
        return self._add_tensor_pre_hook(0, lambda grad: fn((grad,)))

    def _add_tensor_pre_hook(self, output_nr: int, fn):
        if self._pre_hooks is None:
            self._pre_hooks = {}
        hooks = self._pre_hooks.setdefault(output_nr, [])
        hooks.append(fn)
        return _RemovableHandle(hooks, fn)

    @property
    def metadata(self) -> dict:
        if "_metadata" not in self.__dict__:
            self._metadata = {}
        return self._metadata


class AccumulateGrad(Node):
    """The sink for a leaf tensor: adds the incoming gradient into ``variable.grad``."""

    def __init__(self, variable):
        self.variable = variable

    def backward(self, grad):  # pragma: no cover - the engine accumulates directly
        return ()


class _RemovableHandle:
    """``torch.utils.hooks.RemovableHandle``: ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, container, item):
        self._container = (
            weakref.ref(container) if not isinstance(container, (list, dict)) else container
        )
        self._item = item
        self.id = _RemovableHandle._next_id
        _RemovableHandle._next_id += 1

    def remove(self) -> None:
        container = self._container
        if isinstance(container, dict):
            container.pop(self._item, None)
        elif self._item in container:
            container.remove(self._item)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _type_name(t) -> str:
    return f"torch.{t.dtype._legacy}Tensor"


def _modified_message(t, expected: int, node: Node | None = None) -> str:
    shape = ", ".join(str(s) for s in t.shape)
    producer = node if node is not None else t.grad_fn
    which = (
        f", which is output {t._output_nr} of {producer.name()}," if producer is not None else ""
    )
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{_type_name(t)} [{shape}]]{which} is at version {t._version[0]}; expected "
        f"version {expected} instead. Hint: enable anomaly detection to find the operation that "
        "failed to compute its gradient, with torch.autograd.set_detect_anomaly(True)."
    )


def edge_of(t) -> tuple:
    """The (node, output_nr) a gradient for ``t`` flows into: its grad_fn, or its AccumulateGrad."""
    if not t._requires_grad:
        return (None, 0)
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    acc = t._grad_acc() if t._grad_acc is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._grad_acc = weakref.ref(acc)
    return (acc, 0)


def record(node: Node, outputs, inputs) -> None:
    """Connect ``node`` to ``inputs`` (tensors or None) and make it the grad_fn of ``outputs``."""
    node.next_functions = tuple(edge_of(t) if t is not None else (None, 0) for t in inputs)
    node.input_meta = tuple((t._data.shape, t.dtype) if t is not None else None for t in inputs)
    for nr, out in enumerate(outputs):
        if out is not None:
            out.grad_fn = node
            out._output_nr = nr
            out._requires_grad = True
