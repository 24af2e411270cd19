"""numtorch.safetensors: the safetensors format, byte-compatible with the ``safetensors`` package."""

from __future__ import annotations

import json
import random
import struct

import numpy as np
import pytest

import numtorch as nt
from numtorch.safetensors import SafetensorError, load, load_file, save, save_file

DTYPES = [
    "bool", "uint8", "int8", "int16", "float16", "bfloat16", "int32", "float32", "complex64",
    "float64", "int64",
]  # fmt: skip


def sample_tensors() -> dict:
    tensors = {
        f"t_{name}": (nt.arange(6).reshape(2, 3) - 2).to(getattr(nt, name)) for name in DTYPES
    }
    tensors["empty"] = nt.zeros(0, 3)
    tensors["scalar"] = nt.tensor(2.5)
    tensors["a.b.weight"] = nt.ones(4)
    return tensors


def raw(t) -> bytes:
    return np.ascontiguousarray(t._data).tobytes()


def header_of(data: bytes) -> dict:
    (n,) = struct.unpack_from("<Q", data)
    return json.loads(data[8 : 8 + n])


def test_round_trip_bytes_and_file(tmp_path):
    tensors = sample_tensors()
    for loaded in (load(save(tensors)), None):
        if loaded is None:
            save_file(tensors, tmp_path / "m.safetensors")
            loaded = load_file(tmp_path / "m.safetensors")
        assert list(loaded) == list(header_of(save(tensors)))
        for name, tensor in tensors.items():
            got = loaded[name]
            assert (
                got.dtype is tensor.dtype and got.shape == tensor.shape and raw(got) == raw(tensor)
            )


def test_layout_header_and_metadata():
    data = save(
        {"b": nt.ones(2), "a": nt.ones(1, dtype=nt.int64), "c": nt.ones(3, dtype=nt.uint8)},
        {"k": "v"},
    )
    (n,) = struct.unpack_from("<Q", data)
    assert n % 8 == 0 and data[8 + n - 1 : 8 + n] in (b" ", b"}")
    header = header_of(data)
    assert list(header) == ["__metadata__", "a", "b", "c"]  # metadata, then widest dtype first
    assert header["a"] == {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}
    assert header["b"] == {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}
    assert header["c"]["data_offsets"] == [16, 19] and len(data) == 8 + n + 19


def test_loaded_tensors_own_their_memory():
    loaded = load(save({"a": nt.ones(2), "b": nt.zeros(2)}))
    loaded["a"][0] = 5.0
    assert loaded["b"].tolist() == [0.0, 0.0]


def test_save_refusals():
    x = nt.arange(6.0).reshape(2, 3)
    with pytest.raises(ValueError, match="non contiguous tensor: `t`"):
        save({"t": x.t()})
    with pytest.raises(RuntimeError, match="Some tensors share memory"):
        save({"a": x, "b": x[1]})
    save({"a": x[0], "b": x[1]})  # disjoint parts of one buffer are fine, as in the package
    with pytest.raises(ValueError, match="Expected a dict"):
        save([x])
    with pytest.raises(ValueError, match="Key `a` is invalid"):
        save({"a": 3})
    with pytest.raises(ValueError, match="complex128"):
        save({"a": nt.zeros(1, dtype=nt.complex128)})


def _file(header: dict, data: bytes) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "header too small"),
        (b"\x01\x00", "header too small"),
        (struct.pack("<Q", 10**12) + b"{}", "header too large"),
        (struct.pack("<Q", 50) + b"{}", "invalid header length"),
        (struct.pack("<Q", 2) + b"[]", "invalid JSON"),
        (struct.pack("<Q", 3) + b"{x}", "invalid JSON"),
        (_file({"a": {"dtype": "F99", "shape": [1], "data_offsets": [0, 4]}}, b"1234"), "tensor a"),
        (_file({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"1234"), "tensor a"),
        (
            _file({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"1234"),
            "tensor a",
        ),
        (_file({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}, b"1234"), "tensor a"),
        (_file({"a": {"dtype": "F32", "shape": [1]}}, b"1234"), "tensor a"),
        (
            _file({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"12345"),
            "not fully covered",
        ),
        (
            _file(
                {
                    "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                    "b": {"dtype": "F32", "shape": [1], "data_offsets": [2, 6]},
                },
                b"123456",
            ),
            "overlap",
        ),
        (_file({"__metadata__": {"k": 1}}, b""), "metadata"),
    ],
)
def test_malformed_files(data, message, tmp_path):
    with pytest.raises(SafetensorError, match=message):
        load(data)
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises(SafetensorError, match=message):
        load_file(path)


def test_fuzz_mutated_files_fail_cleanly_or_load():
    original = save(sample_tensors(), {"format": "pt"})
    rng = random.Random(0)
    for _ in range(500):
        data = bytearray(original)
        position = rng.randrange(len(data))
        if rng.random() < 0.3:
            data = data[:position]
        else:
            data[position] ^= 1 << rng.randrange(8)
        try:
            loaded = load(bytes(data))
        except SafetensorError:
            continue
        for tensor in loaded.values():
            assert tensor._data.nbytes <= len(data)


def test_load_file_device():
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        load_file(__file__, device="cuda")


def test_module_load_state_dict_accepts_a_loaded_dict(tmp_path):
    nn = pytest.importorskip("numtorch.nn")
    model = nn.Linear(3, 2)
    save_file(model.state_dict(), tmp_path / "linear.safetensors")
    fresh = nn.Linear(3, 2)
    fresh.load_state_dict(load_file(tmp_path / "linear.safetensors"))
    assert raw(fresh.weight.detach()) == raw(model.weight.detach())


# --- against the safetensors package and PyTorch ---------------------------------------------------------
@pytest.fixture(scope="module")
def st_torch():
    pytest.importorskip("torch")
    return pytest.importorskip("safetensors.torch")


def as_torch(torch, tensor):
    array = tensor._data.copy()  # C order, 0-d stays 0-d
    if tensor.dtype is nt.bfloat16:
        return torch.from_numpy(array.view(np.int16)).view(torch.bfloat16)
    return torch.from_numpy(array)


@pytest.mark.oracle
def test_bytes_identical_to_the_safetensors_package(torch, st_torch):
    tensors = sample_tensors()
    theirs = {name: as_torch(torch, t) for name, t in tensors.items()}
    assert save(tensors) == st_torch.save(theirs)
    assert save(tensors, {"format": "pt"}) == st_torch.save(theirs, {"format": "pt"})
    # the package orders several metadata keys as its Rust HashMap iterates (differently per run)
    metadata = {"format": "pt", "a": "1", "z": "2"}
    ours, package = save(tensors, metadata), st_torch.save(theirs, metadata)
    assert len(ours) == len(package) and header_of(ours) == header_of(package)
    assert ours[-160:] == package[-160:]


@pytest.mark.oracle
def test_package_reads_our_files_and_we_read_its(torch, st_torch, tmp_path):
    tensors = sample_tensors()
    save_file(tensors, tmp_path / "ours.safetensors")
    loaded = st_torch.load_file(tmp_path / "ours.safetensors")
    for name, tensor in tensors.items():
        assert torch.equal(loaded[name], as_torch(torch, tensor))
    st_torch.save_file(loaded, tmp_path / "theirs.safetensors")
    ours = load_file(tmp_path / "theirs.safetensors")
    for name, tensor in tensors.items():
        assert ours[name].dtype is tensor.dtype and raw(ours[name]) == raw(tensor)
    assert raw(nt.load(tmp_path / "theirs.safetensors")["t_bfloat16"]) == raw(tensors["t_bfloat16"])
