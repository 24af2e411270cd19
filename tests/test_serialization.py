"""numtorch.save / numtorch.load: PyTorch's checkpoint format, safe loading, atomic writes.

Self-contained tests run without PyTorch; tests taking the ``torch`` fixture compare against real
PyTorch (files written byte for byte alike, each side loading the other's, identical errors).
"""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from collections import Counter, OrderedDict
from pathlib import Path

import numpy as np
import pytest

import numtorch as nt
from numtorch import serialization
from numtorch.serialization import _root_array

DTYPES = [
    "bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
    "float64", "complex64", "complex128",
]  # fmt: skip


def roundtrip(obj, **load_kwargs):
    buffer = io.BytesIO()
    nt.save(obj, buffer)
    buffer.seek(0)
    return nt.load(buffer, **load_kwargs)


def raw(t) -> bytes:
    """A numtorch tensor's values as bytes in C order (exact, for every dtype)."""
    return np.ascontiguousarray(t._data).tobytes()


def checkpoint(records: dict[str, bytes], archive: str = "archive") -> io.BytesIO:
    """A zip checkpoint with exactly ``records``, written by numtorch's zip writer."""
    out = io.BytesIO()
    writer = serialization._ZipWriter(out, archive)
    for name, data in records.items():
        writer.write_record(name, data)
    writer.finish()
    out.seek(0)
    return out


def records_of(buffer: io.BytesIO) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        prefix = archive.namelist()[0].split("/")[0] + "/"
        return {
            name[len(prefix) :]: archive.read(name)
            for name in archive.namelist()
            if not name.endswith("serialization_id")
        }


def saved(obj) -> io.BytesIO:
    buffer = io.BytesIO()
    nt.save(obj, buffer)
    buffer.seek(0)
    return buffer


def parameter_class():
    return pytest.importorskip("numtorch.nn.parameter").Parameter


# --- round trips without PyTorch ---------------------------------------------------------------------
@pytest.mark.parametrize("name", DTYPES)
def test_roundtrip_every_dtype_bit_exact(name):
    dtype = getattr(nt, name)
    x = (nt.arange(12).reshape(3, 4) - 5).to(dtype)
    y = roundtrip({"x": x})["x"]
    assert y.dtype is dtype and y.shape == x.shape and raw(y) == raw(x)


def test_views_share_one_storage_after_load():
    base = nt.arange(24.0).reshape(4, 6)
    views = {
        "base": base,
        "row": base[2],
        "t": base.t(),
        "strided": base[1:, ::2],
        "expanded": base[0:1].expand(3, 6),
    }
    loaded = roundtrip(views)
    for name, view in views.items():
        got = loaded[name]
        assert got.stride() == view.stride(), name
        assert got.storage_offset() == view.storage_offset(), name
        assert raw(got) == raw(view), name
    roots = {id(_root_array(t._data)) for t in loaded.values()}
    assert len(roots) == 1
    loaded["base"][2, 0] = -1.0
    assert loaded["row"][0].item() == -1.0 and loaded["t"][0, 2].item() == -1.0


def test_view_saves_whole_storage_once():
    base = nt.arange(1000.0)
    records = records_of(saved({"a": base[10:20], "b": base[500:]}))
    storages = [name for name in records if name.startswith("data/")]
    assert storages == ["data/0"] and len(records["data/0"]) == 4000


def test_non_contiguous_tensor_keeps_its_strides():
    x = nt.arange(60.0).reshape(3, 4, 5).permute(2, 0, 1)[:, 1:, ::2]
    y = roundtrip(x)
    assert not y.is_contiguous()
    assert y.stride() == x.stride() and y.storage_offset() == x.storage_offset()
    assert raw(y) == raw(x)


def test_zero_dim_and_empty_tensors():
    obj = [nt.tensor(3.5), nt.zeros(0, 3), nt.tensor([], dtype=nt.int64), nt.ones(2, 0, 4)]
    for got, want in zip(roundtrip(obj), obj):
        assert got.shape == want.shape and got.dtype is want.dtype and raw(got) == raw(want)


def test_negative_strides_from_numpy_are_saved_as_a_copy():
    reversed_view = nt.Tensor._make(np.arange(6.0)[::-1])
    y = roundtrip(reversed_view)
    assert y.tolist() == [5.0, 4.0, 3.0, 2.0, 1.0, 0.0]


