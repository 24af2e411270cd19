"""``numtorch.save`` / ``numtorch.load``: PyTorch's checkpoint format both ways, safe by default.

Follows ``torch/serialization.py`` (``save``/``load``), ``torch/_utils.py`` (the ``_rebuild_*``
functions) and ``caffe2/serialize/inline_container.cc`` (the zip container PyTorch writes through
miniz). The files are PyTorch's own: real PyTorch 2.x loads what ``save`` writes with its default
``weights_only=True``, and ``load`` reads what PyTorch writes -- without PyTorch installed.

NOTE [ The checkpoint file ]
A zip archive, every entry under one folder (``archive/`` for file objects, the file's stem for
paths), stored uncompressed, each entry's data aligned to 64 bytes by padding the local header's
extra field (``FB`` + length + ``Z`` bytes), sizes and CRC in a data descriptor after the data,
zip64 end records always. Entries, in PyTorch's order: ``data.pkl`` (the object, pickle protocol
2), ``.format_version`` (``1``), ``.storage_alignment`` (``64``), ``byteorder``, ``data/<key>`` (one
raw little-endian blob per storage, keys ``0, 1, ...`` in order of first use), ``version`` (``3``)
and ``.data/serialization_id``. In ``data.pkl`` each storage is the persistent id
``("storage", torch.FloatStorage, key, "cpu", numel)`` and each tensor the call
``torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
OrderedDict())``; the globals are pickled *by name* (NOTE [ Pickling torch globals by name ]).

NOTE [ Storages are root arrays ]
PyTorch tensors share a Storage; numtorch tensors share NumPy memory. A tensor's storage is the
array at the end of its ``ndarray.base`` chain (its "root"), so views saved together are written
once and come back as views of one array again (``storage_offset``/``stride`` are the view's byte
offset and strides in elements). As in PyTorch, a view saves its whole storage.
"""

from __future__ import annotations

import contextlib
import functools
import io
import mmap as _mmap
import os
import pickle
import struct
import sys
import tempfile
import zlib
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from hashlib import blake2b
from typing import IO, Any

import numpy as np

from . import _dtype
from . import _weights_only_unpickler as _wo
from ._device import device as _device_cls
from ._size import Size
from ._tensor import Tensor

__all__ = [
    "save",
    "load",
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "safe_globals",
    "get_unsafe_globals_in_checkpoint",
    "DEFAULT_PROTOCOL",
]

DEFAULT_PROTOCOL = 2
_STORAGE_ALIGNMENT = 64
_FORMAT_VERSION = b"3\n"  # caffe2::serialize::kMinProducedFileFormatVersion
_MAX_SUPPORTED_VERSION = 10  # caffe2::serialize::kMaxSupportedFileFormatVersion

UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` "
    "from `False` to `True`. Re-running `torch.load` with `weights_only` set to `False` will likely "
    "succeed, but it can result in arbitrary code execution. Do it only if you got the file from a "
    "trusted source."
)
_DOCS_MESSAGE = (
    "\n\nCheck the documentation of torch.load to learn more about types accepted by default with "
    "weights_only https://pytorch.org/docs/stable/generated/torch.load.html."
)


# --- storage types and the rebuild functions (torch/_utils.py) ----------------------------------
class _StorageType:
    """``torch.FloatStorage`` & co. as a checkpoint names them: only the dtype matters
    (``torch.serialization.StorageType``)."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype: _dtype.dtype):
        self.name, self.dtype = name, dtype

    def __repr__(self) -> str:
        return f"StorageType(dtype={self.dtype})"


_STORAGE_TYPES = {
    f"{d._legacy}Storage": _StorageType(f"{d._legacy}Storage", d) for d in _dtype.ALL_DTYPES
}
_UNTYPED_STORAGE = _StorageType("UntypedStorage", _dtype.uint8)


class _LoadedStorage:
    """A deserialized storage as ``_rebuild_tensor_v2`` and a ``map_location`` callable see it
    (PyTorch passes a ``TypedStorage``): a 1-D array of ``dtype`` and where it lives."""

    __slots__ = ("array", "dtype", "device")

    def __init__(self, array: np.ndarray, dtype: _dtype.dtype, device: str = "cpu"):
        self.array, self.dtype, self.device = array, dtype, _device_cls(device)

    @property
    def is_cuda(self) -> bool:
        return False

    def size(self) -> int:
        return self.array.size

    __len__ = size

    def nbytes(self) -> int:
        return self.array.nbytes

    def element_size(self) -> int:
        return self.dtype.itemsize

    def cpu(self) -> _LoadedStorage:
        return self

    def cuda(self, device=None, non_blocking: bool = False) -> _LoadedStorage:
        return self.to("cuda" if device is None else _device_cls("cuda", int(device)))

    def to(self, device) -> _LoadedStorage:
        return _default_restore_location(self, str(device))

    def __repr__(self) -> str:
        return f"<storage of {self.array.size} {self.dtype} on {self.device}>"


def _invalid(message: str) -> RuntimeError:
    return RuntimeError(f"Invalid checkpoint: {message}")


def _as_int_tuple(value, what: str) -> tuple:
    if not isinstance(value, (tuple, list)) or not all(type(v) is int and v >= 0 for v in value):
        raise _invalid(f"tensor {what} must be a tuple of non-negative ints, got {value!r:.200}")
    return tuple(value)


def _strided_view(storage, storage_offset, size, stride) -> np.ndarray:
    """The ndarray a rebuilt tensor wraps: a view of the storage's array (so tensors of one storage
    share memory), after PyTorch's ``setStorage`` bounds check."""
    if not isinstance(storage, _LoadedStorage):
        raise _invalid(f"expected a storage, got {type(storage).__name__}")
    size = _as_int_tuple(size, "size")
    stride = _as_int_tuple(stride, "stride")
    if type(storage_offset) is not int or storage_offset < 0:
        raise _invalid(f"storage offset must be a non-negative int, got {storage_offset!r:.100}")
    if len(size) != len(stride):
        raise _invalid(f"size {list(size)} and stride {list(stride)} differ in length")
    array = storage.array
    itemsize = array.itemsize
    numel = 1
    for s in size:
        numel *= s
    if numel == 0:
        return np.empty(size, array.dtype)
    required = storage_offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if required > array.size:
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
            f"{storage_offset}, and itemsize {itemsize} requiring a storage size of "
            f"{required * itemsize} are out of bounds for storage of size {array.nbytes}"
        )
    return np.ndarray(
        size,
        array.dtype,
        buffer=array,
        offset=storage_offset * itemsize,
        strides=tuple(s * itemsize for s in stride),
    )


def _rebuild_tensor(storage, storage_offset, size, stride) -> Tensor:
    """``torch._utils._rebuild_tensor``."""
    return Tensor._make(_strided_view(storage, storage_offset, size, stride))


def _rebuild_tensor_v2(
    storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None
) -> Tensor:
    """``torch._utils._rebuild_tensor_v2``: what unpickling a tensor calls. Backward hooks are
    not serialized (PyTorch saves an empty ``OrderedDict``). ``metadata`` carries PyTorch's lazy
    conjugate/negative bits, which numtorch applies at once (the result no longer shares the
    storage, as numtorch has no such bits)."""
    tensor = _rebuild_tensor(storage, storage_offset, size, stride)
    if metadata:
        if not isinstance(metadata, dict):
            raise _invalid(f"tensor metadata must be a dict, got {type(metadata).__name__}")
        if metadata.get("conj"):
            tensor = Tensor._make(np.conjugate(tensor._data))
        if metadata.get("neg"):
            tensor = Tensor._make(np.negative(tensor._data))
    if requires_grad:
        tensor.requires_grad_(bool(requires_grad))
    return tensor


def _rebuild_tensor_v3(
    storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None
) -> Tensor:
    """``torch._utils._rebuild_tensor_v3``: an untyped (byte) storage viewed as ``dtype``."""
    if not isinstance(dtype, _dtype.dtype) or not isinstance(storage, _LoadedStorage):
        raise _invalid("_rebuild_tensor_v3 expects a storage and a dtype")
    if storage.array.nbytes % dtype.itemsize:
        raise _invalid(f"storage of {storage.array.nbytes} bytes does not hold whole {dtype}s")
    typed = _LoadedStorage(storage.array.view(dtype.np), dtype, str(storage.device))
    return _rebuild_tensor_v2(typed, storage_offset, size, stride, requires_grad, backward_hooks)


def _parameter_class():
    try:
        from .nn.parameter import Parameter
    except ImportError:  # numtorch.nn is optional for loading plain tensors
        return None
    return Parameter


def _rebuild_parameter(data, requires_grad, backward_hooks):
    """``torch._utils._rebuild_parameter``."""
    if not isinstance(data, Tensor):
        raise _invalid(f"a Parameter's data must be a tensor, got {type(data).__name__}")
    parameter = _parameter_class()
    if parameter is None:
        return data.detach().requires_grad_(bool(requires_grad))
    return parameter(data, bool(requires_grad))


def _check_state_key(obj, key) -> None:
    """Serialized state may add attributes, never replace what the class defines (a tensor's
    ``_data``, ``grad``, its methods...)."""
    if type(key) is not str or hasattr(type(obj), key):
        raise _invalid(
            f"serialized state may not set attribute {key!r:.100} of {type(obj).__name__}"
        )


def _set_obj_state(obj, state) -> None:
    """``torch._utils._set_obj_state``: a ``__dict__`` state, or ``(dict_state, slots_state)``."""
    if isinstance(state, tuple):
        if len(state) != 2:
            raise _invalid(f"invalid serialized state: {state!r:.100}")
        dict_state, slots_state = state
    else:
        dict_state, slots_state = state, None
    for part in (dict_state, slots_state):
        if part and type(part) is not dict:
            raise _invalid("a tensor's serialized state must be a dict")
    for key, value in (dict_state or {}).items():
        _check_state_key(obj, key)
        obj.__dict__[key] = value
    for key, value in (slots_state or {}).items():
        if type(key) is not str or hasattr(Tensor, key):
            raise _invalid(f"serialized state may not set attribute {key!r:.100}")
        setattr(obj, key, value)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    """``torch._utils._rebuild_parameter_with_state``: a Parameter with Python attributes."""
    param = _rebuild_parameter(data, requires_grad, backward_hooks)
    _set_obj_state(param, state)
    return param


def _rebuild_from_type_v2(func, new_type, args, state):
    """``torch._tensor._rebuild_from_type_v2``: a tensor subclass or a tensor with attributes."""
    if func not in _TENSOR_REBUILDS or type(args) is not tuple:
        raise _invalid("_rebuild_from_type_v2 expects a tensor rebuild function and its arguments")
    result = func(*args)
    if not isinstance(result, Tensor) or not (
        isinstance(new_type, type) and issubclass(new_type, Tensor)
    ):
        raise _invalid("_rebuild_from_type_v2 must rebuild a Tensor subclass")
    if type(result) is not new_type:
        converted = new_type._make(result._data)
        converted._requires_grad = result._requires_grad
        result = converted
    if getattr(type(result), "__setstate__", None) is not None:
        result.__setstate__(state)
    else:
        _set_obj_state(result, state)
    return result


_TENSOR_REBUILDS = (_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3)


def _get_layout(name: str):
    """``torch.serialization._get_layout``: only ``torch.strided`` exists in numtorch."""
    from . import strided

    if name != "torch.strided":
        raise _invalid(f"numtorch supports only the torch.strided layout, not {name!r:.100}")
    return strided


_REBUILD_FUNCTIONS = {
    "torch._utils._rebuild_tensor": _rebuild_tensor,
    "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
    "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
    "torch._utils._rebuild_parameter": _rebuild_parameter,
    "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
    "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
}


# --- saving: the pickler ---------------------------------------------------------------------------
class _TorchGlobal:
    """A PyTorch global that ``data.pkl`` names, pickled by name without importing PyTorch.

    NOTE [ Pickling torch globals by name ]
    A pickler writes a global as ``GLOBAL module name`` after importing ``module`` to check the
    name resolves to the same object -- impossible without PyTorch installed (and wrong with it: the
    object would be torch's, not ours). ``_CheckpointPickler.save_global`` writes these markers (and
    dtypes, as ``torch.float32``...) itself, memoized like any global."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __call__(self, *args, **kwargs):  # a pickler requires a reduce function to be callable
        raise RuntimeError(f"{self.module}.{self.name} is a marker for pickling, not a function")

    def __repr__(self) -> str:
        return f"{self.module}.{self.name}"


_G_REBUILD_TENSOR_V2 = _TorchGlobal("torch._utils", "_rebuild_tensor_v2")
_G_REBUILD_PARAMETER = _TorchGlobal("torch._utils", "_rebuild_parameter")
_G_REBUILD_PARAMETER_WITH_STATE = _TorchGlobal("torch._utils", "_rebuild_parameter_with_state")
_G_REBUILD_FROM_TYPE_V2 = _TorchGlobal("torch._tensor", "_rebuild_from_type_v2")
_G_TENSOR = _TorchGlobal("torch", "Tensor")
_G_SIZE = _TorchGlobal("torch", "Size")
_G_DEVICE = _TorchGlobal("torch", "device")
_G_GET_LAYOUT = _TorchGlobal("torch.serialization", "_get_layout")
_G_STORAGE = {d: _TorchGlobal("torch", f"{d._legacy}Storage") for d in _dtype.ALL_DTYPES}
_CPU = "cpu"  # one string object, so the pickle memoizes it as PyTorch's does


class _StorageRef:
    """A storage to be written as ``data/<key>``: the root array (NOTE [ Storages are root
    arrays ]) seen as elements of ``dtype``."""

    __slots__ = ("root", "dtype", "key", "numel")

    def __init__(self, root: np.ndarray, dtype: _dtype.dtype, key: str):
        self.root, self.dtype, self.key = root, dtype, key
        self.numel = root.nbytes // dtype.itemsize

    def raw_bytes(self) -> np.ndarray:
        """The storage's bytes in memory order, as a uint8 view (no copy)."""
        return self.root.reshape(-1, order="A").view(np.uint8)


def _address(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]


def _root_array(array: np.ndarray) -> np.ndarray:
    """The array owning the memory ``array`` views: the end of its ``base`` chain (NumPy's
    ``as_strided`` hides its source behind a ``DummyArray`` whose ``base`` is the array)."""
    root = array
    while True:
        base = root.base
        if isinstance(base, np.ndarray):
            root = base
        elif type(base).__name__ == "DummyArray" and isinstance(base.base, np.ndarray):
            root = base.base
        else:
            return root


class _CheckpointPickler(pickle._Pickler):
    """Pickles ``obj`` as ``torch.save`` does (see NOTE [ The checkpoint file ]), collecting the
    storages to write. PyTorch's own pickler is the C one; the pure-Python one is needed here to
    write torch globals by name (NOTE [ Pickling torch globals by name ])."""

    def __init__(self, file, protocol: int):
        super().__init__(file, protocol)
        self.storages: list[_StorageRef] = []
        self._storage_of_root: dict[int, _StorageRef] = {}

    def persistent_id(self, obj):
        if type(obj) is _StorageRef:
            return ("storage", _G_STORAGE[obj.dtype], obj.key, _CPU, obj.numel)
        return None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        cls = type(obj)
        if cls is _dtype.dtype or cls is _TorchGlobal:
            return obj.name  # "save as a global": see save_global
        if cls is Size:
            return (_G_SIZE, (tuple(obj),))
        if cls is _device_cls:
            return (_G_DEVICE, (obj.type,) if obj.index is None else (obj.type, obj.index))
        if cls.__name__ == "layout" and cls.__module__ == "numtorch":
            return (_G_GET_LAYOUT, (repr(obj),))
        return NotImplemented

    def save_global(self, obj, name=None):
        cls = type(obj)
        if cls is _TorchGlobal:
            module, name = obj.module, obj.name
        elif cls is _dtype.dtype:
            module, name = "torch", obj.name
        else:
            return super().save_global(obj, name)
        if self.proto >= 4:
            self.save(module)
            self.save(name)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + f"{module}\n{name}\n".encode())
        self.memoize(obj)

    # tensors ------------------------------------------------------------------------------------
    def _reduce_tensor(self, tensor: Tensor):
        """``Tensor.__reduce_ex__`` / ``Parameter.__reduce_ex__`` in PyTorch's form."""
        state = dict(tensor.__dict__)
        parameter = _parameter_class()
        if parameter is not None and isinstance(tensor, parameter):
            args = (tensor.detach(), tensor.requires_grad, OrderedDict())
            if state:
                return (_G_REBUILD_PARAMETER_WITH_STATE, (*args, state))
            return (_G_REBUILD_PARAMETER, args)
        rebuild_args = self._rebuild_args(tensor)
        if type(tensor) is Tensor and not state:
            return (_G_REBUILD_TENSOR_V2, rebuild_args)
        cls = _G_TENSOR if type(tensor) is Tensor else type(tensor)
        return (_G_REBUILD_FROM_TYPE_V2, (_G_REBUILD_TENSOR_V2, cls, rebuild_args, state))

    def _rebuild_args(self, tensor: Tensor) -> tuple:
        array = tensor._data
        dtype = tensor.dtype
        itemsize = array.itemsize
        root = _root_array(array)
        offset = _address(array) - _address(root)
        strides = array.strides
        shares_root = (
            (root.flags.c_contiguous or root.flags.f_contiguous)
            and root.nbytes % itemsize == 0
            and offset >= 0
            and offset % itemsize == 0
            and all(s >= 0 and s % itemsize == 0 for s in strides)
            and (
                array.size == 0
                or offset + itemsize + sum((n - 1) * s for n, s in zip(array.shape, strides))
                <= root.nbytes
            )
        )
        if shares_root:
            storage = self._storage(root, dtype)
            element_strides = tuple(s // itemsize for s in strides)
            storage_offset = offset // itemsize
        else:  # memory PyTorch can't describe (negative or odd strides): save a compact copy
            copy = np.array(array, order="C", copy=True)
            storage = self._storage(copy, dtype)
            element_strides = tuple(s // itemsize for s in copy.strides)
            storage_offset = 0
        return (
            storage,
            storage_offset,
            tuple(array.shape),
            element_strides,
            tensor.requires_grad,
            OrderedDict(),
        )

    def _storage(self, root: np.ndarray, dtype: _dtype.dtype) -> _StorageRef:
        ref = self._storage_of_root.get(id(root))
        if ref is None:
            ref = _StorageRef(root, dtype, str(len(self.storages)))
            self._storage_of_root[id(root)] = ref
            self.storages.append(ref)
        elif ref.dtype is not dtype:
            raise RuntimeError(
                "Cannot save multiple tensors or storages that view the same data as different types"
            )
        return ref


# --- checksums ----------------------------------------------------------------------------------
class _Checksums:
    """NOTE [ Checksums on worker threads ]
    Every zip record carries a CRC-32 of its data; for large storages computing it costs about as
    much as writing or reading the bytes. ``zlib.crc32`` releases the GIL, so storages of at least
    ``_THREADED_CRC_BYTES`` are checksummed on worker threads while the main thread does the file
    I/O; small ones inline (a thread hand-off would cost more)."""

    def __init__(self):
        self._pool: ThreadPoolExecutor | None = None

    def crc(self, data) -> Callable[[], int]:
        """A function returning ``zlib.crc32(data)``, started now."""
        if memoryview(data).nbytes < _THREADED_CRC_BYTES:
            return functools.partial(zlib.crc32, data)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(_CRC_THREADS, thread_name_prefix="numtorch-crc")
        return self._pool.submit(zlib.crc32, data).result

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


_THREADED_CRC_BYTES = 1 << 20
_CRC_THREADS = min(4, os.cpu_count() or 1)


# --- the zip container ----------------------------------------------------------------------------
_U32_MAX = 0xFFFFFFFF
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_DESCRIPTOR_32 = struct.Struct("<IIII")
_DESCRIPTOR_64 = struct.Struct("<IIQQ")
_CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
_ZIP64_END = struct.Struct("<IQHHIIQQQQ")
_ZIP64_LOCATOR = struct.Struct("<IIQI")
_END = struct.Struct("<IHHHHIIH")
_SIG_LOCAL, _SIG_CENTRAL, _SIG_DESCRIPTOR = 0x04034B50, 0x02014B50, 0x08074B50
_SIG_END, _SIG_ZIP64_END, _SIG_ZIP64_LOCATOR = 0x06054B50, 0x06064B50, 0x07064B50
_FLAG_DESCRIPTOR, _FLAG_UTF8 = 0x0008, 0x0800


def _hash_combine(seed: int, value: int) -> int:
    """``c10::hash_combine`` on 64-bit ``size_t``."""
    mask = (1 << 64) - 1
    return (seed ^ ((value + 0x9E3779B9 + ((seed << 6) & mask) + (seed >> 2)) & mask)) & mask


class _ZipWriter:
    """Writes the zip container byte for byte as PyTorch's ``PyTorchStreamWriter`` (miniz) does;
    see NOTE [ The checkpoint file ]. Writes sequentially, so any writable file object works."""

    def __init__(self, file: IO[bytes], archive_name: str):
        self._file = file
        self._prefix = archive_name + "/"
        self._offset = 0
        self._entries: list[tuple[bytes, int, int, int, int]] = []
        self._combined_crc = 0

    def _write(self, data) -> None:
        view = memoryview(data).cast("B")
        self._offset += view.nbytes
        while view.nbytes:
            written = self._file.write(view)
            if written is None or written >= view.nbytes:  # None: a stream that writes fully
                return
            view = view[written:]

    def write_record(self, name: str, data, crc: Callable[[], int] | None = None) -> None:
        """Append a record; ``crc``, if given, returns the data's CRC-32 (computed elsewhere while
        the data is written: NOTE [ Checksums on worker threads ])."""
        full_name = (self._prefix + name).encode("utf-8")
        size = memoryview(data).nbytes
        cursor = self._offset
        zip64_extra = b""
        if size >= _U32_MAX or cursor >= _U32_MAX:
            values = ((size, size) if size >= _U32_MAX else ()) + (
                (cursor,) if cursor >= _U32_MAX else ()
            )
            zip64_extra = struct.pack(f"<HH{len(values)}Q", 1, 8 * len(values), *values)
        data_start = cursor + _LOCAL_HEADER.size + len(full_name) + len(zip64_extra) + 4
        padding = -data_start % _STORAGE_ALIGNMENT
        extra = zip64_extra + b"FB" + struct.pack("<H", padding) + b"Z" * padding
        flags = _FLAG_UTF8 | (_FLAG_DESCRIPTOR if size else 0)
        sizes = _U32_MAX if size >= _U32_MAX else 0
        self._write(
            _LOCAL_HEADER.pack(
                _SIG_LOCAL, 0, flags, 0, 0, 0, 0, sizes, sizes, len(full_name), len(extra)
            )
        )
        self._write(full_name)
        self._write(extra)
        checksum = 0
        if size:
            self._write(data)
            checksum = crc() if crc is not None else zlib.crc32(data)
            if zip64_extra:
                self._write(_DESCRIPTOR_64.pack(_SIG_DESCRIPTOR, checksum, size, size))
            else:
                self._write(_DESCRIPTOR_32.pack(_SIG_DESCRIPTOR, checksum, size, size))
            self._combined_crc = _hash_combine(self._combined_crc, checksum)
        self._entries.append((full_name, flags, checksum, size, cursor))

    def finish(self) -> None:
        """Write ``.data/serialization_id``, the central directory and the end records."""
        names = b"\0".join(sorted(entry[0] for entry in self._entries))
        # PyTorch combines std::hash of the record names (implementation-defined) with the CRCs;
        # the name half here is a stable hash of its own. The id is informational only.
        name_hash = int.from_bytes(blake2b(names, digest_size=8).digest(), "little")
        serialization_id = f"{name_hash:020d}{self._combined_crc:020d}"
        self.write_record(".data/serialization_id", serialization_id.encode("ascii"))

        central_start = self._offset
        for full_name, flags, crc, size, header_offset in self._entries:
            values = ((size, size) if size >= _U32_MAX else ()) + (
                (header_offset,) if header_offset >= _U32_MAX else ()
            )
            extra = (
                struct.pack(f"<HH{len(values)}Q", 1, 8 * len(values), *values) if values else b""
            )
            size32 = min(size, _U32_MAX)
            self._write(
                _CENTRAL_HEADER.pack(
                    _SIG_CENTRAL,
                    0,
                    0,
                    flags,
                    0,
                    0,
                    0,
                    crc,
                    size32,
                    size32,
                    len(full_name),
                    len(extra),
                    0,
                    0,
                    0,
                    0,
                    min(header_offset, _U32_MAX),
                )  # fmt: skip
            )
            self._write(full_name)
            self._write(extra)
        central_size = self._offset - central_start
        zip64_end = self._offset
        count = len(self._entries)
        self._write(
            _ZIP64_END.pack(
                _SIG_ZIP64_END, 44, 0x031E, 0x002D, 0, 0, count, count, central_size, central_start
            )
        )
        self._write(_ZIP64_LOCATOR.pack(_SIG_ZIP64_LOCATOR, 0, zip64_end, 1))
        self._write(
            _END.pack(
                _SIG_END,
                0,
                0,
                min(count, 0xFFFF),
                min(count, 0xFFFF),
                min(central_size, _U32_MAX),
                min(central_start, _U32_MAX),
                0,
            )  # fmt: skip
        )


class _Record:
    __slots__ = ("name", "method", "crc", "compressed_size", "size", "header_offset")

    def __init__(self, name, method, crc, compressed_size, size, header_offset):
        self.name, self.method, self.crc = name, method, crc
        self.compressed_size, self.size, self.header_offset = compressed_size, size, header_offset


def _corrupt(problem: str) -> RuntimeError:
    return RuntimeError(
        f"PytorchStreamReader failed reading zip archive: {problem}. The checkpoint file is "
        "truncated or corrupted (it was not saved completely, was transferred incorrectly, or was "
        "modified after saving)."
    )


class _ZipReader:
    """Reads the zip container of a checkpoint (``PyTorchStreamReader``), validating every offset
    and size against the file before reading or allocating; never trusts a header."""

    def __init__(self, file: IO[bytes]):
        self._file = file
        self._base = file.tell()
        self.size = file.seek(0, os.SEEK_END) - self._base
        self._records: dict[str, _Record] = {}
        self._data_offsets: dict[str, int] = {}
        self._read_central_directory()

    def _read_at(self, offset: int, n: int) -> bytes:
        if offset < 0 or n < 0 or offset + n > self.size:
            raise _corrupt(f"a read of {n} bytes at offset {offset} runs past the end of the file")
        self._file.seek(self._base + offset)
        data = self._file.read(n)
        if len(data) != n:
            raise _corrupt(f"the file ended after {len(data)} of {n} bytes at offset {offset}")
        return data

    def _read_central_directory(self) -> None:
        tail_size = min(self.size, _END.size + 0xFFFF)
        tail = self._read_at(self.size - tail_size, tail_size)
        position = tail.rfind(b"PK\x05\x06")
        while position >= 0:  # the end record whose comment runs exactly to the end of file
            if position + _END.size <= tail_size:
                comment_length = struct.unpack_from("<H", tail, position + 20)[0]
                if position + _END.size + comment_length == tail_size:
                    break
            position = tail.rfind(b"PK\x05\x06", 0, position)
        if position < 0:
            raise _corrupt("failed finding central directory")
        end_offset = self.size - tail_size + position
        _, _, _, _, count, central_size, central_offset, _ = _END.unpack_from(tail, position)
        directory_end = end_offset
        if end_offset >= _ZIP64_LOCATOR.size:
            locator = self._read_at(end_offset - _ZIP64_LOCATOR.size, _ZIP64_LOCATOR.size)
            signature, _, zip64_offset, _ = _ZIP64_LOCATOR.unpack(locator)
            if signature == _SIG_ZIP64_LOCATOR:
                if zip64_offset + _ZIP64_END.size > end_offset - _ZIP64_LOCATOR.size:
                    raise _corrupt("the zip64 end of central directory lies outside the file")
                record = _ZIP64_END.unpack(self._read_at(zip64_offset, _ZIP64_END.size))
                if record[0] != _SIG_ZIP64_END:
                    raise _corrupt("invalid zip64 end of central directory record")
                count, central_size, central_offset = record[7], record[8], record[9]
                directory_end = zip64_offset
        if central_offset + central_size > directory_end:
            raise _corrupt("the central directory lies outside the file")
        directory = self._read_at(central_offset, central_size)
        self._central_offset = central_offset
        position = 0
        for _ in range(count):
            if position + _CENTRAL_HEADER.size > central_size:
                raise _corrupt("the central directory is truncated")
            fields = _CENTRAL_HEADER.unpack_from(directory, position)
            if fields[0] != _SIG_CENTRAL:
                raise _corrupt("invalid central directory entry")
            method, crc, compressed, size = fields[4], fields[7], fields[8], fields[9]
            name_length, extra_length, comment_length = fields[10], fields[11], fields[12]
            header_offset = fields[16]
            position += _CENTRAL_HEADER.size
            end = position + name_length + extra_length + comment_length
            if end > central_size:
                raise _corrupt("the central directory is truncated")
            try:
                name = directory[position : position + name_length].decode("utf-8")
            except UnicodeDecodeError:
                raise _corrupt("a record name is not valid UTF-8") from None
            extra = directory[position + name_length : position + name_length + extra_length]
            size, compressed, header_offset = self._zip64_fields(
                extra, size, compressed, header_offset
            )
            if header_offset >= central_offset:
                raise _corrupt(f"record {name} lies outside the file")
            if name in self._records:
                raise _corrupt(f"record {name} appears twice")
            self._records[name] = _Record(name, method, crc, compressed, size, header_offset)
            position = end
        if not self._records:
            raise RuntimeError("PytorchStreamReader: archive does not contain any files")
        first = next(iter(self._records))
        if "/" not in first:
            raise RuntimeError(f"file in archive is not in a subdirectory: {first}")
        self.prefix = first[: first.index("/") + 1]
        for name in self._records:
            if not name.startswith(self.prefix):
                raise RuntimeError(
                    f"file in archive is not in a subdirectory {self.prefix}: {name}"
                )

    @staticmethod
    def _zip64_fields(extra: bytes, size: int, compressed: int, header_offset: int):
        position = 0
        while position + 4 <= len(extra):
            header_id, length = struct.unpack_from("<HH", extra, position)
            body = extra[position + 4 : position + 4 + length]
            position += 4 + length
            if header_id != 1:
                continue
            values = [v for (v,) in struct.iter_unpack("<Q", body[: len(body) // 8 * 8])]
            if size == _U32_MAX and values:
                size = values.pop(0)
            if compressed == _U32_MAX and values:
                compressed = values.pop(0)
            if header_offset == _U32_MAX and values:
                header_offset = values.pop(0)
        return size, compressed, header_offset

    # records ------------------------------------------------------------------------------------
    def has_record(self, name: str) -> bool:
        return self.prefix + name in self._records

    def record(self, name: str) -> _Record:
        record = self._records.get(self.prefix + name)
        if record is None:
            raise RuntimeError(
                f"PytorchStreamReader failed locating file {name}: file not found. The checkpoint "
                "is incomplete or corrupted."
            )
        return record

    def data_offset(self, record: _Record) -> int:
        """Where the record's data starts (from the local header, as miniz computes it)."""
        offset = self._data_offsets.get(record.name)
        if offset is None:
            header = self._read_at(record.header_offset, _LOCAL_HEADER.size)
            fields = _LOCAL_HEADER.unpack(header)
            if fields[0] != _SIG_LOCAL:
                raise _corrupt(f"invalid local header for {record.name}")
            offset = record.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10]
            if offset + record.compressed_size > self._central_offset:
                raise _corrupt(f"the data of {record.name} runs past the end of the records")
            self._data_offsets[record.name] = offset
        return offset

    def read(self, name: str) -> bytes:
        record = self.record(name)
        raw = self._read_at(self.data_offset(record), record.compressed_size)
        if record.method == 0:
            data = raw
        elif record.method == 8:
            decompressor = zlib.decompressobj(-15)
            try:
                data = decompressor.decompress(raw, record.size)
            except zlib.error as exc:
                raise _corrupt(f"the data of {record.name} does not inflate: {exc}") from None
        else:
            raise RuntimeError(
                f"PytorchStreamReader: record {record.name} uses unsupported compression method "
                f"{record.method}"
            )
        if len(data) != record.size:
            raise _corrupt(f"{record.name} holds {len(data)} bytes, its header says {record.size}")
        self._check_crc(record, data)
        return data

    def read_into(self, name: str, out: np.ndarray, checksums: _Checksums) -> Callable[[], None]:
        """Fill ``out`` (a contiguous array of exactly the record's size) with the record; returns
        the check of its CRC-32, which runs meanwhile (NOTE [ Checksums on worker threads ])."""
        record = self.record(name)
        target = out.reshape(-1).view(np.uint8)
        if record.method != 0 or not hasattr(self._file, "readinto"):
            target[:] = np.frombuffer(self.read(name), np.uint8)
            return lambda: None
        if record.compressed_size != record.size:
            raise _corrupt(f"stored record {record.name} has mismatched sizes")
        self._file.seek(self._base + self.data_offset(record))
        view = memoryview(target)
        filled = 0
        while filled < record.size:
            n = self._file.readinto(view[filled:])
            if not n:
                raise _corrupt(f"the file ended inside {record.name}")
            filled += n
        crc = checksums.crc(target)

        def check() -> None:
            if crc() != record.crc:
                raise _corrupt(f"CRC-32 mismatch in {record.name}")

        return check

    def absolute_data_offset(self, record: _Record) -> int:
        return self._base + self.data_offset(record)

    @staticmethod
    def _check_crc(record: _Record, data) -> None:
        if zlib.crc32(data) != record.crc:
            raise _corrupt(f"CRC-32 mismatch in {record.name}")


# --- save ---------------------------------------------------------------------------------------------
def _archive_name(path: str) -> str:
    """The zip's top folder for a path: its basename without the last extension (as PyTorch)."""
    base = os.path.basename(path.replace("\\", "/"))
    stem = base[: base.rfind(".")] if "." in base else base
    return stem or "archive"


def _pickle_object(obj, protocol: int) -> tuple[bytes, list[_StorageRef]]:
    """``data.pkl`` for ``obj`` and the storages it refers to."""
    data = io.BytesIO()
    pickler = _CheckpointPickler(data, protocol)
    pickler.dump(obj)
    return data.getvalue(), pickler.storages


def _write_checkpoint(
    pickled: bytes, storages: list[_StorageRef], file: IO[bytes], archive_name: str, byteorder: bool
) -> None:
    """The records in the order ``torch.save`` writes them (NOTE [ The checkpoint file ])."""
    writer = _ZipWriter(file, archive_name)
    writer.write_record("data.pkl", pickled)
    writer.write_record(".format_version", b"1")
    writer.write_record(".storage_alignment", str(_STORAGE_ALIGNMENT).encode())
    if byteorder:
        writer.write_record("byteorder", sys.byteorder.encode())
    checksums = _Checksums()
    try:
        crcs = [checksums.crc(storage.raw_bytes()) for storage in storages]
        for storage, crc in zip(storages, crcs):
            writer.write_record(f"data/{storage.key}", storage.raw_bytes(), crc)
    finally:
        checksums.close()
    writer.write_record("version", _FORMAT_VERSION)
    writer.finish()


class _AtomicWriter:
    """NOTE [ Atomic save ]
    ``save(obj, path)`` writes a temporary file next to ``path``, flushes and fsyncs it, then
    ``os.replace``s it over ``path`` (atomic on POSIX and Windows) and fsyncs the directory. A
    crash or kill at any point leaves either the old file or the complete new one, never a
    truncated checkpoint; the temporary file is removed on error. A symlink is followed, so the
    file it points to is replaced, as writing through it would."""

    def __init__(self, path: str):
        self.path = os.path.realpath(path)
        directory = os.path.dirname(self.path)
        if not os.path.isdir(directory):
            raise RuntimeError(f"Parent directory {os.path.dirname(path) or '.'} does not exist.")
        self.directory = directory

    def __enter__(self) -> IO[bytes]:
        fd, self.temp_path = tempfile.mkstemp(
            prefix=f".{os.path.basename(self.path)}.", suffix=".tmp", dir=self.directory
        )
        self.file = os.fdopen(fd, "wb")
        return self.file

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        try:
            if exc_type is None:
                self.file.flush()
                os.fsync(self.file.fileno())
            self.file.close()
            if exc_type is None:
                os.chmod(self.temp_path, self._mode())
                os.replace(self.temp_path, self.path)
                self._fsync_directory()
        finally:
            if os.path.exists(self.temp_path):
                os.unlink(self.temp_path)

    def _mode(self) -> int:
        """The mode ``open(path, "wb")`` would leave: the old file's, else 0o666 less the umask."""
        try:
            return os.stat(self.path).st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            return 0o666 & ~umask

    def _fsync_directory(self) -> None:
        if not hasattr(os, "O_DIRECTORY"):
            return  # Windows: os.replace is durable enough; directories can't be opened
        fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def save(
    obj: object,
    f,
    pickle_module: Any = pickle,
    pickle_protocol: int = DEFAULT_PROTOCOL,
    _use_new_zipfile_serialization: bool = True,
    _disable_byteorder_record: bool = False,
) -> None:
    """``torch.save(obj, f)``: write ``obj`` in PyTorch's zip checkpoint format.

    ``f`` is a path (``str``/``os.PathLike``; written atomically, NOTE [ Atomic save ]) or a
    binary file object with ``write``. Tensors sharing memory are saved once and share it again
    after ``load``. Real PyTorch reads the file (``torch.load``, default ``weights_only=True``).
    """
    if not _use_new_zipfile_serialization:
        raise NotImplementedError(
            "numtorch.save writes only the zip-based format of PyTorch >= 1.6 "
            "(_use_new_zipfile_serialization=False is not supported)"
        )
    if pickle_module is not pickle:
        raise NotImplementedError("numtorch.save supports only the standard pickle module")
    byteorder = not _disable_byteorder_record
    if isinstance(f, (str, os.PathLike)):
        path = os.fsdecode(os.fspath(f))
        pickled, storages = _pickle_object(obj, pickle_protocol)  # fails before touching the file
        with _AtomicWriter(path) as file:
            _write_checkpoint(pickled, storages, file, _archive_name(path), byteorder)
        return
    if not hasattr(f, "write"):
        raise AttributeError(
            "expected 'f' to be string, path, or a file-like object with a 'write' attribute"
        )
    pickled, storages = _pickle_object(obj, pickle_protocol)
    _write_checkpoint(pickled, storages, f, "archive", byteorder)


# --- load ---------------------------------------------------------------------------------------------
_CUDA_MESSAGE = (
    "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is False. "
    "If you are running on a CPU-only machine, please use torch.load with "
    "map_location=torch.device('cpu') to map your storages to the CPU."
)


def _default_restore_location(storage: _LoadedStorage, location: str) -> _LoadedStorage:
    """``torch.serialization.default_restore_location`` for a build that has only the CPU."""
    if location == "cpu":
        return storage
    if type(location) is str and (location == "cuda" or location.startswith("cuda:")):
        raise RuntimeError(_CUDA_MESSAGE)
    if type(location) is str and location.split(":")[0] in ("mps", "xpu", "meta", "hpu", "mtia"):
        raise RuntimeError(
            f"Attempting to deserialize object on device {location}, but numtorch runs on the "
            "CPU only. Please use torch.load with map_location=torch.device('cpu') to map your "
            "storages to the CPU."
        )
    raise RuntimeError(
        "don't know how to restore data location of torch.storage.TypedStorage "
        f"(tagged with {location!s:.100})"
    )


def _restore_location_fn(map_location):
    """``torch.serialization._get_restore_location``."""
    if map_location is None:
        return _default_restore_location
    if isinstance(map_location, dict):
        return lambda storage, location: _default_restore_location(
            storage, map_location.get(location, location)
        )
    if isinstance(map_location, (str, bytes)):
        target = map_location.decode() if isinstance(map_location, bytes) else map_location
        return lambda storage, location: _default_restore_location(storage, target)
    if isinstance(map_location, _device_cls) or type(map_location).__name__ == "device":
        return lambda storage, location: _default_restore_location(storage, str(map_location))
    if not callable(map_location):
        raise TypeError(
            f"map_location must be a str, device, dict or callable, got {map_location!r}"
        )

    def restore(storage, location):
        result = map_location(storage, location)
        if result is None:
            return _default_restore_location(storage, location)
        if not isinstance(result, _LoadedStorage):
            raise TypeError(
                f"map_location must return a storage or None, got {type(result).__name__}"
            )
        return result

    return restore


def _ascii(value):
    return value.decode("ascii") if isinstance(value, bytes) else value


class _StorageLoader:
    """``persistent_load`` for ``data.pkl``: reads ``data/<key>`` once per key, after checking
    the record's size against the storage the pickle declares (so a forged size can't make it
    allocate more than the file holds)."""

    def __init__(self, reader: _ZipReader, map_location, mapped: _mmap.mmap | None):
        self.reader = reader
        self.checksums = _Checksums()
        self.pending_checks: list[Callable[[], None]] = []
        self.restore = _restore_location_fn(map_location)
        self.mapped = mapped
        self.loaded: dict[str, _LoadedStorage] = {}
        byteorder = b"little"
        if reader.has_record("byteorder"):
            byteorder = reader.read("byteorder")
            if byteorder not in (b"little", b"big"):
                raise _invalid(f"unknown endianness type {byteorder[:20]!r} in record byteorder")
        self.byteswap = byteorder.decode() != sys.byteorder

    def __call__(self, saved_id):
        if type(saved_id) is not tuple or len(saved_id) != 5 or _ascii(saved_id[0]) != "storage":
            raise _invalid(f"unexpected persistent id {saved_id!r:.200}")
        _, storage_type, key, location, numel = saved_id
        key, location = _ascii(key), _ascii(location)
        if not isinstance(storage_type, _StorageType):
            raise _invalid(f"unknown storage type {storage_type!r:.100}")
        if type(key) is not str or type(location) is not str:
            raise _invalid("storage key and location must be strings")
        if type(numel) is not int or numel < 0:
            raise _invalid(f"storage size must be a non-negative int, got {numel!r:.100}")
        storage = self.loaded.get(key)
        if storage is None:
            dtype = storage_type.dtype
            array = self._read_storage(f"data/{key}", dtype, numel)
            storage = self.restore(_LoadedStorage(array, dtype), location)
            self.loaded[key] = storage
        return storage

    def _read_storage(self, name: str, dtype: _dtype.dtype, numel: int) -> np.ndarray:
        record = self.reader.record(name)
        nbytes = numel * dtype.itemsize
        if record.size != nbytes:
            raise _invalid(
                f"record {name} holds {record.size} bytes but data.pkl declares a storage of "
                f"{numel} {dtype} elements ({nbytes} bytes)"
            )
        if nbytes == 0:
            return np.empty(0, dtype.np)
        if self.mapped is not None and record.method == 0:
            offset = self.reader.absolute_data_offset(record)
            array = np.frombuffer(self.mapped, dtype.np, numel, offset)
        else:
            array = np.empty(numel, dtype.np)
            self.pending_checks.append(self.reader.read_into(name, array, self.checksums))
        if self.byteswap:
            array.byteswap(inplace=True)
        return array

    def finish(self) -> None:
        """Raise if a storage's CRC-32 did not match; stop the checksum threads."""
        try:
            for check in self.pending_checks:
                check()
        finally:
            self.checksums.close()


def _weights_only_error_message(message: str) -> str:
    """PyTorch's wording around an error of the safe unpickler (``torch.load``'s
    ``_get_wo_message``)."""
    if "was not an allowed global by default." in message:
        return (
            "Weights only load failed. This file can still be loaded, to do so you have two "
            "options, \033[1mdo those steps only if you trust the source of the checkpoint\033[0m. "
            f"\n\t(1) {UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with `weights_only=True` "
            "please check the recommended steps in the following error message.\n\t"
            "WeightsUnpickler error: " + message + _DOCS_MESSAGE
        )
    updated = f"Weights only load failed. {UNSAFE_MESSAGE}\n"
    if " is blocked." not in message:
        updated += (
            "Please file an issue with the following so that we can make `weights_only=True` "
            "compatible with your use case: WeightsUnpickler error: "
        )
    return updated + "\n\n" + message + _DOCS_MESSAGE


# Where PyTorch globals live in numtorch, for ``weights_only=False`` (whole pickled modules).
_MODULE_PREFIXES = (("torchvision.", "numtorch.vision."), ("torch.", "numtorch."))


def _map_torch_global(module: str, name: str):
    """The numtorch object for a PyTorch global, or None. ``torch.nn.modules.linear.Linear``
    becomes ``numtorch.nn.modules.linear.Linear``; the rebuild functions and storage types map to
    this module's."""
    qualified = f"{module}.{name}"
    if qualified in _REBUILD_FUNCTIONS:
        return _REBUILD_FUNCTIONS[qualified]
    if module in ("torch", "torch.cuda") and name in _STORAGE_TYPES:
        return _STORAGE_TYPES[name]
    if qualified == "torch.storage.UntypedStorage":
        return _UNTYPED_STORAGE
    if qualified == "torch.serialization._get_layout":
        return _get_layout
    for prefix, replacement in _MODULE_PREFIXES:
        if module == prefix[:-1] or module.startswith(prefix):
            return replacement[:-1] + module[len(prefix) - 1 :], name
    return None


def _find_numtorch_global(module: str, name: str):
    """``name`` from the numtorch module mirroring a PyTorch one, else from its nearest parent
    package that has it (numtorch's files need not match PyTorch's one for one)."""
    import importlib

    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        try:
            candidate = importlib.import_module(".".join(parts[:end]))
        except ImportError:
            continue
        obj = candidate
        try:
            for attribute in name.split("."):
                obj = getattr(obj, attribute)
        except AttributeError:
            continue
        return obj
    raise AttributeError(
        f"numtorch has no counterpart of {module}.{name}, which this checkpoint needs"
    )


def _full_unpickler_class(pickle_module):
    class _Unpickler(pickle_module.Unpickler):
        """Runs any pickled code (``weights_only=False``), resolving PyTorch's globals to numtorch."""

        def find_class(self, module, name):
            mapped = _map_torch_global(module, name)
            if mapped is None:
                return super().find_class(module, name)
            if isinstance(mapped, tuple):
                return _find_numtorch_global(*mapped)
            return mapped

    return _Unpickler


def _open_for_reading(f):
    if isinstance(f, (str, os.PathLike)):
        return open(f, "rb"), True
    if isinstance(f, (bytes, bytearray, memoryview)):
        raise TypeError(
            "expected a path or a binary file object, got bytes (wrap it in io.BytesIO)"
        )
    if not hasattr(f, "read"):
        raise AttributeError(
            "expected 'f' to be string, path, or a file-like object with a 'read' attribute"
        )
    if not (hasattr(f, "seek") and hasattr(f, "tell")) or (
        hasattr(f, "seekable") and not f.seekable()
    ):
        return io.BytesIO(f.read()), True
    return f, False


def load(
    f,
    map_location=None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    **pickle_load_args: Any,
) -> Any:
    """``torch.load(f, map_location=None, *, weights_only=True, mmap=None)``.

    Reads checkpoints in PyTorch's zip format (written by ``torch.save`` >= 1.6 or
    ``numtorch.save``). With ``weights_only=True`` (the default, as in PyTorch >= 2.6) only
    tensors, primitive types, containers and allow-listed globals are rebuilt and no pickled code
    runs (``numtorch/_weights_only_unpickler.py``); ``weights_only=False`` unpickles anything,
    mapping ``torch.*`` classes to numtorch's. ``map_location`` (str, device, dict or callable)
    remaps storage locations (numtorch runs on the CPU). ``mmap=True`` maps storages from the file
    (copy-on-write) instead of reading them. ``*.safetensors`` paths are read as safetensors.
    Corrupted or truncated files raise ``RuntimeError`` or ``pickle.UnpicklingError``.
    """
    weights_only_not_set = weights_only is None
    if weights_only_not_set:
        weights_only = pickle_module is None
    truthy = ("1", "y", "yes", "true")
    force_safe = os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in truthy
    force_unsafe = os.getenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in truthy
    if force_safe and force_unsafe:
        raise RuntimeError(
            "Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` "
            "should be set, but both were set."
        )
    if force_safe:
        weights_only = True
    elif force_unsafe and weights_only_not_set:
        weights_only = False
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if weights_only and pickle_load_args:
        import warnings

        warnings.warn("pickle_load_args only works if `weights_only=False`.", stacklevel=2)
    pickle_load_args.setdefault("encoding", "utf-8")

    is_path = isinstance(f, (str, os.PathLike))
    if is_path and os.fspath(f).endswith(".safetensors"):
        from .safetensors import load_file

        location = "cpu" if map_location is None else map_location
        if not isinstance(location, (str, _device_cls)):
            raise RuntimeError(
                "Loading safetensors file with dict or callable map_location is not supported. "
                "Use a device string or torch.device instead."
            )
        return load_file(f, device=str(location))
    if mmap and not is_path:
        raise ValueError("f must be a file path in order to use the mmap argument")

    file, owned = _open_for_reading(f)
    try:
        start = file.tell()
        head = file.read(4)
        file.seek(start)
        if head.startswith(b"\x80"):  # a pickle stream: PyTorch's legacy format
            if mmap:
                raise RuntimeError(
                    "mmap can only be used with files saved with "
                    "`torch.save(_use_new_zipfile_serialization=True), please torch.save your "
                    "checkpoint with this option in order to use mmap."
                )
            with _weights_only_errors(weights_only):
                return _legacy_load(
                    file.read(), map_location, weights_only, pickle_module, pickle_load_args
                )
        if not head.startswith(b"PK\x03\x04"):
            raise _not_a_checkpoint(head)
        reader = _ZipReader(file)
        if reader.has_record("constants.pkl"):
            raise RuntimeError(
                "This is a TorchScript archive (torch.jit.save); numtorch cannot load TorchScript."
            )
        _check_version(reader)
        mapped = None
        if mmap:
            mapped = _mmap.mmap(file.fileno(), 0, access=_mmap.ACCESS_COPY)
        storages = _StorageLoader(reader, map_location, mapped)
        try:  # (on error the pending checksums are dropped: the first error is the one to see)
            data = reader.read("data.pkl")
            if weights_only:
                with _weights_only_errors(True):
                    unpickler = _wo.Unpickler(data, storages, encoding=pickle_load_args["encoding"])
                    result = unpickler.load()
            else:
                unpickler = _full_unpickler_class(pickle_module or pickle)(
                    io.BytesIO(data), **pickle_load_args
                )
                unpickler.persistent_load = storages
                result = unpickler.load()
        except BaseException:
            storages.checksums.close()
            raise
        storages.finish()
        return result
    finally:
        if owned:
            file.close()


