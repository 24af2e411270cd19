"""The allow-list unpickler behind ``numtorch.load(..., weights_only=True)``.

Follows ``torch/_weights_only_unpickler.py``: a pickle interpreter written out opcode by opcode so that
nothing is ever imported or called unless an allow-list says so.

NOTE [ Why not pickle.Unpickler with find_class ]
``find_class`` only filters GLOBAL; the C unpickler still runs BUILD (``__setstate__``/``setattr``)
on whatever the stream constructs and NEWOBJ on any class it holds. PyTorch < 2.6 had a bypass of its
own safe loader (CVE-2025-32434). Here every risky opcode is checked where it runs:
  * GLOBAL/STACK_GLOBAL resolve a name by dictionary lookup in the allow-list (the default one plus
    ``add_safe_globals``); no module is imported, not even an allowed one. ``os``/``sys``/``posix``/
    ``nt`` are refused even if a user allow-lists them.
  * REDUCE calls only allow-listed callables; NEWOBJ instantiates only allow-listed classes; BUILD
    sets state only on Tensors, Parameters, ``OrderedDict`` and user allow-listed types.
  * APPEND(S) only on lists, SETITEM(S) only on dict/OrderedDict/Counter, ADDITEMS only on sets.
  * Storages come only through ``persistent_load`` with a ``("storage", ...)`` id.
Resource limits: lengths are checked against the bytes left before anything is sliced, the memo is
a dict (a forged index allocates nothing), ``bytearray(n)`` is refused (it would allocate n bytes),
and tuples may nest at most ``_MAX_TUPLE_DEPTH`` deep (hashing a tuple nested a million deep
overflows CPython's C stack; no real checkpoint nests tuples that deep).
"""

from __future__ import annotations

import struct
from collections import Counter, OrderedDict
from collections.abc import Callable
from pickle import UnpicklingError
from typing import Any

__all__ = ["Unpickler", "get_globals_in_pkl"]

# Modules never allowed, even when a user allow-lists something from them (as in PyTorch).
_BLOCKED_MODULES = frozenset({"sys", "os", "posix", "nt"})

# Python 2 names that protocol-2 pickles use for builtins (the subset of ``_compat_pickle`` that
# PyTorch's safe loader applies, so that error messages name globals as PyTorch's do).
_IMPORT_MAPPING = {"__builtin__": "builtins", "copy_reg": "copyreg"}
_NAME_MAPPING = {
    ("__builtin__", "xrange"): ("builtins", "range"),
    ("__builtin__", "reduce"): ("functools", "reduce"),
    ("__builtin__", "intern"): ("sys", "intern"),
    ("__builtin__", "unichr"): ("builtins", "chr"),
    ("__builtin__", "unicode"): ("builtins", "str"),
    ("__builtin__", "long"): ("builtins", "int"),
}

_MAX_TUPLE_DEPTH = 1000

# --- user allow-list (torch.serialization.add_safe_globals) -------------------------------------
_marked_safe_globals: set = set()


def _add_safe_globals(safe_globals: list) -> None:
    global _marked_safe_globals
    _marked_safe_globals = _marked_safe_globals | set(safe_globals)


def _remove_safe_globals(safe_globals: list) -> None:
    global _marked_safe_globals
    _marked_safe_globals = _marked_safe_globals - set(safe_globals)


def _get_safe_globals() -> list:
    return list(_marked_safe_globals)


def _clear_safe_globals() -> None:
    global _marked_safe_globals
    _marked_safe_globals = set()


class _safe_globals:
    """Context manager allow-listing ``safe_globals`` while it is active."""

    def __init__(self, safe_globals: list):
        self.safe_globals = safe_globals

    def __enter__(self):
        _add_safe_globals(self.safe_globals)

    def __exit__(self, exc_type, exc_value, traceback):
        _remove_safe_globals(self.safe_globals)


def _get_user_allowed_globals() -> dict[str, Any]:
    """``{"module.qualname": object}`` for the user's entries (a ``(obj, "full.name")`` tuple names
    the object explicitly)."""
    allowed: dict[str, Any] = {}
    for entry in _marked_safe_globals:
        if isinstance(entry, tuple):
            if len(entry) != 2:
                raise ValueError(
                    "Expected tuple of length 2 (global, str of callable full path), but got tuple "
                    f"of length: {len(entry)}"
                )
            if type(entry[1]) is not str:
                raise TypeError(
                    "Expected second item in tuple to be str of callable full path, but got: "
                    f"{type(entry[1])}"
                )
            allowed[entry[1]] = entry[0]
        else:
            allowed[f"{entry.__module__}.{entry.__qualname__}"] = entry
    return allowed


