"""The autograd graph: ``Node`` (a ``grad_fn``), ``AccumulateGrad``, saved tensors and hooks.

Follows ``torch/csrc/autograd/function.h`` and ``torch/autograd/graph.py``: a node's
``next_functions`` are (node, output_nr) edges towards the inputs, ``AccumulateGrad`` is the sink
of a leaf, and hooks run in PyTorch's order (NOTE [ Hook order ]). Each op's node class lives
beside its forward in ``numtorch/ops``; the walk itself is ``engine.py``.

NOTE [ Hook order ]
When a node is about to run, for each output: the tensor hooks registered on that output
(``Tensor.register_hook``) in registration order, then its ``retain_grad`` hook; then the node's
pre-hooks (``Node.register_prehook``), each seeing and possibly replacing all gradients; the node
runs; then its post-hooks (``Node.register_hook``) see (grad_inputs, grad_outputs) and may replace
grad_inputs. A leaf's tensor hooks run before its gradient is accumulated (or captured by
``autograd.grad``), its post-accumulate hooks after.
"""

from __future__ import annotations

import itertools
import weakref

from .._tensor import Tensor
from . import grad_mode

_SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)

_NO_VERSION = (-1,)  # saved non-tensors (Python numbers, None) carry no version counter

# PyTorch's sequence_nr: nodes created later run first when several are ready (engine.py).
_sequence = itertools.count()


class Node:
    """A function in the backward graph: the ``grad_fn`` of a tensor (``torch.autograd.graph.Node``).

    Subclasses are named as PyTorch's nodes (``MulBackward0``...) and define ``backward(grad)``
    returning one gradient per entry of ``next_functions`` (``None`` where no gradient flows).
    ``input_meta`` holds each input's (shape, dtype) so the engine can undo broadcasting and
    promotion once, for every op. A node with several outputs sets ``n_outputs``; its ``backward``
    receives one gradient per output (``None`` for outputs no gradient reached).
    """

    # Class-level defaults keep per-node cost low: instances only set what they use.
    next_functions: tuple = ()
    input_meta: tuple = ()
    n_outputs = 1
    _seq = 0
    _saved: tuple | None = ()
    _saved_versions: tuple = ()
    _saved_output = None
    _has_pre_hooks = False  # any tensor / retain_grad / node pre-hook (NOTE [ Hook order ])
    _tensor_pre_hooks: dict | None = None  # output_nr -> [hook(grad)]
    _retains_grad_hooks: dict | None = None  # output_nr -> hook(grad)
    _pre_hooks: list | None = None  # [hook(grad_outputs)]
    _post_hooks: list | None = None  # [hook(grad_inputs, grad_outputs)]
    _view_version = -1  # NOTE [ Stale views ] in views.py (-1: not stamped, never stale)
    _runs_without_grads = False  # called even when no gradient reached it (custom Functions)
    _user_defined = False  # a custom Function's: the gradients it returns may be the user's

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
        self._saved_output = (_shadow(out), out._version[0])

    @property
    def saved_tensors(self) -> tuple:
        saved = self._saved
        if saved is None:
            raise RuntimeError(_SECOND_BACKWARD)
        for t, expected in zip(saved, self._saved_versions):
            if expected >= 0 and t._version[0] != expected:
                raise RuntimeError(modified_message(t, expected))
        return saved

    @property
    def saved_output(self):
        """The saved output, re-attached to this node so double backward sees its history."""
        if self._saved is None:
            raise RuntimeError(_SECOND_BACKWARD)
        shadow, expected = self._saved_output
        return _unpack_output(shadow, expected, self, 0)

    def release(self) -> None:
        """Free what was saved for backward (after a backward without ``retain_graph``)."""
        self._saved = None
        self._saved_output = None

    # --- hooks (NOTE [ Hook order ]) ---------------------------------------------------------
    def register_hook(self, fn):
        """``Node.register_hook(fn(grad_inputs, grad_outputs) -> grad_inputs or None)``."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(fn)
        return RemovableHandle(self._post_hooks, fn)

    def register_prehook(self, fn):
        """``Node.register_prehook(fn(grad_outputs) -> grad_outputs or None)``."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(fn)
        self._has_pre_hooks = True
        return RemovableHandle(self._pre_hooks, fn)

    def _add_tensor_pre_hook(self, output_nr: int, fn):
        """``Tensor.register_hook`` on an output of this node."""
        if self._tensor_pre_hooks is None:
            self._tensor_pre_hooks = {}
        hooks = self._tensor_pre_hooks.setdefault(output_nr, [])
        hooks.append(fn)
        self._has_pre_hooks = True
        return RemovableHandle(hooks, fn)

    def _set_retains_grad_hook(self, output_nr: int, fn) -> None:
        if self._retains_grad_hooks is None:
            self._retains_grad_hooks = {}
        self._retains_grad_hooks[output_nr] = fn
        self._has_pre_hooks = True

    def _call_pre_hooks(self, grads: list, only_tensor_hooks: bool = False) -> list:
        """Run the hooks that see this node's incoming gradients (NOTE [ Hook order ])."""
        if self._tensor_pre_hooks:
            for nr, hooks in self._tensor_pre_hooks.items():
                for hook in tuple(hooks):
                    if grads[nr] is not None:
                        result = hook(grads[nr])
                        if result is not None:
                            grads[nr] = result
        if self._retains_grad_hooks:
            for nr, hook in self._retains_grad_hooks.items():
                if grads[nr] is not None:
                    hook(grads[nr])
        if self._pre_hooks and not only_tensor_hooks:
            for hook in tuple(self._pre_hooks):
                result = hook(tuple(grads))
                if result is not None:
                    grads = _checked_hook_result(self, result, len(grads), "pre-hook")
        return grads

    def _call_post_hooks(self, grads_in: tuple, grads_out: list) -> tuple:
        for hook in tuple(self._post_hooks):
            result = hook(grads_in, tuple(grads_out))
            if result is not None:
                grads_in = tuple(_checked_hook_result(self, result, len(grads_in), "hook"))
        return grads_in

    @property
    def metadata(self) -> dict:
        """A dict for the user's own annotations (``Node.metadata``)."""
        meta = self.__dict__.get("_metadata")
        if meta is None:
            meta = self._metadata = {}
        return meta