@contextlib.contextmanager
def _weights_only_errors(weights_only: bool):
    """Errors of the safe unpickler get PyTorch's explanation around them."""
    try:
        yield
    except pickle.UnpicklingError as exc:
        if not weights_only:
            raise
        raise pickle.UnpicklingError(_weights_only_error_message(str(exc))) from None


def _not_a_checkpoint(head: bytes) -> Exception:
    if not head:
        return RuntimeError("Invalid checkpoint: the file is empty")
    return pickle.UnpicklingError(
        f"Invalid checkpoint: the file starts with {head!r}, neither a zip archive nor a "
        "pickle as written by torch.save / numtorch.save"
    )


# --- the legacy (pre-1.6) format ------------------------------------------------------------------
_LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL_VERSION = 1001


class _LegacyStorages:
    """``persistent_load`` for the legacy format, where a storage's bytes follow the pickles:
    each storage is allocated when first named -- never more bytes in all than the file holds --
    and filled by ``fill`` once the pickles are read. Ids are ``("storage", storage_type,
    root_key, location, numel, view_metadata)``; a view is ``(view_key, offset, numel)`` of its
    root."""

    def __init__(self, budget: int, map_location):
        self.budget = budget
        self.restore = _restore_location_fn(map_location)
        self.roots: dict[str, _LoadedStorage] = {}
        self.views: dict[str, _LoadedStorage] = {}

    def __call__(self, saved_id):
        if type(saved_id) is not tuple or not saved_id:
            raise _invalid(f"unexpected persistent id {saved_id!r:.200}")
        if _ascii(saved_id[0]) == "module" and len(saved_id) == 4:  # a class and its source
            return saved_id[1]
        if _ascii(saved_id[0]) != "storage" or len(saved_id) != 6:
            raise _invalid(f"unexpected persistent id {saved_id!r:.200}")
        _, storage_type, root_key, location, numel, view = saved_id
        root_key, location = _ascii(root_key), _ascii(location)
        if not isinstance(storage_type, _StorageType) or type(location) is not str:
            raise _invalid(f"unexpected persistent id {saved_id!r:.200}")
        root = self.roots.get(root_key)
        if root is None:
            if (
                type(numel) is not int
                or not 0 <= numel * storage_type.dtype.itemsize <= self.budget
            ):
                raise _invalid(f"storage {root_key!r:.50} declares more bytes than the file holds")
            self.budget -= numel * storage_type.dtype.itemsize
            array = np.empty(numel, storage_type.dtype.np)
            root = self.restore(_LoadedStorage(array, storage_type.dtype), location)
            self.roots[root_key] = root
        if view is None:
            return root
        if not (type(view) is tuple and len(view) == 3):
            raise _invalid(f"invalid storage view {view!r:.100}")
        view_key, offset, size = view
        if not (type(offset) is int and type(size) is int and 0 <= offset <= offset + size):
            raise _invalid(f"invalid storage view {view!r:.100}")
        if offset + size > root.array.size:
            raise _invalid(f"storage view {view!r:.100} exceeds its storage")
        if view_key not in self.views:
            piece = root.array[offset : offset + size]
            self.views[view_key] = _LoadedStorage(piece, root.dtype, str(root.device))
        return self.views[view_key]

    def fill(self, data: bytes, position: int, keys, little_endian: bool) -> None:
        swap = little_endian != (sys.byteorder == "little")
        if not isinstance(keys, list):
            raise _invalid("the list of storage keys is missing")
        for key in keys:
            root = self.roots.get(_ascii(key))
            if root is None:
                raise _invalid(f"storage key {key!r:.50} not found in the pickle")
            nbytes = root.array.nbytes
            if position + 8 + nbytes > len(data):
                raise _invalid(f"the file ends inside storage {key!r:.50}")
            (numel,) = struct.unpack_from("<q" if little_endian else ">q", data, position)
            if numel != root.array.size:
                raise _invalid(f"storage has wrong size: expected {root.array.size} got {numel}")
            raw = np.frombuffer(data, root.array.dtype, numel, position + 8)
            root.array[:] = raw.byteswap() if swap else raw
            position += 8 + nbytes