# --- the default allow-list ---------------------------------------------------------------------
def _encode(obj: str, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    """``_codecs.encode`` as protocol-2 pickles use it for ``bytes``: ``encode(text, "latin1")``.
    Restricted to the latin-1 codec so that no codec module is looked up by name."""
    if type(obj) is not str or encoding not in ("latin1", "latin-1", "iso-8859-1"):
        raise UnpicklingError("_codecs.encode is allowed only as encode(str, 'latin1')")
    return obj.encode("latin1", errors)


def _bytearray(*args) -> bytearray:
    """``builtins.bytearray`` from a bytes-like value; ``bytearray(n)`` would allocate n bytes."""
    if args and not isinstance(args[0], (bytes, bytearray)):
        raise UnpicklingError("bytearray may only be rebuilt from bytes")
    return bytearray(*args)


class _Allowed:
    """One allow-listed global: the object, and whether REDUCE/NEWOBJ may call it.

    Classes such as ``torch.Tensor`` and dtypes must be *referable* (``_rebuild_from_type_v2`` takes
    the tensor type as an argument) but never called: ``Tensor(10**12)`` would allocate."""

    __slots__ = ("obj", "callable")

    def __init__(self, obj, callable_: bool):
        self.obj, self.callable = obj, callable_


def _default_allowed_globals() -> dict[str, _Allowed]:
    global _DEFAULT_ALLOWED
    if _DEFAULT_ALLOWED is not None:
        return _DEFAULT_ALLOWED
    from . import _dtype, serialization
    from ._device import device
    from ._size import Size
    from ._tensor import Tensor

    allowed = {
        "collections.OrderedDict": _Allowed(OrderedDict, True),
        "collections.Counter": _Allowed(Counter, True),
        "torch.Size": _Allowed(Size, True),
        "torch.device": _Allowed(device, True),
        "torch.Tensor": _Allowed(Tensor, False),
        "torch.serialization._get_layout": _Allowed(serialization._get_layout, True),
        "_codecs.encode": _Allowed(_encode, True),
        "builtins.bytearray": _Allowed(_bytearray, True),
        "builtins.set": _Allowed(set, True),
        "builtins.complex": _Allowed(complex, True),
    }
    for d in _dtype.ALL_DTYPES:
        allowed[f"torch.{d.name}"] = _Allowed(d, False)
    for name, storage_type in serialization._STORAGE_TYPES.items():
        allowed[f"torch.{name}"] = _Allowed(storage_type, False)
        allowed[f"torch.cuda.{name}"] = _Allowed(storage_type, False)
    allowed["torch.storage.UntypedStorage"] = _Allowed(serialization._UNTYPED_STORAGE, False)
    for qualified, fn in serialization._REBUILD_FUNCTIONS.items():
        allowed[qualified] = _Allowed(fn, True)
    parameter = serialization._parameter_class()
    if parameter is not None:
        allowed["torch.nn.parameter.Parameter"] = _Allowed(parameter, True)
    _DEFAULT_ALLOWED = allowed
    return allowed


_DEFAULT_ALLOWED: dict[str, _Allowed] | None = None

# Globals PyTorch's safe loader accepts but numtorch has no counterpart for (quantized, sparse,
# nested tensors; dtypes numtorch lacks). Named in their own error rather than "not allowed".
_TORCH_ONLY_REBUILDS = frozenset(
    {
        "_rebuild_qtensor",
        "_rebuild_sparse_tensor",
        "_rebuild_nested_tensor",
        "_rebuild_meta_tensor_no_storage",
        "_rebuild_wrapper_subclass",
        "_rebuild_device_tensor_from_numpy",
        "_rebuild_device_tensor_from_cpu_tensor",
    }
)


def _unsupported_global_message(module: str, name: str) -> str:
    full_path = f"{module}.{name}"
    if module == "torch._utils" and name in _TORCH_ONLY_REBUILDS:
        return (
            f"GLOBAL {full_path} rebuilds a kind of tensor (quantized, sparse, nested or meta) that "
            "numtorch does not support."
        )
    if module in ("torch", "torch.cuda") and (name.endswith("Storage") or name[:1].islower()):
        return f"GLOBAL {full_path} names a PyTorch dtype or storage type that numtorch does not support."
    if full_path.startswith("builtins."):  # PyTorch prints builtins without their module
        full_path = full_path[len("builtins.") :]
    return (
        f"Unsupported global: GLOBAL {full_path} was not an allowed global by default. "
        f"Please use `torch.serialization.add_safe_globals([{full_path}])` or the "
        f"`torch.serialization.safe_globals([{full_path}])` context manager to allowlist this global "
        "if you trust this class/function."
    )


def _describe(obj) -> str:
    """A short description of ``obj`` for error messages; never reprs arbitrary (maybe huge) data."""
    if isinstance(obj, type) or callable(obj):
        return repr(obj)
    return f"an object of type {type(obj).__name__}"


# --- the interpreter ------------------------------------------------------------------------------
_unpack_I = struct.Struct("<I").unpack_from
_unpack_i = struct.Struct("<i").unpack_from
_unpack_H = struct.Struct("<H").unpack_from
_unpack_Q = struct.Struct("<Q").unpack_from
_unpack_d = struct.Struct(">d").unpack_from

_MARK = object()  # the stack marker (a sentinel object, so a malformed stream can't forge it)


class Unpickler:
    """Loads one pickle from ``data`` (bytes) starting at ``offset``; see NOTE [ Why not
    pickle.Unpickler with find_class ]. ``persistent_load(pid)`` turns storage ids into storages.
    After ``load()``, ``self.position`` is the offset just past the STOP opcode."""

    def __init__(
        self,
        data: bytes,
        persistent_load: Callable[[tuple], Any],
        *,
        encoding: str = "utf-8",
        offset: int = 0,
    ):
        self.data = data
        self.position = offset
        self.persistent_load = persistent_load
        self.encoding = encoding

    # reading ------------------------------------------------------------------------------------
    def _read(self, n: int) -> bytes:
        start = self.position
        end = start + n
        if end > len(self.data):
            raise UnpicklingError("pickle data was truncated")
        self.position = end
        return self.data[start:end]

    def _readline(self) -> bytes:
        end = self.data.find(b"\n", self.position)
        if end < 0:
            raise UnpicklingError("pickle data was truncated")
        line = self.data[self.position : end]
        self.position = end + 1
        return line

    def _pop_mark(self) -> list:
        stack = self.stack
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is _MARK:
                items = stack[i + 1 :]
                del stack[i:]
                return items
        raise UnpicklingError("could not find MARK")

    def _pop(self):
        if not self.stack or self.stack[-1] is _MARK:
            raise UnpicklingError("unpickling stack underflow")
        return self.stack.pop()

    def _top(self):
        if not self.stack or self.stack[-1] is _MARK:
            raise UnpicklingError("unpickling stack underflow")
        return self.stack[-1]

    def _tuple(self, items) -> tuple:
        depth = 1
        for item in items:
            if type(item) is tuple:
                depth = max(depth, self._tuple_depth.get(id(item), 1) + 1)
        if depth > _MAX_TUPLE_DEPTH:
            raise UnpicklingError(f"tuples nested more than {_MAX_TUPLE_DEPTH} levels deep")
        result = tuple(items)
        if depth > 1:
            self._tuple_depth[id(result)] = depth
        return result

    def _resolve_global(self, module: str, name: str):
        if (module, name) in _NAME_MAPPING:
            module, name = _NAME_MAPPING[(module, name)]
        else:
            module = _IMPORT_MAPPING.get(module, module)
        full_path = f"{module}.{name}"
        if module in _BLOCKED_MODULES or module.split(".")[0] in _BLOCKED_MODULES:
            raise UnpicklingError(
                f"Trying to load unsupported GLOBAL {full_path} whose module {module} is blocked."
            )
        allowed = _default_allowed_globals().get(full_path)
        if allowed is not None:
            if allowed.callable:
                self._callables[id(allowed.obj)] = allowed.obj
            return allowed.obj
        user = _get_user_allowed_globals()
        if full_path in user:
            obj = user[full_path]
            self._callables[id(obj)] = obj
            self._user_types[id(obj)] = obj
            return obj
        raise UnpicklingError(_unsupported_global_message(module, name))

    def _is_callable_allowed(self, obj) -> bool:
        return self._callables.get(id(obj)) is obj

    # the loop -----------------------------------------------------------------------------------
    def load(self):
        self.stack: list = []
        self.memo: dict[int, Any] = {}
        self._tuple_depth: dict[int, int] = {}
        self._callables: dict[int, Any] = {}
        self._user_types: dict[int, Any] = {}
        dispatch = _DISPATCH
        data = self.data
        try:
            while True:
                if self.position >= len(data):
                    raise UnpicklingError("pickle data was truncated")
                opcode = data[self.position]
                self.position += 1
                handler = dispatch.get(opcode)
                if handler is None:
                    raise UnpicklingError(f"Unsupported operand {opcode}")
                if handler is _STOP:
                    return self._pop()
                handler(self)
        except (UnpicklingError, RuntimeError):
            raise
        except RecursionError as exc:
            raise UnpicklingError(f"unpickling nested too deeply: {exc}") from None
        except Exception as exc:  # malformed input reaching an allowed callable: say where
            raise UnpicklingError(
                f"malformed pickle data at byte {self.position}: {type(exc).__name__}: {exc}"
            ) from exc

    # opcodes ------------------------------------------------------------------------------------
    def _op_proto(self):
        proto = self._read(1)[0]
        if proto > 5:
            raise UnpicklingError(f"unsupported pickle protocol: {proto}")

    def _op_frame(self):
        self._read(8)  # frames only group opcodes; the bytes are already in memory

    def _op_global(self):
        module = self._readline().decode("utf-8")
        name = self._readline().decode("utf-8")
        self.stack.append(self._resolve_global(module, name))

    def _op_stack_global(self):
        name = self._pop()
        module = self._pop()
        if type(name) is not str or type(module) is not str:
            raise UnpicklingError("STACK_GLOBAL requires str")
        self.stack.append(self._resolve_global(module, name))

    def _op_reduce(self):
        args = self._pop()
        func = self._top()
        if not self._is_callable_allowed(func):
            message = f"Trying to call reduce for unrecognized function {_describe(func)}"
            if hasattr(func, "__self__"):
                message += f" which belongs to {_describe(func.__self__)}"
            raise UnpicklingError(message)
        if type(args) is not tuple:
            raise UnpicklingError("REDUCE arguments must be a tuple")
        self.stack[-1] = func(*args)

    def _new_object(self, cls, args, kwargs):
        if not (isinstance(cls, type) and self._is_callable_allowed(cls)):
            raise UnpicklingError(
                "Can only create new object for nn.Parameter or classes allowlisted via "
                f"`add_safe_globals` but got {_describe(cls)}"
            )
        if type(args) is not tuple or type(kwargs) is not dict:
            raise UnpicklingError("NEWOBJ arguments must be a tuple (and a dict)")
        from .serialization import _parameter_class

        if cls is _parameter_class():
            return cls(*args, **kwargs)
        return cls.__new__(cls, *args, **kwargs)

    def _op_newobj(self):
        args = self._pop()
        cls = self._pop()
        self.stack.append(self._new_object(cls, args, {}))

    def _op_newobj_ex(self):
        kwargs = self._pop()
        args = self._pop()
        cls = self._pop()
        self.stack.append(self._new_object(cls, args, kwargs))

    def _op_build(self):
        state = self._pop()
        inst = self._top()
        from ._tensor import Tensor

        cls = type(inst)
        if cls is OrderedDict or isinstance(inst, Tensor):
            if type(state) is not dict:
                raise UnpicklingError(
                    f"BUILD state for {cls.__name__} must be a dict of attributes"
                )
            for key in state:  # new attributes only: never shadow the class's own
                if type(key) is not str or hasattr(cls, key):
                    raise UnpicklingError(f"BUILD may not set attribute {key!r:.100} of {cls}")
            inst.__dict__.update(state)
        elif self._user_types.get(id(cls)) is cls:
            setstate = getattr(inst, "__setstate__", None)
            if setstate is not None and getattr(cls, "__setstate__", None) is not getattr(
                object, "__setstate__", None
            ):
                setstate(state)
                return
            slotstate = None
            if isinstance(state, tuple) and len(state) == 2:
                state, slotstate = state
            if state:
                inst.__dict__.update(state)
            if slotstate:
                for key, value in slotstate.items():
                    setattr(inst, key, value)
        else:
            raise UnpicklingError(
                "Can only build Tensor, Parameter, OrderedDict or types allowlisted via "
                f"`add_safe_globals`, but got {cls}"
            )

    def _op_binpersid(self):
        pid = self._pop()
        if type(pid) is not tuple:
            raise UnpicklingError(f"persistent_load id must be tuple, but got {type(pid)}")
        if not pid or pid[0] not in ("storage", b"storage"):
            raise UnpicklingError("Only persistent_load of storage is allowed")
        self.stack.append(self.persistent_load(pid))

    def _op_mark(self):
        self.stack.append(_MARK)

    def _op_pop(self):
        if not self.stack:
            raise UnpicklingError("unpickling stack underflow")
        self.stack.pop()  # POP also discards a MARK, as in pickle.py

    def _op_pop_mark(self):
        self._pop_mark()

    def _op_dup(self):
        self.stack.append(self._top())

    def _op_tuple(self):
        self.stack.append(self._tuple(self._pop_mark()))

    def _op_tuple1(self):
        self.stack[-1] = self._tuple((self._top(),))

    def _op_tuple2(self):
        b = self._pop()
        a = self._top()
        self.stack[-1] = self._tuple((a, b))

    def _op_tuple3(self):
        c = self._pop()
        b = self._pop()
        a = self._top()
        self.stack[-1] = self._tuple((a, b, c))

    def _op_empty_tuple(self):
        self.stack.append(())

    def _op_empty_list(self):
        self.stack.append([])

    def _op_empty_dict(self):
        self.stack.append({})

    def _op_empty_set(self):
        self.stack.append(set())

    def _op_append(self):
        item = self._pop()
        target = self._top()
        if type(target) is not list:
            raise UnpicklingError(f"Can only append to lists, but got {type(target)}")
        target.append(item)

    def _op_appends(self):
        items = self._pop_mark()
        target = self._top()
        if type(target) is not list:
            raise UnpicklingError(f"Can only extend lists, but got {type(target)}")
        target.extend(items)

    def _check_mapping(self, opcode: str):
        target = self._top()
        if type(target) not in (dict, OrderedDict, Counter):
            raise UnpicklingError(
                f"Can only {opcode} for dict, collections.OrderedDict, collections.Counter, but got "
                f"{type(target)}"
            )
        return target

    def _op_setitem(self):
        value = self._pop()
        key = self._pop()
        self._check_mapping("SETITEM")[key] = value

    def _op_setitems(self):
        items = self._pop_mark()
        target = self._check_mapping("SETITEMS")
        if len(items) % 2:
            raise UnpicklingError("SETITEMS needs key/value pairs")
        for i in range(0, len(items), 2):
            target[items[i]] = items[i + 1]

    def _op_additems(self):
        items = self._pop_mark()
        target = self._top()
        if type(target) is not set:
            raise UnpicklingError(f"Can only add items to sets, but got {type(target)}")
        target.update(items)

    def _op_none(self):
        self.stack.append(None)

    def _op_newtrue(self):
        self.stack.append(True)

    def _op_newfalse(self):
        self.stack.append(False)

    def _op_binint(self):
        self.stack.append(_unpack_i(self._read(4))[0])

    def _op_binint1(self):
        self.stack.append(self._read(1)[0])

    def _op_binint2(self):
        self.stack.append(_unpack_H(self._read(2))[0])

    def _op_long1(self):
        n = self._read(1)[0]
        self.stack.append(int.from_bytes(self._read(n), "little", signed=True))

    def _op_long4(self):
        n = _unpack_i(self._read(4))[0]
        if n < 0:
            raise UnpicklingError("LONG pickle has negative byte count")
        self.stack.append(int.from_bytes(self._read(n), "little", signed=True))

    def _op_binfloat(self):
        self.stack.append(_unpack_d(self._read(8))[0])

    def _push_text(self, n: int):
        self.stack.append(str(self._read(n), "utf-8", "surrogatepass"))

    def _op_binunicode(self):
        self._push_text(_unpack_I(self._read(4))[0])

    def _op_short_binunicode(self):
        self._push_text(self._read(1)[0])

    def _op_binunicode8(self):
        self._push_text(_unpack_Q(self._read(8))[0])

    def _push_py2_string(self, n: int):
        raw = self._read(n)
        self.stack.append(raw if self.encoding == "bytes" else raw.decode(self.encoding, "strict"))

    def _op_short_binstring(self):
        self._push_py2_string(self._read(1)[0])

    def _op_binstring(self):
        n = _unpack_i(self._read(4))[0]
        if n < 0:
            raise UnpicklingError("BINSTRING pickle has negative byte count")
        self._push_py2_string(n)

    def _op_short_binbytes(self):
        self.stack.append(self._read(self._read(1)[0]))

    def _op_binbytes(self):
        self.stack.append(self._read(_unpack_I(self._read(4))[0]))

    def _op_binbytes8(self):
        self.stack.append(self._read(_unpack_Q(self._read(8))[0]))

    def _get(self, index: int):
        if index not in self.memo:
            raise UnpicklingError(f"Memo value not found at index {index}")
        self.stack.append(self.memo[index])

    def _op_binget(self):
        self._get(self._read(1)[0])

    def _op_long_binget(self):
        self._get(_unpack_I(self._read(4))[0])

    def _op_binput(self):
        self.memo[self._read(1)[0]] = self._top()

    def _op_long_binput(self):
        self.memo[_unpack_I(self._read(4))[0]] = self._top()

    def _op_memoize(self):
        self.memo[len(self.memo)] = self._top()


_STOP = object()
_DISPATCH: dict[int, Any] = {
    0x80: Unpickler._op_proto,
    0x95: Unpickler._op_frame,
    ord("."): _STOP,
    ord("c"): Unpickler._op_global,
    0x93: Unpickler._op_stack_global,
    ord("R"): Unpickler._op_reduce,
    0x81: Unpickler._op_newobj,
    0x92: Unpickler._op_newobj_ex,
    ord("b"): Unpickler._op_build,
    ord("Q"): Unpickler._op_binpersid,
    ord("("): Unpickler._op_mark,
    ord("0"): Unpickler._op_pop,
    ord("1"): Unpickler._op_pop_mark,
    ord("2"): Unpickler._op_dup,
    ord("t"): Unpickler._op_tuple,
    0x85: Unpickler._op_tuple1,
    0x86: Unpickler._op_tuple2,
    0x87: Unpickler._op_tuple3,
    ord(")"): Unpickler._op_empty_tuple,
    ord("]"): Unpickler._op_empty_list,
    ord("}"): Unpickler._op_empty_dict,
    0x8F: Unpickler._op_empty_set,
    ord("a"): Unpickler._op_append,
    ord("e"): Unpickler._op_appends,
    ord("s"): Unpickler._op_setitem,
    ord("u"): Unpickler._op_setitems,
    0x90: Unpickler._op_additems,
    ord("N"): Unpickler._op_none,
    0x88: Unpickler._op_newtrue,
    0x89: Unpickler._op_newfalse,
    ord("J"): Unpickler._op_binint,
    ord("K"): Unpickler._op_binint1,
    ord("M"): Unpickler._op_binint2,
    0x8A: Unpickler._op_long1,
    0x8B: Unpickler._op_long4,
    ord("G"): Unpickler._op_binfloat,
    ord("X"): Unpickler._op_binunicode,
    0x8C: Unpickler._op_short_binunicode,
    0x8D: Unpickler._op_binunicode8,
    ord("U"): Unpickler._op_short_binstring,
    ord("T"): Unpickler._op_binstring,
    ord("C"): Unpickler._op_short_binbytes,
    ord("B"): Unpickler._op_binbytes,
    0x8E: Unpickler._op_binbytes8,
    ord("h"): Unpickler._op_binget,
    ord("j"): Unpickler._op_long_binget,
    ord("q"): Unpickler._op_binput,
    ord("r"): Unpickler._op_long_binput,
    0x94: Unpickler._op_memoize,
}


def get_globals_in_pkl(data: bytes) -> set[str]:
    """Every ``module.name`` a pickle's GLOBAL/STACK_GLOBAL opcodes name, found by disassembly
    (nothing is executed). For ``get_unsafe_globals_in_checkpoint``."""
    import pickletools

    names: set[str] = set()
    strings: list[str] = []
    try:
        for opcode, arg, _ in pickletools.genops(data):
            if opcode.name == "GLOBAL":
                module, name = arg.split(" ", 1)
                module, name = _NAME_MAPPING.get((module, name), (module, name))
                names.add(f"{_IMPORT_MAPPING.get(module, module)}.{name}")
            elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
                names.add(f"{strings[-2]}.{strings[-1]}")
            elif isinstance(arg, str):
                strings.append(arg)
            if opcode.name == "STOP":
                break
    except Exception as exc:
        raise UnpicklingError(f"malformed pickle data: {exc}") from None
    return names
