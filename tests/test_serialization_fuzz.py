"""Robustness of numtorch.load / numtorch.save against damaged files and killed writers.

* A fuzzer mutates checkpoints: raw damage to the file (truncation, bit flips, overwritten and
  deleted bytes, forged header fields), and damage behind valid CRCs (bit flips and forged integers
  inside data.pkl -- storage offsets, sizes, strides, numels --, missing, resized and altered
  records). Every case must end in a RuntimeError / pickle.UnpicklingError or in a load that is
  correct: identical to the original when the file's CRCs were left to guard it, and memory-safe
  otherwise. Peak memory per case is bounded by a small multiple of the file's size. Legacy
  (pre-1.6) files, which have no CRCs, get the same raw damage.
* A writer process is SIGKILLed at random moments while it saves over a checkpoint: the file at
  the path must always load, and be one complete version.
"""

from __future__ import annotations

import io
import os
import pickle
import pickletools
import random
import signal
import struct
import time
import tracemalloc
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import numtorch as nt
from numtorch import serialization

CASES_PER_FAMILY = 1100  # two families: 2200 cases per run


def reference_object():
    base = nt.arange(64.0).reshape(8, 8)
    state = OrderedDict([("layer.weight", base), ("layer.bias", nt.ones(8) * 0.5)])
    state._metadata = OrderedDict({"": {"version": 1}, "layer": {"version": 1}})
    return {
        "state": state,
        "views": [base[1], base.t(), base[:, ::2], base[0:1].expand(3, 8)],
        "ints": nt.arange(10, dtype=nt.int64),
        "half": nt.linspace(-1, 1, 7).to(nt.float16),
        "mask": nt.arange(5) > 2,
        "meta": {"epoch": 3, "name": "run", "lr": [0.1, 0.01], "shape": nt.Size([8, 8])},
    }


def reference_bytes() -> bytes:
    buffer = io.BytesIO()
    nt.save(reference_object(), buffer)
    return buffer.getvalue()


def same(a, b) -> bool:
    if isinstance(a, nt.Tensor):
        return (
            isinstance(b, nt.Tensor)
            and a.dtype is b.dtype
            and a.shape == b.shape
            and a.stride() == b.stride()
            and np.ascontiguousarray(a._data).tobytes() == np.ascontiguousarray(b._data).tobytes()
        )
    if isinstance(a, dict):
        return (
            type(a) is type(b)
            and list(a) == list(b)
            and all(same(a[k], b[k]) for k in a)
            and getattr(a, "_metadata", None) == getattr(b, "_metadata", None)
        )
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and a == b


def touch(obj) -> None:
    """Read the first and last element of every tensor: memory-safe views only."""
    if isinstance(obj, nt.Tensor):
        array = obj._data
        if array.size:
            array[(0,) * array.ndim].tobytes()
            array[tuple(n - 1 for n in array.shape)].tobytes()
    elif isinstance(obj, dict):
        for value in obj.values():
            touch(value)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            touch(value)