def test_requires_grad_and_parameters():
    Parameter = parameter_class()
    leaf = nt.ones(3, requires_grad=True)
    non_leaf = leaf * 2
    obj = {
        "leaf": leaf,
        "non_leaf": non_leaf,
        "param": Parameter(nt.arange(4.0)),
        "frozen": Parameter(nt.zeros(2), requires_grad=False),
    }
    got = roundtrip(obj)
    assert got["leaf"].requires_grad and got["leaf"].is_leaf
    assert got["non_leaf"].requires_grad and got["non_leaf"].is_leaf  # as PyTorch: a leaf again
    assert type(got["param"]) is Parameter and got["param"].requires_grad
    assert got["param"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert type(got["frozen"]) is Parameter and not got["frozen"].requires_grad


def test_parameter_shares_storage_with_a_view_of_it():
    Parameter = parameter_class()
    weight = Parameter(nt.arange(6.0).reshape(2, 3))
    got = roundtrip({"w": weight, "row": weight.detach()[1]})
    assert _root_array(got["w"]._data) is _root_array(got["row"]._data)


def test_tensor_python_attributes_survive():
    Parameter = parameter_class()
    t = nt.ones(2)
    t.note = "kept"
    p = Parameter(nt.ones(1))
    p.tag = 7
    got = roundtrip({"t": t, "p": p})
    assert got["t"].note == "kept" and got["t"].tolist() == [1.0, 1.0]
    assert type(got["p"]) is Parameter and got["p"].tag == 7


def test_containers_primitives_and_torch_objects():
    state = OrderedDict(weight=nt.ones(2))
    state._metadata = OrderedDict({"": {"version": 1}})
    obj = {
        "nested": [1, 2.5, None, True, "text", (1, ("a", [b"raw"])), {"k": {3, 4}}],
        "big": 2**70,
        "complex": 1 + 2j,
        "bytearray": bytearray(b"xy"),
        "counter": Counter("aab"),
        "size": nt.Size([2, 3]),
        "device": nt.device("cpu"),
        "cuda_device": nt.device("cuda", 1),
        "dtypes": [nt.float32, nt.bfloat16, nt.bool, nt.int64],
        "layout": nt.strided,
        "state": state,
    }
    got = roundtrip(obj)
    assert got["nested"] == obj["nested"] and got["big"] == 2**70 and got["complex"] == 1 + 2j
    assert got["bytearray"] == bytearray(b"xy") and got["counter"] == Counter("aab")
    assert type(got["size"]) is nt.Size and got["size"] == nt.Size([2, 3])
    assert got["device"] == nt.device("cpu") and got["cuda_device"] == nt.device("cuda:1")
    assert got["dtypes"] == [nt.float32, nt.bfloat16, nt.bool, nt.int64]
    assert got["layout"] is nt.strided
    assert type(got["state"]) is OrderedDict and got["state"]._metadata == {"": {"version": 1}}


def test_save_to_str_pathlike_and_file_object(tmp_path):
    x = nt.arange(3)
    nt.save(x, str(tmp_path / "a.pt"))
    nt.save(x, tmp_path / "model.v2.pth")
    with open(tmp_path / "c.bin", "wb") as f:
        nt.save(x, f)
    for name in ("a.pt", "model.v2.pth", "c.bin"):
        assert nt.load(tmp_path / name).tolist() == [0, 1, 2]
        with open(tmp_path / name, "rb") as f:
            assert nt.load(f).tolist() == [0, 1, 2]
    # PyTorch names the zip's folder after the file's stem, or "archive" for file objects
    assert zipfile.ZipFile(tmp_path / "model.v2.pth").namelist()[0] == "model.v2/data.pkl"
    assert zipfile.ZipFile(tmp_path / "c.bin").namelist()[0] == "archive/data.pkl"


def test_load_from_a_stream_at_an_offset_and_non_seekable_stream():
    payload = saved({"x": nt.arange(4)}).getvalue()
    stream = io.BytesIO(b"HEADER" + payload)
    stream.seek(6)
    assert nt.load(stream)["x"].tolist() == [0, 1, 2, 3]

    class NonSeekable(io.RawIOBase):
        def __init__(self, data):
            self._inner = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self._inner.readinto(b)

    assert nt.load(NonSeekable(payload))["x"].tolist() == [0, 1, 2, 3]


def test_save_is_atomic_and_keeps_file_mode(tmp_path):
    path = tmp_path / "ckpt.pt"
    nt.save({"v": nt.ones(2)}, path)
    os.chmod(path, 0o640)
    nt.save({"v": nt.zeros(2)}, path)
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert nt.load(path)["v"].tolist() == [0.0, 0.0]
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        nt.save({"v": nt.ones(2), "bad": lambda: None}, path)
    assert nt.load(path)["v"].tolist() == [0.0, 0.0]  # the old checkpoint is untouched
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt"]  # and no temporary file is left


def test_save_failing_mid_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    nt.save(nt.ones(3), path)

    def broken_write_record(self, name, data, *args):
        if name.startswith("data/"):
            raise OSError("disk full")
        return original(self, name, data, *args)

    original = serialization._ZipWriter.write_record
    monkeypatch.setattr(serialization._ZipWriter, "write_record", broken_write_record)
    with pytest.raises(OSError, match="disk full"):
        nt.save(nt.zeros(3), path)
    monkeypatch.undo()
    assert nt.load(path).tolist() == [1.0, 1.0, 1.0]
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt"]


def test_save_through_a_symlink_replaces_its_target(tmp_path):
    target = tmp_path / "real.pt"
    link = tmp_path / "link.pt"
    nt.save(nt.ones(1), target)
    link.symlink_to(target)
    nt.save(nt.zeros(1), link)
    assert link.is_symlink() and nt.load(target).tolist() == [0.0]


def test_save_into_missing_directory_raises_like_pytorch(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory .*missing does not exist"):
        nt.save(nt.ones(1), tmp_path / "missing" / "x.pt")


def test_save_rejects_non_writable_and_views_of_one_storage_as_two_dtypes():
    with pytest.raises(AttributeError, match="'write' attribute"):
        nt.save(nt.ones(1), 42)
    x = nt.arange(4, dtype=nt.int32)
    with pytest.raises(RuntimeError, match="view the same data as different types"):
        nt.save([x, x.view(nt.float32)], io.BytesIO())


def test_mmap_maps_storages_copy_on_write(tmp_path):
    path = tmp_path / "m.pt"
    x = nt.arange(12.0).reshape(3, 4)
    nt.save({"x": x, "row": x[1]}, path)
    before = path.read_bytes()
    got = nt.load(path, mmap=True)
    assert raw(got["x"]) == raw(x) and raw(got["row"]) == raw(x[1])
    assert _root_array(got["x"]._data) is _root_array(got["row"]._data)
    got["x"][1, 0] = 100.0
    assert got["row"][0].item() == 100.0
    assert path.read_bytes() == before  # copy-on-write, as PyTorch's MAP_PRIVATE
    with pytest.raises(ValueError, match="f must be a file path in order to use the mmap argument"):
        nt.load(io.BytesIO(before), mmap=True)


def test_map_location_forms():
    buffer = saved({"x": nt.arange(3.0)})
    seen = []

    def callable_location(storage, location):
        seen.append((location, storage.dtype, storage.size()))
        return storage

    for map_location in ("cpu", nt.device("cpu"), {"cpu": "cpu"}, callable_location, None):
        buffer.seek(0)
        assert nt.load(buffer, map_location=map_location)["x"].tolist() == [0.0, 1.0, 2.0]
    assert seen == [("cpu", nt.float32, 3)]


def _checkpoint_tagged(location: str) -> io.BytesIO:
    records = records_of(saved({"x": nt.arange(3.0)}))
    records["data.pkl"] = records["data.pkl"].replace(
        b"X\x03\x00\x00\x00cpu", b"X" + len(location).to_bytes(4, "little") + location.encode()
    )
    return checkpoint(records)


def test_cuda_checkpoint_needs_map_location():
    with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA device"):
        nt.load(_checkpoint_tagged("cuda:0"))
    for map_location in ("cpu", nt.device("cpu"), {"cuda:0": "cpu"}, lambda s, loc: s):
        got = nt.load(_checkpoint_tagged("cuda:0"), map_location=map_location)
        assert got["x"].tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA device"):
        nt.load(_checkpoint_tagged("cpu"), map_location="cuda:1")
    with pytest.raises(RuntimeError, match="don't know how to restore data location"):
        nt.load(_checkpoint_tagged("weird"))


def test_safetensors_path_is_loaded_as_safetensors(tmp_path):
    from numtorch.safetensors import save_file

    save_file({"w": nt.ones(2)}, tmp_path / "m.safetensors")
    assert nt.load(tmp_path / "m.safetensors")["w"].tolist() == [1.0, 1.0]


# --- weights_only: the allow-list unpickler --------------------------------------------------------------
class Point:
    """A user class for the allow-list tests (module level, so it pickles by name)."""

    def __init__(self, x):
        self.x = x

    def __eq__(self, other):
        return isinstance(other, Point) and other.x == self.x


def _point_name() -> str:
    return f"{Point.__module__}.{Point.__qualname__}"


def test_unknown_global_is_refused_and_named():
    buffer = saved({"p": Point(3), "w": nt.ones(1)})
    with pytest.raises(pickle.UnpicklingError) as info:
        nt.load(buffer)
    message = str(info.value)
    assert message.startswith("Weights only load failed.")
    assert f"Unsupported global: GLOBAL {_point_name()} was not an allowed global" in message
    assert "`weights_only` set to `False`" in message
    assert f"torch.serialization.add_safe_globals([{_point_name()}])" in message
    buffer.seek(0)
    assert nt.load(buffer, weights_only=False)["p"] == Point(3)


def test_safe_globals_context_and_registry():
    buffer = saved(Point(5))
    assert serialization.get_safe_globals() == []
    with serialization.safe_globals([Point]):
        assert serialization.get_safe_globals() == [Point]
        buffer.seek(0)
        assert nt.load(buffer) == Point(5)
    assert serialization.get_safe_globals() == []
    serialization.add_safe_globals([(Point, _point_name())])
    try:
        buffer.seek(0)
        assert nt.load(buffer) == Point(5)
    finally:
        serialization.clear_safe_globals()
    assert serialization.get_safe_globals() == []
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError):
        nt.load(buffer)


def test_get_unsafe_globals_in_checkpoint():
    buffer = saved({"p": Point(1), "t": nt.ones(1), "od": OrderedDict()})
    assert serialization.get_unsafe_globals_in_checkpoint(buffer) == [_point_name()]


def test_whole_module_pickle_needs_weights_only_false():
    nn = pytest.importorskip("numtorch.nn")
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    buffer = saved(model)
    with pytest.raises(pickle.UnpicklingError, match="numtorch.nn.modules.container.Sequential"):
        nt.load(buffer)
    buffer.seek(0)
    loaded = nt.load(buffer, weights_only=False)
    x = nt.randn(4, 3)
    assert type(loaded) is nn.Sequential and raw(loaded(x).detach()) == raw(model(x).detach())


class Evil:
    """Unpickling this runs a shell command: the safe loader must never do it."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_reduce_never_executes(tmp_path):
    marker = tmp_path / "pwned"
    buffer = saved({"weights": nt.ones(2), "payload": Evil(marker)})
    with pytest.raises(pickle.UnpicklingError, match="whose module posix is blocked"):
        nt.load(buffer)
    serialization.add_safe_globals([os.system])  # even allow-listed, os/posix stay blocked
    try:
        buffer.seek(0)
        with pytest.raises(pickle.UnpicklingError, match="is blocked"):
            nt.load(buffer)
    finally:
        serialization.clear_safe_globals()
    assert not marker.exists()


def _pickle_ops(*parts: bytes) -> bytes:
    return b"\x80\x02" + b"".join(parts) + b"."


def _global(module: str, name: str) -> bytes:
    return b"c" + f"{module}\n{name}\n".encode()


def _int(n: int) -> bytes:
    return pickle.dumps(n, protocol=2)[2:-1]


def _load_pickle(data: bytes):
    return nt.load(checkpoint({"data.pkl": data, "version": b"3\n"}))


@pytest.mark.parametrize(
    "data, message",
    [
        # the usual attacks
        (_pickle_ops(_global("__builtin__", "eval"), b"X\x01\x00\x00\x001\x85R"), "GLOBAL eval"),
        (_pickle_ops(_global("subprocess", "Popen"), b")R"), "GLOBAL subprocess.Popen"),
        (_pickle_ops(_global("nt", "system"), b")R"), "whose module nt is blocked"),
        (_pickle_ops(_global("os.path", "join"), b")R"), "whose module os.path is blocked"),
        (_pickle_ops(b"Xx\x00\x00\x00" + b"a" * 120 + b"X\x01\x00\x00\x00b\x93"), "not an allowed"),
        # allowed names used in forbidden ways
        (_pickle_ops(_global("torch", "Tensor"), _int(10**12), b"\x85R"), "unrecognized function"),
        (_pickle_ops(_global("torch", "Tensor"), b")\x81"), "Can only create new object"),
        (_pickle_ops(_global("builtins", "bytearray"), _int(10**12), b"\x85R"), "bytearray"),
        (_pickle_ops(b"]", _global("collections", "Counter"), b")R", b"}b"), "Can only build"),
        (_pickle_ops(b"}", _int(1), b"a"), "Can only append to lists"),
        (_pickle_ops(b"]", _int(1), _int(2), b"s"), "Can only SETITEM"),
        (_pickle_ops(b"X\x03\x00\x00\x00abcQ"), "persistent_load id must be tuple"),
        (_pickle_ops(b"(X\x06\x00\x00\x00moduletQ"), "Only persistent_load of storage"),
        # malformed streams
        (_pickle_ops(b"\xff"), "Unsupported operand 255"),
        (_pickle_ops(b"h\x07"), "Memo value not found"),
        (b"\x80\x02X\xff\xff\xff\x7fabc", "truncated"),
        (_pickle_ops(b"t"), "MARK"),
        (_pickle_ops(b"R"), "stack underflow"),
        (_pickle_ops(b")" + b"\x85" * 5000), "nested more than 1000 levels"),
    ],
)
def test_safe_unpickler_refuses(data, message):
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed") as info:
        _load_pickle(data)
    assert message in str(info.value)


def test_rebuild_from_type_calls_only_tensor_rebuild_functions():
    data = _pickle_ops(
        _global("torch._tensor", "_rebuild_from_type_v2"),
        b"(",
        _global("torch", "Tensor"),
        _global("torch", "Tensor"),
        _int(10**12),
        b"\x85}tR",  # _rebuild_from_type_v2(Tensor, Tensor, (10**12,), {}): would call Tensor(10**12)
    )
    with pytest.raises(RuntimeError, match="expects a tensor rebuild function"):
        _load_pickle(data)


def test_state_may_add_attributes_but_never_replace_the_class_ones():
    build_keys = _pickle_ops(
        _global("collections", "OrderedDict"), b")R}X\x04\x00\x00\x00keysK\x01sb"
    )
    with pytest.raises(pickle.UnpicklingError, match="BUILD may not set attribute 'keys'"):
        _load_pickle(build_keys)
    t = nt.ones(2)
    t.note = 1
    records = records_of(saved(t))
    records["data.pkl"] = records["data.pkl"].replace(b"note", b"grad")
    with pytest.raises(RuntimeError, match="may not set attribute 'grad'"):
        nt.load(checkpoint(records))


def test_deeply_nested_tuple_as_dict_key_does_not_crash():
    data = _pickle_ops(b"}", b")" + b"\x85" * 200_000, b"Ns")
    with pytest.raises(pickle.UnpicklingError, match="nested"):
        _load_pickle(data)


# --- corrupted, truncated and foreign files --------------------------------------------------------------
def test_not_a_checkpoint(tmp_path):
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with pytest.raises(RuntimeError, match="the file is empty"):
        nt.load(empty)
    with pytest.raises(pickle.UnpicklingError, match="neither a zip archive nor a pickle"):
        nt.load(io.BytesIO(b"hello world, not a checkpoint"))
    with pytest.raises(RuntimeError, match="Invalid magic number; corrupt file?"):
        nt.load(io.BytesIO(pickle.dumps(12345, protocol=2)))
    truncated_legacy = io.BytesIO(pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + b"rest")
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        nt.load(truncated_legacy)


def test_truncated_checkpoint():
    data = saved({"x": nt.arange(100.0)}).getvalue()
    for cut in (10, len(data) // 2, len(data) - 10):
        with pytest.raises(RuntimeError, match="PytorchStreamReader failed reading zip archive"):
            nt.load(io.BytesIO(data[:cut]))


def test_missing_and_resized_records():
    records = records_of(saved({"x": nt.arange(4.0)}))
    without_storage = {k: v for k, v in records.items() if k != "data/0"}
    with pytest.raises(RuntimeError, match="failed locating file data/0"):
        nt.load(checkpoint(without_storage))
    without_version = {k: v for k, v in records.items() if k != "version"}
    with pytest.raises(RuntimeError, match="failed locating file version"):
        nt.load(checkpoint(without_version))
    short = dict(records, **{"data/0": records["data/0"][:8]})
    with pytest.raises(RuntimeError, match="record data/0 holds 8 bytes but data.pkl declares"):
        nt.load(checkpoint(short))
    future = dict(records, version=b"99\n")
    with pytest.raises(RuntimeError, match="version 99"):
        nt.load(checkpoint(future))
    garbage_order = dict(records, byteorder=b"middle")
    with pytest.raises(RuntimeError, match="unknown endianness"):
        nt.load(checkpoint(garbage_order))


def test_torchscript_archive_is_refused():
    records = records_of(saved(nt.ones(1)))
    records["constants.pkl"] = b""
    with pytest.raises(RuntimeError, match="TorchScript"):
        nt.load(checkpoint(records))


class _Forged:
    """Pickles as ``_rebuild_tensor_v2`` with whatever offset/size/stride a test forges."""

    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, OrderedDict())

    def __reduce__(self):
        return (serialization._G_REBUILD_TENSOR_V2, self.args)


def forged_checkpoint(offset, size, stride, numel=10) -> io.BytesIO:
    storage = serialization._StorageRef(np.zeros(numel, np.float32), nt.float32, "0")
    pickled, _ = serialization._pickle_object(_Forged(storage, offset, size, stride), 2)
    out = io.BytesIO()
    serialization._write_checkpoint(pickled, [storage], out, "archive", True)
    out.seek(0)
    return out


@pytest.mark.parametrize(
    "offset, size, stride, message",
    [
        (5, (10,), (1,), "requiring a storage size of 60 are out of bounds for storage of size 40"),
        (0, (2, 3), (8, 1), "out of bounds"),
        (-1, (1,), (1,), "storage offset must be a non-negative int"),
        (0, (3,), (-1,), "stride must be a tuple of non-negative ints"),
        (0, (2, 2), (1,), "differ in length"),
        (0, "abc", (1,), "size must be a tuple"),
        (2**64, (1,), (1,), "out of bounds"),
    ],
)
def test_forged_offsets_sizes_and_strides(offset, size, stride, message):
    with pytest.raises(RuntimeError) as info:
        nt.load(forged_checkpoint(offset, size, stride))
    assert message in str(info.value)


def test_forged_storage_numel_never_allocates_more_than_the_file():
    records = records_of(forged_checkpoint(0, (10,), (1,)))
    records["data.pkl"] = records["data.pkl"].replace(b"K\nt", _int(10**15) + b"t")
    with pytest.raises(RuntimeError, match="holds 40 bytes but data.pkl declares a storage"):
        nt.load(checkpoint(records))


# --- against real PyTorch ---------------------------------------------------------------------------------
def paired(torch, array: np.ndarray, name: str):
    """The same tensor in numtorch and in PyTorch, built from one NumPy array."""
    if name == "bfloat16":
        return nt.from_numpy(array).to(nt.bfloat16), torch.from_numpy(array).to(torch.bfloat16)
    return nt.from_numpy(array).to(getattr(nt, name)), torch.from_numpy(array).to(
        getattr(torch, name)
    )


def structures(lib, x):
    """The structures the issue lists, built with the same ops in either library."""
    state = OrderedDict([("layer.weight", x), ("layer.bias", x[0])])
    state._metadata = OrderedDict({"": {"version": 1}, "layer": {"version": 1}})
    return {
        "tensor": x,
        "views": [x, x[1], x.t(), x[:, ::2], x[0:1].expand(3, x.shape[1])],
        "state": state,
        "nested": {"a": [x[2], (x[1:, 1:], {"k": x})], "n": 3, "s": "text", "f": 0.5},
        "size": lib.Size([3, 4]),
    }


def file_bytes(lib, obj) -> bytes:
    buffer = io.BytesIO()
    lib.save(obj, buffer)
    return buffer.getvalue()


def assert_same_file(ours: bytes, theirs: bytes):
    """Identical up to the serialization id, whose record-name half PyTorch derives from
    std::hash (its CRC half, and every other byte, must match)."""
    start = theirs.index(b"PK\x03\x04", theirs.index(b"archive/version"))
    assert ours[:start] == theirs[:start]
    with zipfile.ZipFile(io.BytesIO(ours)) as a, zipfile.ZipFile(io.BytesIO(theirs)) as b:
        assert a.namelist() == b.namelist()
        id_ours = a.read("archive/.data/serialization_id")
        id_theirs = b.read("archive/.data/serialization_id")
        assert len(id_ours) == 40 and id_ours[20:] == id_theirs[20:]


@pytest.mark.oracle
@pytest.mark.parametrize("name", DTYPES)
def test_file_is_byte_identical_to_pytorch(torch, name):
    array = np.arange(12, dtype=np.float64).reshape(3, 4) - 4
    ours, theirs = paired(torch, array, name)
    for key in ("tensor", "views", "nested"):
        assert_same_file(
            file_bytes(nt, structures(nt, ours)[key]),
            file_bytes(torch, structures(torch, theirs)[key]),
        )


@pytest.mark.oracle
def test_state_dict_and_parameters_byte_identical_to_pytorch(torch):
    Parameter = parameter_class()
    array = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    ours = {"p": Parameter(nt.from_numpy(array)), "frozen": Parameter(nt.ones(2), False)}
    theirs = {
        "p": torch.nn.Parameter(torch.from_numpy(array)),
        "frozen": torch.nn.Parameter(torch.ones(2), False),
    }
    assert_same_file(file_bytes(nt, ours), file_bytes(torch, theirs))
    assert_same_file(
        file_bytes(nt, structures(nt, nt.from_numpy(array))["state"]),
        file_bytes(torch, structures(torch, torch.from_numpy(array))["state"]),
    )


def assert_torch_equal(torch, got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.stride() == want.stride() and got.storage_offset() == want.storage_offset()
    assert torch.equal(got, want)


@pytest.mark.oracle
@pytest.mark.parametrize("name", DTYPES)
def test_pytorch_loads_numtorch_files_with_weights_only(torch, name):
    array = np.arange(12, dtype=np.float64).reshape(3, 4) - 4
    ours, theirs = paired(torch, array, name)
    buffer = io.BytesIO(file_bytes(nt, structures(nt, ours)))
    loaded = torch.load(buffer)  # PyTorch's default: weights_only=True
    want = structures(torch, theirs)
    assert_torch_equal(torch, loaded["tensor"], want["tensor"])
    for got, expected in zip(loaded["views"], want["views"]):
        assert_torch_equal(torch, got, expected)
        assert got.untyped_storage().data_ptr() == loaded["views"][0].untyped_storage().data_ptr()
    assert list(loaded["state"]) == ["layer.weight", "layer.bias"]
    assert loaded["state"]._metadata == want["state"]._metadata
    assert_torch_equal(torch, loaded["nested"]["a"][1][0], want["nested"]["a"][1][0])
    assert loaded["size"] == torch.Size([3, 4]) and type(loaded["size"]) is torch.Size


@pytest.mark.oracle
@pytest.mark.parametrize("name", DTYPES)
def test_numtorch_loads_pytorch_files(torch, name):
    array = np.arange(12, dtype=np.float64).reshape(3, 4) - 4
    ours, theirs = paired(torch, array, name)
    loaded = nt.load(io.BytesIO(file_bytes(torch, structures(torch, theirs))))
    want = structures(nt, ours)
    for got, expected in zip(loaded["views"], want["views"]):
        assert got.dtype is expected.dtype and got.shape == expected.shape
        assert got.stride() == expected.stride()
        assert got.storage_offset() == expected.storage_offset()
        assert raw(got) == raw(expected)
    assert len({id(_root_array(t._data)) for t in loaded["views"]}) == 1
    assert loaded["state"]._metadata == want["state"]._metadata
    assert raw(loaded["nested"]["a"][1][0]) == raw(want["nested"]["a"][1][0])
    assert type(loaded["size"]) is nt.Size and loaded["size"] == nt.Size([3, 4])


@pytest.mark.oracle
def test_pytorch_objects_round_trip_through_numtorch(torch):
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model(torch.randn(4, 3)).sum().backward()
    optimizer.step()
    original = {
        "optimizer": optimizer.state_dict(),
        "param": torch.nn.Parameter(torch.arange(3.0)),
        "device": torch.device("cuda", 0),
        "dtype": torch.bfloat16,
        "misc": [1, 2.5, None, (1, "a"), {"s"}, b"xy", 1 + 2j, bytearray(b"q"), 2**70],
        "counter": Counter("aab"),
    }
    buffer = io.BytesIO(file_bytes(torch, original))
    ours = nt.load(buffer)
    assert ours["optimizer"]["param_groups"] == original["optimizer"]["param_groups"]
    assert ours["device"] == nt.device("cuda:0") and ours["dtype"] is nt.bfloat16
    back = torch.load(io.BytesIO(file_bytes(nt, ours)))
    for index, state in original["optimizer"]["state"].items():
        for key, value in state.items():
            assert torch.equal(back["optimizer"]["state"][index][key], value)
    assert back["optimizer"]["param_groups"] == original["optimizer"]["param_groups"]
    assert type(back["param"]) is torch.nn.Parameter and torch.equal(
        back["param"], original["param"]
    )
    for key in ("device", "dtype", "misc", "counter"):
        assert back[key] == original[key]
    fresh = torch.optim.Adam(model.parameters(), lr=0.01)
    fresh.load_state_dict(back["optimizer"])


def _model_pair(torch):
    nn = pytest.importorskip("numtorch.nn")
    if not hasattr(nn, "Conv2d"):
        pytest.skip("numtorch.nn.Conv2d has not landed")
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 3),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(3 * 4 * 4, 5),
    )
    ours = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 4 * 4, 5))
    return ours, theirs


@pytest.mark.oracle
def test_seed_save_and_load_state_dict_both_ways(torch, tmp_path):
    ours, theirs = _model_pair(torch)
    x = np.random.default_rng(0).standard_normal((2, 1, 6, 6)).astype(np.float32)
    path = tmp_path / "model_weights.pth"
    torch.save(theirs.state_dict(), path)
    ours.load_state_dict(nt.load(path))
    expected = theirs(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(
        ours(nt.from_numpy(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6
    )
    # and back: a numtorch-trained state dict into a fresh PyTorch model
    with nt.no_grad():
        for p in ours.parameters():
            p.mul_(0.5)
    nt.save(ours.state_dict(), path)
    fresh = _model_pair(torch)[1]
    fresh.load_state_dict(torch.load(path))
    np.testing.assert_allclose(
        fresh(torch.from_numpy(x)).detach().numpy(),
        ours(nt.from_numpy(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.oracle
def test_pytorch_whole_model_pickle_loads_into_numtorch_classes(torch, tmp_path):
    nn = pytest.importorskip("numtorch.nn")
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    path = tmp_path / "model.pth"
    torch.save(theirs, path)
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.container.Sequential"):
        nt.load(path)
    ours = nt.load(path, weights_only=False)
    assert type(ours) is nn.Sequential and type(ours[0]) is nn.Linear
    x = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(
        ours(nt.from_numpy(x)).detach().numpy(),
        theirs(torch.from_numpy(x)).detach().numpy(),
        rtol=1e-6,
    )


@pytest.mark.oracle
@pytest.mark.parametrize("which", ["eval", "system", "point"])
def test_refusal_message_is_pytorchs(torch, which, tmp_path):
    payload = {"eval": (eval, ("1",)), "system": (os.system, ("true",))}

    class Payload:
        def __reduce__(self):
            return payload[which]

    obj = Point(1) if which == "point" else Payload()
    buffer = io.BytesIO(file_bytes(torch, obj))
    with pytest.raises(pickle.UnpicklingError) as theirs:
        torch.load(buffer)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError) as ours:
        nt.load(buffer)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.oracle
def test_lazy_conjugate_and_negative_bits_are_applied(torch):
    z = torch.tensor([1 + 2j, 3 - 1j])
    for tensor in (z.conj(), z.conj().imag, z.conj().conj()):
        ours = nt.load(io.BytesIO(file_bytes(torch, tensor)))
        assert ours.tolist() == tensor.tolist()


@pytest.mark.oracle
@pytest.mark.parametrize("name", DTYPES)
def test_numtorch_loads_pytorch_legacy_files(torch, name):
    array = np.arange(12, dtype=np.float64).reshape(3, 4) - 4
    ours, theirs = paired(torch, array, name)
    buffer = io.BytesIO()
    torch.save(structures(torch, theirs), buffer, _use_new_zipfile_serialization=False)
    for weights_only in (True, False):
        buffer.seek(0)
        loaded = nt.load(buffer, weights_only=weights_only)
        for got, expected in zip(loaded["views"], structures(nt, ours)["views"]):
            assert got.dtype is expected.dtype and got.stride() == expected.stride()
            assert got.storage_offset() == expected.storage_offset()
            assert raw(got) == raw(expected)
        assert len({id(_root_array(t._data)) for t in loaded["views"]}) == 1
        assert loaded["state"]._metadata == {"": {"version": 1}, "layer": {"version": 1}}


@pytest.mark.oracle
def test_pytorch_legacy_whole_model_pickle(torch, tmp_path):
    pytest.importorskip("numtorch.nn")
    model = torch.nn.Linear(3, 2)
    path = tmp_path / "legacy.pt"
    torch.save(model, path, _use_new_zipfile_serialization=False)
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.linear.Linear"):
        nt.load(path)
    ours = nt.load(path, weights_only=False)
    assert ours.weight.tolist() == model.weight.tolist()
    with pytest.raises(RuntimeError, match="mmap can only be used with files saved with"):
        nt.load(path, mmap=True, weights_only=False)


@pytest.mark.oracle
def test_pytorch_mmaps_numtorch_files(torch, tmp_path):
    path = tmp_path / "aligned.pt"
    x = nt.arange(100.0)
    nt.save({"a": x, "b": nt.ones(3, dtype=nt.int64), "c": x[5:]}, path)
    loaded = torch.load(path, mmap=True)
    assert torch.equal(loaded["c"], torch.arange(5.0, 100.0))
    with open(path, "rb") as f:
        reader = serialization._ZipReader(f)
        for name in zipfile.ZipFile(path).namelist():
            record = reader.record(name.split("/", 1)[1])
            assert reader.data_offset(record) % 64 == 0, name
