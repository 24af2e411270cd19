"""``nn.Parameter`` and ``nn.Buffer`` (``torch/nn/parameter.py``).

A ``Parameter`` is a ``Tensor`` that a ``Module`` registers as a learnable weight when it is assigned
as an attribute. It aliases the tensor it was made from (same array, same version counter), as
PyTorch's ``Tensor._make_subclass`` does. Ops on a parameter return plain tensors.
"""

from __future__ import annotations

from collections import OrderedDict

from .._tensor import Tensor

__all__ = ["Parameter", "Buffer"]


def _empty_float() -> Tensor:
    from ..ops.creation import empty

    return empty(0)


class Parameter(Tensor):
    """``torch.nn.Parameter(data=None, requires_grad=True)``."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            data = _empty_float()
        if not isinstance(data, Tensor):
            raise AttributeError(f"'{type(data).__name__}' object has no attribute 'detach'")
        if requires_grad and not (data.is_floating_point() or data.is_complex()):
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients"
            )
        param = object.__new__(cls)
        param._data = data._data
        param._version = data._version
        param._init_slots()
        param.requires_grad_(requires_grad)
        return param

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True):
        pass  # everything happens in __new__ (Tensor defines no __init__ to chain to)

    def __repr__(self) -> str:
        from .._formatting import parameter_repr

        return parameter_repr(self)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self._requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        # torch pickles (torch._utils._rebuild_parameter, (data, requires_grad, hooks)); the data is
        # a plain Tensor so savers that handle tensors handle parameters too.
        return (_rebuild_parameter, (self.data, self._requires_grad, OrderedDict()))


def _rebuild_parameter(data: Tensor, requires_grad: bool, backward_hooks) -> Parameter:
    """``torch._utils._rebuild_parameter``: what unpickling a ``Parameter`` calls."""
    return Parameter(data, requires_grad)


class _BufferMeta(type):
    # ``isinstance(t, Buffer)`` holds only for tensors marked by ``Buffer(...)``: a Buffer is not a
    # tensor class of its own in PyTorch either, just a marker that Module.__setattr__ reads.
    def __instancecheck__(cls, instance) -> bool:
        if cls is Buffer:
            return isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False)
        return super().__instancecheck__(instance)


class Buffer(metaclass=_BufferMeta):
    """``torch.nn.Buffer(data=None, *, persistent=True)``: assigning it to a module attribute
    registers the tensor as a buffer (``persistent=False`` keeps it out of ``state_dict``)."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            data = _empty_float()
        t = data.detach()
        t.requires_grad_(data.requires_grad)
        t._is_buffer = True
        t.persistent = persistent
        return t