# --- mutations -------------------------------------------------------------------------------------------
def mutate_raw(data: bytes, rng: random.Random) -> bytes:
    """Damage anywhere in the file, biased towards the headers and the central directory."""
    n = len(data)
    tail = max(0, n - 700)  # the central directory and end records live in the last bytes
    position = rng.randrange(tail, n) if rng.random() < 0.5 else rng.randrange(n)
    kind = rng.randrange(7)
    if kind == 0:
        return data[: rng.randrange(n)]
    if kind == 1:
        flipped = bytearray(data)
        flipped[position] ^= 1 << rng.randrange(8)
        return bytes(flipped)
    if kind == 2:
        length = rng.randint(1, 8)
        return data[:position] + rng.randbytes(length) + data[position + length :]
    if kind == 3:
        return data[:position] + data[position + rng.randint(1, 64) :]
    if kind == 4:
        return data[:position] + rng.randbytes(rng.randint(1, 64)) + data[position:]
    if kind == 5:  # a forged 32-bit size, count or offset field
        value = rng.choice([b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\xff\xff\xff\x7f"])
        return data[:position] + value + data[position + 4 :]
    chunk = data[position : position + rng.randint(1, 64)]  # a duplicated run of bytes
    return data[:position] + chunk + data[position:]


def records_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name.split("/", 1)[1]: archive.read(name)
            for name in archive.namelist()
            if not name.endswith("serialization_id")
        }


def rezip(records: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    writer = serialization._ZipWriter(out, "archive")
    for name, payload in records.items():
        writer.write_record(name, payload)
    writer.finish()
    return out.getvalue()


def int_opcode(value: int) -> bytes:
    return pickle.dumps(value, protocol=2)[2:-1]


INTERESTING = [0, 1, 2, 3, 7, 8, 63, 64, 65, 255, 256, 2**31 - 1, 2**32, 2**62, 2**64, -1, -(2**31)]


def mutate_pickle(pkl: bytes, rng: random.Random) -> bytes:
    """Forge data.pkl: an integer replaced (storage offsets, sizes, strides, numels, memo keys),
    bytes flipped or overwritten, or an opcode dropped."""
    ops = [(op, arg, pos) for op, arg, pos in pickletools.genops(pkl)]
    kind = rng.randrange(4)
    if kind <= 1:
        ints = [
            (arg, pos, op) for op, arg, pos in ops if op.name in ("BININT1", "BININT2", "BININT")
        ]
        arg, pos, op = rng.choice(ints)
        width = {"BININT1": 2, "BININT2": 3, "BININT": 5}[op.name]
        value = rng.choice(INTERESTING) if kind == 0 else arg + rng.choice([-1, 1, 2, 8, 1000])
        return pkl[:pos] + int_opcode(value) + pkl[pos + width :]
    position = rng.randrange(len(pkl))
    if kind == 2:
        flipped = bytearray(pkl)
        flipped[position] ^= 1 << rng.randrange(8)
        return bytes(flipped)
    op, _, start = rng.choice(ops[1:-1])
    end = next(p for _, _, p in ops if p > start)
    return pkl[:start] + pkl[end:]


def mutate_valid_zip(data: bytes, rng: random.Random) -> bytes:
    records = records_of(data)
    kind = rng.randrange(10)
    if kind <= 6:
        records["data.pkl"] = mutate_pickle(records["data.pkl"], rng)
    elif kind == 7:
        del records[rng.choice(list(records))]
    elif kind == 8:
        name = rng.choice([n for n in records if n.startswith("data/")])
        payload = records[name]
        cut = rng.randrange(len(payload) + 1)
        records[name] = payload[:cut] if rng.random() < 0.5 else payload + rng.randbytes(cut)
    else:
        name = rng.choice(["version", "byteorder", ".format_version", ".storage_alignment"])
        records[name] = rng.choice([b"big", b"", b"0", b"-3", b"abc", b"3\n", rng.randbytes(4)])
    return rezip(records)


# --- the fuzz tests ----------------------------------------------------------------------------------------
def load_or_error(data: bytes, check_memory: bool):
    """``nt.load(data)``, or None after an allowed error; with ``check_memory``, the peak of
    memory allocated meanwhile must stay within a small multiple of the file's size."""
    if check_memory:
        tracemalloc.start()
    try:
        return nt.load(io.BytesIO(data))
    except (RuntimeError, pickle.UnpicklingError):
        return None
    finally:
        if check_memory:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert peak < 8 * len(data) + 2**20, f"peak memory {peak} bytes"


def run_cases(original: bytes, mutate, seed: int, cases: int, expected=None) -> dict[str, int]:
    """Load ``cases`` mutations of ``original``: each fails cleanly, or loads ``expected``
    exactly (when given), and loads memory-safely. Every 5th case traces memory (tracing slows
    the pure-Python unpickler several times over)."""
    rng = random.Random(seed)
    outcomes = {"error": 0, "loaded": 0}
    for case in range(cases):
        result = load_or_error(mutate(original, rng), check_memory=case % 5 == 0)
        if result is None:
            outcomes["error"] += 1
            continue
        outcomes["loaded"] += 1
        if expected is not None:
            assert same(result, expected), f"case {case}: a damaged file loaded differently"
        touch(result)
    return outcomes


def test_fuzz_damaged_files_fail_cleanly_or_load_exactly():
    """Raw damage: the CRCs and headers catch it, or the damage hit bytes no reader uses."""
    original = reference_bytes()
    expected = nt.load(io.BytesIO(original))
    outcomes = run_cases(original, mutate_raw, seed=1, cases=CASES_PER_FAMILY, expected=expected)
    assert outcomes["error"] > CASES_PER_FAMILY // 2 and outcomes["loaded"] > 0


def test_fuzz_forged_contents_fail_cleanly_or_load_memory_safely():
    """Damage behind valid CRCs: the unpickler and the storage/bounds checks must catch it."""
    outcomes = run_cases(reference_bytes(), mutate_valid_zip, seed=2, cases=CASES_PER_FAMILY)
    assert outcomes["error"] > CASES_PER_FAMILY // 2 and outcomes["loaded"] > 0


# --- the legacy (pre-1.6) format ---------------------------------------------------------------------------
class _LegacyPickler(serialization._CheckpointPickler):
    """Storage ids as the legacy format writes them: ``(..., numel, view_metadata)``."""

    def persistent_id(self, obj):
        saved_id = super().persistent_id(obj)
        return None if saved_id is None else (*saved_id, None)


def legacy_bytes(obj) -> bytes:
    """A legacy checkpoint (``torch.save(..., _use_new_zipfile_serialization=False)``): magic
    number, protocol version, system info, the object, the storage keys, then each storage as
    its element count and bytes."""
    out = io.BytesIO()
    for header in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True}):
        pickle.dump(header, out, protocol=2)
    pickler = _LegacyPickler(out, 2)
    pickler.dump(obj)
    pickle.dump([s.key for s in pickler.storages], out, protocol=2)
    for storage in pickler.storages:
        out.write(struct.pack("<q", storage.numel))
        out.write(storage.raw_bytes())
    return out.getvalue()


