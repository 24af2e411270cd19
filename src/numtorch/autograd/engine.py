"""The backward pass behind ``Tensor.backward``, ``autograd.backward`` and ``autograd.grad``.

Follows ``torch/csrc/autograd/engine.cpp`` (single-threaded).

NOTE [ Engine walk ]
1. From the roots, count for every reachable node how many edges lead into it (iteratively, so deep
   graphs never hit Python's recursion limit). With ``inputs``, also mark the nodes that lead to
   one of them: only those run.
2. A node runs once all the gradients flowing into it have arrived (they are summed first). Among
   ready nodes the most recently created runs first (PyTorch's ``sequence_nr`` priority), so
   gradients are summed in PyTorch's order; a leaf's ``AccumulateGrad`` runs as soon as it is ready.
3. A node's ``backward`` returns gradients shaped like the op's *result*; the engine reduces them to
   each input's shape and dtype (undoing broadcasting and promotion) - written once, here.
4. Unless the graph is kept, each node frees its saved tensors after it has run.

NOTE [ Gradient ownership ]
A leaf keeps the first gradient it receives as its ``.grad`` without a copy, and later backward
calls add into that tensor in place - so it must not be a tensor anyone else can see: the
user's root gradient, a gradient a node passed through unchanged (``AddBackward0`` hands the same
tensor to both inputs), one a hook saw, a NumPy view or a read-only broadcast. Those are copied
first.
"""

from __future__ import annotations

import heapq

import numpy as np

from . import anomaly_mode, grad_mode
from .graph import AccumulateGrad, edge_of

_heappush = heapq.heappush
_heappop = heapq.heappop


def _sum_to(grad, shape):
    """Reduce ``grad`` (a Tensor) to ``shape`` by summing the broadcast dimensions."""
    gshape = grad._data.shape
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)
    dims = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1
    )
    out = grad.sum(dims, keepdim=True) if dims else grad
    if out._data.shape != shape:
        out = out.reshape(shape)
    return out


def _expandable(shape, target) -> bool:
    """Whether a tensor of ``target`` shape broadcasts to ``shape`` (a gradient reducible to it)."""
    if len(target) > len(shape):
        return False
    for s, t in zip(reversed(shape), reversed(target)):
        if t != s and t != 1:
            return False
    return True