def _legacy_load(data: bytes, map_location, weights_only: bool, pickle_module, load_args):
    """``torch.serialization._legacy_load``: a magic number, a protocol version, system info,
    the object, the list of storage keys -- five pickles -- then each storage's bytes."""
    storages = _LegacyStorages(len(data), map_location)
    stream = io.BytesIO(data)

    def next_pickle(persistent_load=None):
        if weights_only:
            unpickler = _wo.Unpickler(
                data,
                persistent_load or _no_persistent_ids,
                encoding=load_args["encoding"],
                offset=stream.tell(),
            )
            result = unpickler.load()
            stream.seek(unpickler.position)
            return result
        unpickler = _full_unpickler_class(pickle_module or pickle)(stream, **load_args)
        if persistent_load is not None:
            unpickler.persistent_load = persistent_load
        return unpickler.load()

    if next_pickle() != _LEGACY_MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file?")
    protocol_version = next_pickle()
    if protocol_version != _LEGACY_PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {protocol_version!r:.50}")
    system_info = next_pickle()
    result = next_pickle(storages)
    keys = next_pickle()
    little_endian = not isinstance(system_info, dict) or system_info.get("little_endian", True)
    storages.fill(data, stream.tell(), keys, bool(little_endian))
    return result


def _no_persistent_ids(saved_id):
    raise pickle.UnpicklingError("unsupported persistent id encountered")