def _checked_hook_result(node: Node, result, expected: int, kind: str) -> list:
    if not isinstance(result, (tuple, list)):
        raise TypeError(f"{kind} of {node.name()} must return a tuple of gradients or None")
    if len(result) != expected:
        raise RuntimeError(
            f"{kind} '{node.name()}' has returned an incorrect number of values (got "
            f"{len(result)}, but expected {expected})"
        )
    return list(result)


class AccumulateGrad(Node):
    """The sink of a leaf: adds the incoming gradient into ``variable.grad`` (engine.py)."""

    def __init__(self, variable):
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def backward(self, grad):  # pragma: no cover - the engine accumulates directly
        return ()


class RemovableHandle:
    """``torch.utils.hooks.RemovableHandle``: ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, container, item):
        self._container = container
        self._item = item
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

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


_RemovableHandle = RemovableHandle  # the name _tensor.py imports


# --- saved outputs --------------------------------------------------------------------------------
def _shadow(out):
    """A history-free alias of ``out`` sharing its data and version counter (no cycle to the node)."""
    shadow = Tensor._make(out._data)
    shadow._version = out._version
    return shadow


def adopt_saved_output(node: Node, t) -> None:
    """After an in-place op, the result ``node`` saved lives in ``t``'s memory: watch ``t``'s
    version counter instead, so a later write through ``t`` (or a view of it) is caught, as
    PyTorch catches it."""
    saved = node._saved_output
    if saved is not None:
        data = saved[0]._data
        if data.shape == t._data.shape and data.dtype == t._data.dtype:
            node._saved_output = (_shadow(t), t._version[0])


def _unpack_output(shadow, expected: int, node: Node, output_nr: int):
    """A saved output as backward sees it: checked for in-place changes, re-attached to ``node``."""
    if shadow._version[0] != expected:
        raise RuntimeError(modified_message(shadow, expected, node))
    out = Tensor._make(shadow._data)
    out._version = shadow._version
    if grad_mode.enabled:
        out.grad_fn = node
        out._output_nr = output_nr
        out._requires_grad = True
    return out


def _message_name(node: Node) -> str:
    """The producer's name as PyTorch's saved-variable check words it: ``ExpBackward0`` -> ``Exp``,
    ``ClampBackward1`` -> ``Clamp1``, a custom ``MyFnBackward`` -> ``MyFn``."""
    name = node.name()
    head, found, tail = name.rpartition("Backward")
    if not found:
        return name
    return head + ("" if tail == "0" else tail)


def modified_message(t, expected: int, node: Node | None = None) -> str:
    """PyTorch's error for a saved tensor changed in place since it was saved.

    ``node`` is given for a saved output (the node that produced it); a saved input names its
    current ``grad_fn``, as PyTorch does.
    """
    shape = ", ".join(str(s) for s in t._data.shape)
    if node is None:
        edge_of(t)  # a stale view names its regenerated history, as PyTorch's does
    producer = node if node is not None else t.grad_fn
    output_nr = t._output_nr if node is None else 0
    which = (
        f", which is output {output_nr} of {_message_name(producer)},"
        if producer is not None
        else ""
    )
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [torch.{t.dtype._legacy}Tensor [{shape}]]{which} is at version "
        f"{t._version[0]}; expected version {expected} instead. Hint: enable anomaly detection to "
        "find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


# --- edges ----------------------------------------------------------------------------------------
def edge_of(t) -> tuple:
    """The (node, output_nr) a gradient for ``t`` flows into: its grad_fn, or its AccumulateGrad."""
    if not t._requires_grad:
        return (None, 0)
    fn = t.grad_fn
    if fn is not None:
        if t._base is not None and fn._view_version not in (t._version[0], -1):
            from .views import refresh_view

            refresh_view(t)
            fn = t.grad_fn
        return (fn, t._output_nr)
    return (grad_accumulator(t), 0)


def grad_accumulator(t) -> AccumulateGrad:
    """The leaf's ``AccumulateGrad`` node: one per leaf while a graph holds it (the leaf keeps a
    weak reference, as PyTorch's does)."""
    ref = t._grad_acc
    acc = ref() if ref is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._grad_acc = weakref.ref(acc)
    return acc


