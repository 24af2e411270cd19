"""The backward pass: ``Tensor.backward``, ``autograd.backward`` and ``autograd.grad``.

NOTE [ Engine walk ]
1. From the roots, count for every reachable node how many edges lead into it (iteratively).
2. A node runs when all of those gradients have arrived; its outputs' gradients are summed first.
3. A node's ``backward`` returns gradients shaped like the op's *result*; the engine reduces them to
   each input's shape and dtype (undoing broadcasting and promotion) — written once, here.
4. Unless ``retain_graph``, each node frees its saved tensors after it has run.
"""

from __future__ import annotations

from . import grad_mode
from .graph import AccumulateGrad, Node


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
    if lead:
        out = out.reshape(shape)
    elif out._data.shape != shape:
        out = out.reshape(shape)
    return out


def _collect_dependencies(roots):
    deps: dict[Node, int] = {}
    seen = set()
    stack = [n for n in roots if n is not None]
    for n in stack:
        seen.add(n)
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return deps


def _accumulate(buffers, node, nr, grad, n_outputs):
    slot = buffers.get(node)
    if slot is None:
        slot = buffers[node] = [None] * n_outputs
    prev = slot[nr]
    slot[nr] = grad if prev is None else prev + grad


def _output_count(node) -> int:
    return getattr(node, "n_outputs", 1)


def run_backward(
    roots, grad_roots, retain_graph: bool, create_graph: bool, inputs=None, capture=None
):
    """Propagate ``grad_roots`` from ``roots`` (tensors) through the graph.

    ``inputs``: restrict accumulation into ``.grad`` to these tensors. ``capture``: a dict
    {(node, output_nr): None} that ``autograd.grad`` fills with the total gradient flowing there
    instead of accumulating into ``.grad``.
    """
    prev_mode = grad_mode.enabled
    grad_mode.enabled = create_graph
    try:
        buffers: dict = {}
        root_nodes = []
        for t, g in zip(roots, grad_roots):
            node, nr = (t.grad_fn, t._output_nr) if t.grad_fn is not None else _leaf_edge(t)
            if node is None:
                continue
            root_nodes.append(node)
            _accumulate(buffers, node, nr, g, _output_count(node))
        deps = _collect_dependencies(root_nodes)
        only = None if inputs is None else {id(t) for t in inputs}
        # NOTE [ Gradient ownership ]: a leaf may keep the gradient it receives as its .grad (no
        # copy) only if nothing else holds it: root gradients and gradients a node passed through
        # unchanged (AddBackward0 hands the same tensor to both inputs) are copied first.
        shared = {id(g): g for g in grad_roots}
        ready = [n for n in dict.fromkeys(root_nodes) if deps.get(n, 0) == 0]
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            if grads is None:
                grads = [None] * _output_count(node)
            if node._pre_hooks:
                grads = _run_pre_hooks(node, grads)
            if capture is not None:
                for nr, g in enumerate(grads):
                    if (node, nr) in capture:
                        capture[node, nr] = g
            if type(node) is AccumulateGrad:
                g = grads[0]
                if (
                    capture is None
                    and (only is None or id(node.variable) in only)
                    and g is not None
                ):
                    _accumulate_into_leaf(node.variable, g, create_graph, id(g) in shared)
                continue
            if capture is not None and not _leads_to_capture(node, capture):
                grads_in = (None,) * len(node.next_functions)
            else:
                grads_in = _call_node(node, grads)
                for g in grads_in:
                    if g is not None and any(g is h for h in grads):
                        shared[id(g)] = g
                if len(grads_in) > 1:
                    for i, g in enumerate(grads_in):
                        if g is not None and any(g is h for h in grads_in[i + 1 :]):
                            shared[id(g)] = g
            if node._post_hooks:
                for hook in node._post_hooks:
                    hook(grads_in, tuple(grads))
            if not retain_graph:
                node.release()
            for (nxt, nr), g, meta in zip(
                node.next_functions, grads_in, node.input_meta or _nones(node)
            ):
                if nxt is None:
                    continue
                if g is not None:
                    if meta is not None:
                        shape, dtype = meta
                        if g._data.shape != shape:
                            g = _sum_to(g, shape)
                        if g.dtype is not dtype:
                            g = g.to(dtype)
                    _accumulate(buffers, nxt, nr, g, _output_count(nxt))
                remaining = deps[nxt] - 1
                deps[nxt] = remaining
                if remaining == 0:
                    ready.append(nxt)
    finally:
        grad_mode.enabled = prev_mode


def _nones(node):
    return (None,) * len(node.next_functions)


def _leaf_edge(t):
    from .graph import edge_of

    return edge_of(t)


def _call_node(node, grads):
    if len(grads) == 1:
        if grads[0] is None:
            return (None,) * len(node.next_functions)
        out = node.backward(grads[0])
    else:
        out = node.backward(*grads)
    if not isinstance(out, tuple):
        out = (out,)
    return out


def _run_pre_hooks(node, grads):
    grads = list(grads)
    for nr, hooks in node._pre_hooks.items():
        for hook in list(hooks):
            if grads[nr] is None:
                continue
            result = hook(grads[nr])
            if result is not None:
                grads[nr] = result
    return grads


def _leads_to_capture(node, capture) -> bool:
    # autograd.grad only needs the nodes between the outputs and the requested inputs; the
    # capture dict caches which nodes reach one (NOTE [ Engine walk ], pruning).
    memo = capture.setdefault("__reach__", {})
    if node in memo:
        return memo[node]
    stack = [(node, False)]
    while stack:
        n, expanded = stack.pop()
        if n in memo and not expanded:
            continue
        if expanded:
            memo[n] = any((n, i) in capture for i in range(_output_count(n))) or any(
                memo.get(m, False) for m, _ in n.next_functions if m is not None
            )
            continue
        stack.append((n, True))
        for m, _ in n.next_functions:
            if m is not None and m not in memo:
                stack.append((m, False))
    return memo[node]


def _accumulate_into_leaf(var, grad, create_graph: bool, shared: bool) -> None:
    """``AccumulateGrad``: the first gradient is stored; later ones are added (in place when possible)."""
    if var._hooks:
        for hook in var._hooks:
            result = hook(grad)
            if result is not None:
                grad = result
                shared = True
    current = var.grad
    if current is None:
        if create_graph:
            var.grad = grad
        elif shared or grad._data.base is not None or not grad._data.flags.writeable:
            var.grad = grad.detach().clone()  # NOTE [ Gradient ownership ]
        else:
            var.grad = grad.detach()
    elif create_graph or grad_mode.enabled:
        var.grad = current + grad
    else:
        current._data += grad._data
    if var._post_accumulate_hooks:
        for hook in var._post_accumulate_hooks:
            hook(var)