def _shape_list(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _dependencies(root_nodes) -> dict:
    """For each node reachable from ``root_nodes``, how many edges lead into it."""
    deps: dict = {}
    stack = list(dict.fromkeys(root_nodes))
    seen = set(stack)
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is None:
                continue
            count = deps.get(nxt)
            if count is None:
                deps[nxt] = 1
                if nxt not in seen:  # a root reached from another root is walked once
                    seen.add(nxt)
                    stack.append(nxt)
            else:
                deps[nxt] = count + 1
    return deps


def _needed(root_nodes, targets) -> set:
    """The nodes with a path to a target node (whose gradient some input wants): they must run."""
    needed: set = set()
    done: set = set()
    stack = [(n, False) for n in root_nodes]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            for nxt, _ in node.next_functions:
                if nxt is not None and (nxt in needed or nxt in targets):
                    needed.add(node)
                    break
            continue
        if node in done:
            continue
        done.add(node)
        stack.append((node, True))
        for nxt, _ in node.next_functions:
            if nxt is not None and nxt not in done:
                stack.append((nxt, False))
    return needed


def run_backward(
    roots,
    grad_roots,
    keep_graph: bool,
    create_graph: bool,
    inputs=(),
    allow_unreachable: bool = False,
    accumulate_grad: bool = True,
):
    """Propagate ``grad_roots`` (tensors, one per root tensor) backward from ``roots``.

    ``accumulate_grad``: gradients reaching leaves go into their ``.grad`` (``backward``);
    ``inputs`` then restricts that to those tensors. Otherwise (``autograd.grad``) nothing is
    accumulated and the gradients flowing into ``inputs`` are returned, ``None`` where none did.
    """
    prev_mode = grad_mode.enabled
    grad_mode.enabled = create_graph
    try:
        buffers: dict = {}
        root_nodes = []
        shared = set()  # ids of gradients others can see (NOTE [ Gradient ownership ])
        for t, g in zip(roots, grad_roots):
            node, nr = edge_of(t)
            if node is None:
                continue
            if g is not None and g._data.dtype != t._data.dtype:
                g = g.to(t.dtype)
            root_nodes.append(node)
            shared.add(id(g))
            _accumulate(buffers, node, nr, g)
        captures = needed = results = None
        if inputs:
            captures, results = _capture_slots(inputs)
            needed = _needed(root_nodes, captures)
        check_nan = anomaly_mode.enabled and anomaly_mode.check_nan
        deps = _dependencies(root_nodes)
        heap: list = []
        for node in dict.fromkeys(root_nodes) if len(root_nodes) > 1 else root_nodes:
            if node not in deps:
                _heappush(heap, (-node._seq, id(node), node))
        while heap:
            node = _heappop(heap)[2]
            grads = buffers.pop(node, None)
            if grads is None:
                grads = [None] * node.n_outputs
            if type(node) is AccumulateGrad:
                _run_accumulate_grad(node, grads[0], captures, results, accumulate_grad, shared)
                continue
            runs = needed is None or node in needed
            if node._has_pre_hooks:
                hooked = grads
                grads = node._call_pre_hooks(list(grads), only_tensor_hooks=not runs)
                for g, h in zip(grads, hooked):
                    if g is not h and g is not None:
                        shared.add(id(g))
            if captures is not None and node in captures:
                for nr, slot in captures[node]:
                    g = grads[nr]
                    if g is not None:
                        results[slot] = g if results[slot] is None else results[slot] + g
                        shared.add(id(g))
            if not runs:
                continue
            grads_in = _call_node(node, grads, shared)
            if check_nan:
                anomaly_mode.check_grads(node, grads_in)
            if node._post_hooks:
                grads_in = node._call_post_hooks(grads_in, grads)
            if not keep_graph:
                node.release()
            edges = node.next_functions
            metas = node.input_meta
            if len(metas) != len(edges):
                metas = (None,) * len(edges)
            for i, ((nxt, nr), g, meta) in enumerate(zip(edges, grads_in, metas)):
                if nxt is None:
                    continue
                if g is not None:
                    if meta is not None:
                        shape, dtype = meta
                        if g._data.shape != shape:
                            g = _reduce_to(node, i, g, shape)
                        if g.dtype is not dtype:
                            g = g.to(dtype)
                    slot = buffers.get(nxt)
                    if slot is None:  # the first gradient for nxt (inlined _accumulate)
                        if nxt.n_outputs == 1:
                            buffers[nxt] = [g]
                        else:
                            slot = buffers[nxt] = [None] * nxt.n_outputs
                            slot[nr] = g
                    else:
                        _accumulate(buffers, nxt, nr, g)
                remaining = deps[nxt] - 1
                deps[nxt] = remaining
                if remaining == 0:
                    if (
                        type(nxt) is AccumulateGrad
                    ):  # a leaf's sink runs at once (PyTorch's priority)
                        slot = buffers.pop(nxt, None)
                        if slot is None:
                            continue
                        g = slot[0]
                        if captures is None and not nxt.variable._hooks and g is not None:
                            accumulate_into_leaf(nxt.variable, g, id(g) in shared)
                        else:
                            _run_accumulate_grad(nxt, g, captures, results, accumulate_grad, shared)
                    else:
                        _heappush(heap, (-nxt._seq, id(nxt), nxt))
    finally:
        grad_mode.enabled = prev_mode
    if results is not None and not accumulate_grad:
        return _finish_results(results, allow_unreachable)
    return None


def _accumulate(buffers: dict, node, nr: int, grad) -> None:
    """Sum the gradients flowing into output ``nr`` of ``node`` (PyTorch's ``InputBuffer``)."""
    slot = buffers.get(node)
    if slot is None:
        slot = buffers[node] = [None] * node.n_outputs
    prev = slot[nr]
    if prev is None:
        slot[nr] = grad
    elif grad_mode.enabled:
        slot[nr] = prev + grad
    else:
        a, b = prev._data, grad._data
        if a.shape == b.shape and a.dtype == b.dtype:
            slot[nr] = type(grad)._make(np.add(a, b))
        else:
            slot[nr] = prev + grad


def _reduce_to(node, i: int, g, shape):
    """Undo broadcasting: sum ``g`` down to input ``i``'s shape, or raise PyTorch's error."""
    if not _expandable(g._data.shape, shape):
        raise RuntimeError(
            f"Function {node.name()} returned an invalid gradient at index {i} - got "
            f"{_shape_list(g._data.shape)} but expected shape compatible with {_shape_list(shape)}"
        )
    return _sum_to(g, shape)


def _call_node(node, grads: list, shared: set) -> tuple:
    grad = grads[0]
    if len(grads) == 1 and grad is not None:
        out = node.backward(grad)
    elif node._runs_without_grads or any(g is not None for g in grads):
        out = node.backward(*grads)
        grad = None
    else:
        return (None,) * len(node.next_functions)  # nothing reached it: nothing flows on
    if type(out) is not tuple:
        out = tuple(out) if isinstance(out, list) else (out,)
    n = len(out)
    if n != len(node.next_functions):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients (expected "
            f"{len(node.next_functions)}, got {n})"
        )
    # NOTE [ Gradient ownership ]: passed through unchanged, or handed to two inputs.
    if node._user_defined:
        shared.update(id(g) for g in out)
    elif n == 1:
        if out[0] is grad and grad is not None:
            shared.add(id(grad))
    elif n == 2:
        a, b = out
        if a is not None and (a is b or a is grad):
            shared.add(id(a))
        if b is not None and b is grad:
            shared.add(id(b))
        if grad is None:  # a multi-output node: compare with every incoming gradient
            shared.update(id(g) for g in out if g is not None and any(g is h for h in grads))
    else:
        for i, g in enumerate(out):
            if g is not None and (any(g is h for h in grads) or any(g is h for h in out[i + 1 :])):
                shared.add(id(g))
    return out


def _capture_slots(inputs):
    """{node: [(output_nr, index in inputs)]}: where each input's gradient is read."""
    captures: dict = {}
    for slot, t in enumerate(inputs):
        fn = t.grad_fn
        if fn is not None:
            node, nr = fn, t._output_nr
        else:
            ref = t._grad_acc
            node = ref() if ref is not None else None  # a leaf never used in a graph: unreachable
            if node is None:
                continue
            nr = 0
        captures.setdefault(node, []).append((nr, slot))
    return captures, [None] * len(inputs)


def _run_accumulate_grad(node, grad, captures, results, accumulate_grad: bool, shared: set):
    """A leaf's node: its tensor hooks, then capture (``autograd.grad``) or accumulation."""
    if grad is None:
        return
    var = node.variable
    if var._hooks:
        for hook in tuple(var._hooks):
            result = hook(grad)
            if result is not None:
                grad = result
        shared.add(id(grad))  # a hook saw it
    if captures is not None:
        slots = captures.get(node)
        if slots is None:
            return  # backward(inputs=...) not asking for this leaf
        if not accumulate_grad:
            for _, slot in slots:
                results[slot] = grad if results[slot] is None else results[slot] + grad
            return
    accumulate_into_leaf(var, grad, id(grad) in shared)


def accumulate_into_leaf(var, grad, shared: bool) -> None:
    """``AccumulateGrad``: the first gradient is stored; later ones are added (in place when the
    graph of the gradient is not being built), then the post-accumulate hooks run."""
    current = var.grad
    if current is None:
        if grad_mode.enabled:  # create_graph: a differentiable copy (CopyBackwards, as PyTorch)
            var.grad = grad.new_empty(grad.shape).copy_(grad)
        else:
            data = grad._data
            if shared or data.base is not None or not data.flags.writeable:
                data = data.copy()  # NOTE [ Gradient ownership ]
            var.grad = type(grad)._make(data)
    elif grad_mode.enabled:
        var.grad = current + grad
    else:
        current._data += grad._data
        current._version[0] += 1
    if var._post_accumulate_hooks:
        for hook in tuple(var._post_accumulate_hooks):
            hook(var)


def _finish_results(results: list, allow_unreachable: bool) -> tuple:
    if not allow_unreachable:
        for i, g in enumerate(results):
            if g is None:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
    return tuple(results)