def _check_version(reader: _ZipReader) -> None:
    name = ".data/version" if reader.has_record(".data/version") else "version"
    text = reader.read(name)
    try:
        version = int(text)
    except ValueError:
        raise RuntimeError(f"Couldn't parse the version {text[:20]!r} as Long Long.") from None
    if version < 1 or version > _MAX_SUPPORTED_VERSION:
        raise RuntimeError(
            f"Attempted to read a PyTorch file with version {version}, but the supported versions "
            f"for reading are 1 to {_MAX_SUPPORTED_VERSION}."
        )


# --- the safe-globals API (torch.serialization) ---------------------------------------------------
def add_safe_globals(safe_globals: list) -> None:
    """``torch.serialization.add_safe_globals``: allow these functions/classes (or
    ``(obj, "module.name")`` pairs) in ``weights_only`` loads."""
    _wo._add_safe_globals(safe_globals)


def get_safe_globals() -> list:
    """The globals added with ``add_safe_globals``."""
    return _wo._get_safe_globals()


def clear_safe_globals() -> None:
    """Forget every global added with ``add_safe_globals``."""
    _wo._clear_safe_globals()


class safe_globals(_wo._safe_globals):
    """``with torch.serialization.safe_globals([MyClass]): torch.load(...)``."""


def get_unsafe_globals_in_checkpoint(f) -> list[str]:
    """``torch.serialization.get_unsafe_globals_in_checkpoint``: the globals in ``f``'s pickle that
    a ``weights_only`` load would refuse (found by disassembly; nothing is executed)."""
    file, owned = _open_for_reading(f)
    try:
        if not file.read(4).startswith(b"PK\x03\x04"):
            raise ValueError("Expected input to be a checkpoint returned by torch.save")
        file.seek(-4, os.SEEK_CUR)
        data = _ZipReader(file).read("data.pkl")
    finally:
        if owned:
            file.close()
    allowed = set(_wo._default_allowed_globals()) | set(_wo._get_user_allowed_globals())
    return sorted(_wo.get_globals_in_pkl(data) - allowed)
