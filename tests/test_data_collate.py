"""default_collate / default_convert: differential against PyTorch (values, dtypes, container
structure, error types and messages), plus self-contained checks that run without torch."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import numtorch
from data_harness import plain
from numtorch.utils.data import default_collate, default_convert
from numtorch.utils.data.dataloader import default_collate as seed_import_collate

Point = collections.namedtuple("Point", ["x", "y"])


# Each case builds its batch from a framework module T, so both sides get their own tensors.
COLLATE_CASES = {
    "ints": lambda T: [1, 2, 3],
    "floats are float64": lambda T: [1.0, 2.5],
    "bools": lambda T: [True, False],
    "int then float": lambda T: [1, 2.5],
    "float then int": lambda T: [1.5, 2],
    "big ints": lambda T: [2**62, -(2**62)],
    "strings": lambda T: ["a", "bc"],
    "bytes": lambda T: [b"a", b"bc"],
    "numpy str scalars": lambda T: [np.str_("x"), np.str_("y")],
    "float tensors": lambda T: [T.arange(6.0).reshape(2, 3), T.arange(6.0, 12.0).reshape(2, 3)],
    "int tensors": lambda T: [T.arange(3), T.arange(3, 6)],
    "bool tensors": lambda T: [T.tensor([True, False]), T.tensor([False, False])],
    "0-dim tensors": lambda T: [T.tensor(1.5), T.tensor(2.5)],
    "mixed dtype tensors": lambda T: [T.zeros(2, dtype=T.int32), T.ones(2)],
    "float64 tensors": lambda T: [T.ones(2, dtype=T.float64), T.zeros(2, dtype=T.float64)],
    "non-contiguous tensors": lambda T: [T.arange(6.0).reshape(2, 3).t(), T.ones(3, 2)],
    "numpy float32 arrays": lambda T: [np.ones((2, 2), np.float32), np.zeros((2, 2), np.float32)],
    "numpy uint8 arrays": lambda T: [np.arange(4, dtype=np.uint8), np.arange(4, 8, dtype=np.uint8)],
    "numpy float64 arrays": lambda T: [np.linspace(0, 1, 3), np.linspace(1, 2, 3)],
    "numpy bool arrays": lambda T: [np.array([True, False]), np.array([False, True])],
    "numpy mixed arrays": lambda T: [np.ones(2, np.int32), np.ones(2, np.float32)],
    "numpy float32 scalars": lambda T: [np.float32(1), np.float32(2.5)],
    "numpy float64 scalars": lambda T: [np.float64(1), np.float64(2.5)],
    "numpy int32 scalars": lambda T: [np.int32(1), np.int32(2)],
    "numpy int32 + float32 scalars": lambda T: [np.int32(1), np.float32(2.5)],
    "numpy int8 + int64 scalars": lambda T: [np.int8(3), np.int64(4)],
    "numpy int32 scalar + int": lambda T: [np.int32(1), 2],
    "numpy float16 scalar + float": lambda T: [np.float16(1), 2.0],
    "numpy float64 scalar + int": lambda T: [np.float64(1), 2],
    "numpy bool scalars": lambda T: [np.bool_(True), np.bool_(False)],
    "numpy uint8 scalars": lambda T: [np.uint8(3), np.uint8(200)],
    "(tensor, int) samples": lambda T: [(T.ones(1, 2, 2), 3), (T.zeros(1, 2, 2), 7)],
    "(tensor, tensor) samples": lambda T: [(T.ones(3), T.tensor(1)), (T.zeros(3), T.tensor(0))],
    "list samples": lambda T: [[1, 2.0, "a"], [3, 4.0, "b"]],
    "dict samples": lambda T: [{"x": T.ones(2), "y": 1}, {"x": T.zeros(2), "y": 2}],
    "OrderedDict samples": lambda T: [
        collections.OrderedDict(b=1, a=2.0),
        collections.OrderedDict(b=3, a=4.0),
    ],
    "namedtuple samples": lambda T: [Point(1, T.ones(2)), Point(2, T.zeros(2))],
    "nested": lambda T: [
        {"img": (T.ones(2), np.zeros(2)), "meta": {"id": 1, "name": "a", "p": [0.5, 1]}},
        {"img": (T.zeros(2), np.ones(2)), "meta": {"id": 2, "name": "b", "p": [1.5, 2]}},
    ],
    "single sample": lambda T: [(T.arange(4), 9)],
}

CONVERT_CASES = {
    "numpy array": lambda T: np.arange(4, dtype=np.int16),
    "numpy str array": lambda T: np.array(["a", "b"]),
    "numpy scalar": lambda T: np.float64(2.5),
    "numpy str scalar": lambda T: np.str_("s"),
    "tensor": lambda T: T.ones(2),
    "int": lambda T: 3,
    "string": lambda T: "abc",
    "tuple": lambda T: (np.ones(2), 1, "a"),
    "namedtuple": lambda T: Point(np.ones(2), 2),
    "dict": lambda T: {"a": np.zeros(2), "b": [np.int64(3), "x"]},
    "list": lambda T: [np.ones(1), (np.zeros(1),)],
}


@pytest.mark.parametrize("name", list(COLLATE_CASES))
def test_default_collate_matches_torch(torch, name):
    from torch.utils.data import default_collate as torch_collate

    expected = plain(torch_collate(COLLATE_CASES[name](torch)))
    assert plain(default_collate(COLLATE_CASES[name](numtorch))) == expected


@pytest.mark.parametrize("name", list(CONVERT_CASES))
def test_default_convert_matches_torch(torch, name):
    from torch.utils.data import default_convert as torch_convert

    expected = plain(torch_convert(CONVERT_CASES[name](torch)))
    assert plain(default_convert(CONVERT_CASES[name](numtorch))) == expected


ERROR_CASES = {
    "object": lambda T: [object(), object()],
    "None": lambda T: [None, None],
    "numpy str arrays": lambda T: [np.array(["a"]), np.array(["b"])],
    "numpy object arrays": lambda T: [np.array([1], dtype=object), np.array([2], dtype=object)],
    "datetime64": lambda T: [np.datetime64("2020"), np.datetime64("2021")],
    "unequal lists": lambda T: [[1, 2], [3]],
    "unequal tensors": lambda T: [T.zeros(2), T.zeros(3)],
    "unequal numpy arrays": lambda T: [np.zeros(2), np.zeros(3)],
    "int overflow": lambda T: [2**63, 1],
}
# numtorch.tensor (the Tensor core, not this package) does not range-check Python ints yet.
_CORE_GAPS: dict[str, str] = {}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=_CORE_GAPS[n], strict=True))
        if n in _CORE_GAPS
        else n
        for n in ERROR_CASES
    ],
)
def test_default_collate_errors_match_torch(torch, name):
    from torch.utils.data import default_collate as torch_collate

    with pytest.raises(Exception) as expected:
        torch_collate(ERROR_CASES[name](torch))
    with pytest.raises(expected.type) as got:
        default_collate(ERROR_CASES[name](numtorch))
    # Object reprs carry addresses; compare the message up to the first one.
    assert str(got.value).split(" at 0x")[0] == str(expected.value).split(" at 0x")[0]


def test_seed_import_path_is_the_same_function():
    assert seed_import_collate is default_collate


def test_collated_tensors_are_copies():
    samples = [numtorch.ones(2), numtorch.zeros(2)]
    batch = default_collate(samples)
    batch[0, 0] = 5.0
    assert samples[0].tolist() == [1.0, 1.0]


def test_default_convert_shares_numpy_memory():
    array = np.zeros(3, dtype=np.float32)
    converted = default_convert(array)
    converted[0] = 7.0
    assert array[0] == 7.0


def test_collate_keeps_autograd_graph(torch):
    a = numtorch.ones(2, requires_grad=True)
    b = numtorch.zeros(2, requires_grad=True)
    out = default_collate([a, b])
    ta, tb = torch.ones(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    expected = torch.utils.data.default_collate([ta, tb])
    assert out.requires_grad and type(out.grad_fn).__name__ == type(expected.grad_fn).__name__
    (out * numtorch.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    assert a.grad.tolist() == [1.0, 2.0] and b.grad.tolist() == [3.0, 4.0]


def test_collate_under_no_grad_records_nothing():
    a = numtorch.ones(2, requires_grad=True)
    with numtorch.no_grad():
        out = default_collate([a, a])
    assert not out.requires_grad and out.grad_fn is None


def test_collate_fn_map_is_extensible():
    from numtorch.utils.data._utils.collate import collate, default_collate_fn_map

    class Box:
        def __init__(self, v):
            self.v = v

    def collate_box(batch, *, collate_fn_map=None):
        return [b.v for b in batch]

    custom = {**default_collate_fn_map, Box: collate_box}
    out = collate([(Box(1), 2), (Box(3), 4)], collate_fn_map=custom)
    assert out[0] == [1, 3] and out[1].tolist() == [2, 4]


def test_large_image_batch_is_one_stack():
    """The seed's shape: 64 single-channel 28x28 float32 images and int labels."""
    images = [numtorch.rand(1, 28, 28) for _ in range(64)]
    X, y = default_collate([(img, i % 10) for i, img in enumerate(images)])
    assert X.shape == (64, 1, 28, 28) and X.dtype is numtorch.float32
    assert y.dtype is numtorch.int64 and y.tolist() == [i % 10 for i in range(64)]
    np.testing.assert_array_equal(X.numpy()[5], images[5].numpy())