def retain_grad(t) -> None:
    """``Tensor.retain_grad``: a non-leaf keeps the gradient flowing into it as its ``.grad``."""
    if not t._requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if t.grad_fn is None or t._retains_grad:
        return  # a leaf keeps its gradient anyway
    ref = weakref.ref(t)  # the hook must not keep the tensor alive (tensor -> node -> hook)

    def retain(grad):
        var = ref()
        if var is not None:
            # PyTorch clones (recorded when the graph of the gradient is built), then sums.
            var.grad = grad.clone() if var.grad is None else var.grad + grad

    t._retains_grad = True
    t.grad_fn._set_retains_grad_hook(t._output_nr, retain)


def move_retains_grad(t, old_fn: Node | None, old_nr: int) -> None:
    """After an in-place op gave ``t`` a new history, its ``retain_grad`` hook follows it (as in
    PyTorch): ``t.grad`` is the gradient of its new values."""
    if not t._retains_grad or old_fn is None or old_fn is t.grad_fn:
        return
    hooks = old_fn._retains_grad_hooks
    hook = hooks.pop(old_nr, None) if hooks else None
    if hook is not None:
        t.grad_fn._set_retains_grad_hook(t._output_nr, hook)


def record(node: Node, outputs, inputs) -> None:
    """Connect ``node`` to ``inputs`` (tensors or None) and make it the grad_fn of ``outputs``."""
    node.next_functions = tuple(edge_of(t) if t is not None else (None, 0) for t in inputs)
    node.input_meta = tuple((t._data.shape, t.dtype) if t is not None else None for t in inputs)
    node._seq = next(_sequence)
    for nr, out in enumerate(outputs):
        if out is not None:
            out.grad_fn = node
            out._output_nr = nr
            out._requires_grad = True
            if out._base is not None:
                node._view_version = out._version[0]