def test_legacy_format_round_trip():
    original = reference_object()
    loaded = nt.load(io.BytesIO(legacy_bytes(original)))
    assert same(loaded, original)
    views = loaded["views"]
    assert len({id(serialization._root_array(t._data)) for t in views[:3]}) == 1


def test_fuzz_damaged_legacy_files_fail_cleanly_or_load_memory_safely():
    outcomes = run_cases(legacy_bytes(reference_object()), mutate_raw, seed=4, cases=550)
    assert outcomes["error"] > 0 and outcomes["loaded"] > 0


# --- killed writers ------------------------------------------------------------------------------------------
def versioned_payload(version: int) -> dict:
    return {"version": version, "weights": nt.full((256, 256), float(version))}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_kill_during_save_leaves_a_loadable_checkpoint(tmp_path):
    path = tmp_path / "checkpoint.pt"
    nt.save(versioned_payload(0), path)
    rng = random.Random(3)
    interrupted_writes = 0
    for _ in range(25):
        pid = os.fork()
        if pid == 0:  # the writer: saves new versions over the checkpoint until it is killed
            try:
                version = 1
                while True:
                    nt.save(versioned_payload(version), path)
                    version += 1
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        leftovers = [p for p in tmp_path.iterdir() if p.name != path.name]
        interrupted_writes += bool(leftovers)  # a temporary file: killed in the middle of a save
        for leftover in leftovers:
            leftover.unlink()
        loaded = nt.load(path)
        assert loaded["weights"].shape == (256, 256)
        assert np.all(loaded["weights"]._data == loaded["version"])  # one complete version
    assert interrupted_writes > 0
