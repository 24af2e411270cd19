"""``class Tensor``: an ndarray plus dtype, device and autograd slots.

Ops and most methods are defined in ``numtorch/ops`` (each beside its backward) and attached to
``Tensor`` there; this file holds what makes a tensor a tensor: construction, attributes, the Python
protocols, and the autograd entry points.
"""

from __future__ import annotations

import numpy as np

from . import _dtype
from ._device import CPU
from ._size import Size


class Tensor:
    """``torch.Tensor``.

    ``_data`` is the ndarray holding the values; views share it (and ``_version``, a one-element
    list counting in-place writes, which autograd checks on saved tensors) with their ``_base``.
    """

    __slots__ = (
        "_data",
        "_requires_grad",
        "grad",
        "grad_fn",
        "_output_nr",
        "_version",
        "_base",
        "_hooks",
        "_post_accumulate_hooks",
        "_retains_grad",
        "_grad_acc",
        "__weakref__",
        "__dict__",
    )

    def __new__(cls, *args, **kwargs):
        if (
            cls is Tensor
            and args
            and isinstance(args[0], np.ndarray)
            and len(args) == 1
            and not kwargs
        ):
            return cls._make(args[0])
        from .ops.creation import _legacy_tensor_new

        return _legacy_tensor_new(cls, *args, **kwargs)

    @classmethod
    def _make(cls, array: np.ndarray, requires_grad: bool = False) -> Tensor:
        """Wrap ``array`` (no copy). The internal constructor every op uses."""
        t = object.__new__(cls)
        t._data = array
        t._version = [0]
        # _init_slots, inlined: every op result passes here (NOTE [ Hot path ] in ops/_base.py)
        t._requires_grad = t._retains_grad = False
        t.grad = t.grad_fn = t._base = t._hooks = t._post_accumulate_hooks = t._grad_acc = None
        t._output_nr = 0
        if requires_grad:
            t.requires_grad_(True)
        return t

    def _init_slots(self) -> None:
        self._requires_grad = False
        self.grad = self.grad_fn = self._base = self._hooks = None
        self._post_accumulate_hooks = self._grad_acc = None
        self._output_nr = 0
        self._retains_grad = False

    def _view_of(self, array: np.ndarray) -> Tensor:
        """A new tensor over ``array``, a view of this tensor's data: shares the version counter."""
        t = object.__new__(Tensor)
        t._data = array
        t._version = self._version
        t._init_slots()
        t._base = self if self._base is None else self._base
        return t

    # --- metadata --------------------------------------------------------------------------------
    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype._BY_NP[self._data.dtype]

    @property
    def device(self):
        return CPU

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def stride(self, dim: int | None = None):
        item = self._data.itemsize
        strides = tuple(s // item for s in self._data.strides)
        if self._data.size <= 1 or 0 in self._data.shape:
            # NumPy gives fresh empty arrays zero strides; PyTorch's are contiguous ones
            if not self._data.flags.c_contiguous or (strides and not any(strides)):
                strides = _contiguous_strides(self._data.shape)
        if dim is None:
            return strides
        return strides[self._wrap_dim(dim)]

    def storage_offset(self) -> int:
        """Elements between the start of the storage and this tensor's first element. The storage
        is the outermost array the data is a view of (through slices and ``as_strided`` wrappers),
        so loaded views keep their offsets; a ``from_numpy`` of a sliced array therefore reports
        its offset in the NumPy buffer, where PyTorch starts a new storage (0)."""
        root = self._base._data if self._base is not None else self._data
        while True:
            parent = getattr(root, "base", None)
            if parent is None:
                break
            if not isinstance(parent, np.ndarray):  # as_strided's DummyArray holds the array
                parent = getattr(parent, "base", None)
                if not isinstance(parent, np.ndarray):
                    break
            root = parent
        start = self._data.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        return start // self._data.itemsize

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    def is_contiguous(self, memory_format=None) -> bool:
        return self._data.flags.c_contiguous

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f" or self.dtype is _dtype.bfloat16

    def is_complex(self) -> bool:
        return self._data.dtype.kind == "c"

    def is_signed(self) -> bool:
        return self.dtype.is_signed

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_cpu(self) -> bool:
        return True

    @property
    def is_sparse(self) -> bool:
        return False

    @property
    def is_quantized(self) -> bool:
        return False

    @property
    def is_meta(self) -> bool:
        return False

    @property
    def layout(self):
        from . import strided

        return strided

    def get_device(self) -> int:
        return -1

    def _wrap_dim(self, dim: int) -> int:
        return wrap_dim(dim, self._data.ndim)

    @property
    def T(self) -> Tensor:
        n = self._data.ndim
        if n not in (0, 2):
            import warnings

            warnings.warn(
                "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
                "deprecated and it will throw an error in a future release. Consider `x.mT` to "
                "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to "
                "reverse the dimensions of a tensor.",
                UserWarning,
                stacklevel=2,
            )
        return self.permute(*range(n - 1, -1, -1))

    @property
    def mT(self) -> Tensor:
        if self._data.ndim < 2:
            raise RuntimeError(
                "tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor."
            )
        return self.transpose(-2, -1)

    @property
    def H(self) -> Tensor:
        return self.T.conj() if self.is_complex() else self.T

    @property
    def mH(self) -> Tensor:
        return self.mT.conj() if self.is_complex() else self.mT

    @property
    def data(self) -> Tensor:
        t = self.detach()
        t._version = [0]  # as PyTorch's: writes through .data are invisible to autograd's checks
        return t

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data

    # --- autograd --------------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a "
                    "computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach()."
                )
            return self
        if requires_grad and self._data.dtype.kind not in "fcV":
            if self.dtype is not _dtype.bfloat16:
                raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def output_nr(self) -> int:
        """Which output of its ``grad_fn`` this tensor is."""
        return self._output_nr

    def detach(self) -> Tensor:
        """A tensor sharing memory (and the version counter) but outside the graph (not a view)."""
        t = object.__new__(Tensor)
        t._data = self._data
        t._version = self._version
        t._init_slots()
        return t

    def detach_(self) -> Tensor:
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
                "buckets, and hence detach_() cannot be called on these gradients. To fix this error, please "
                "refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution."
            )
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self) -> None:
        from .autograd.graph import retain_grad

        retain_grad(self)

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook):
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._add_tensor_pre_hook(self._output_nr, hook)
        from .autograd.graph import _RemovableHandle

        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _RemovableHandle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors"
            )
        from .autograd.graph import _RemovableHandle

        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = []
        self._post_accumulate_hooks.append(hook)
        return _RemovableHandle(self._post_accumulate_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        from .autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # --- Python protocols ------------------------------------------------------------------------
    def __repr__(self, *, tensor_contents=None) -> str:
        from ._formatting import tensor_repr

        return tensor_repr(self, tensor_contents=tensor_contents)

    def __str__(self) -> str:
        return self.__repr__()

    def __format__(self, spec: str) -> str:
        from ._formatting import tensor_format

        return tensor_format(self, spec)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            if self._data.size == 0:
                raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def _scalar_value(self, name: str):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def item(self):
        value = self._scalar_value("item")
        if self.dtype is _dtype.bfloat16:
            return float(value)
        return value

    def _python_number(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.reshape(()).item()

    def __float__(self) -> float:
        return float(self._python_number())

    def __int__(self) -> int:
        return int(self._python_number())

    def __complex__(self) -> complex:
        return complex(self._python_number())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()))

    def tolist(self):
        if self.dtype is _dtype.bfloat16:
            return self._data.astype(np.float32).tolist()
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            return self._data.astype(dtype)
        return self._data

    __array_priority__ = 1000  # NumPy defers to Tensor's reflected operators

    def __hash__(self) -> int:
        return id(self)

    def __contains__(self, element) -> bool:
        if isinstance(element, (Tensor, int, float, bool)):
            return bool((self == element).any())
        raise RuntimeError(
            f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {type(element)}."
        )

    def __reduce_ex__(self, protocol):
        return (_rebuild_from_numpy, (np.array(self._data), self._requires_grad))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                "because of a torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001"
            )
        if id(self) in memo:
            return memo[id(self)]
        new = (
            type(self).__new__(type(self), np.array(self._data))
            if type(self) is not Tensor
            else None
        )
        if new is None or not isinstance(new, Tensor):
            new = Tensor._make(np.array(self._data))
        new._requires_grad = self._requires_grad
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        for k, v in getattr(self, "__dict__", {}).items():
            import copy

            setattr(new, k, copy.deepcopy(v, memo))
        memo[id(self)] = new
        return new


def _rebuild_from_numpy(array, requires_grad):
    return Tensor._make(array, requires_grad)


def _contiguous_strides(shape) -> tuple:
    strides, acc = [], 1
    for s in reversed(shape):
        strides.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(strides))


def wrap_dim(dim: int, ndim: int) -> int:
    """PyTorch's ``maybe_wrap_dim``: negative dims count from the end; 0-dim tensors accept -1 and 0."""
    if not isinstance(dim, int):
        dim = dim.__index__()
    n = ndim if ndim > 0 else 1
    if dim < -n or dim >= n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim + n if dim < 0 else dim


def is_tensor(obj) -> bool:
    """``torch.is_tensor``."""
    return isinstance(obj, Tensor)
