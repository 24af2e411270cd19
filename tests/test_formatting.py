"""Tensor repr/str against PyTorch's (``torch/_tensor_str.py``), print options, ``__format__``.

Differential tests build the same values in both libraries and compare the printed text byte for
byte; the self-contained tests check outputs printed in the seed notes, which came from PyTorch.
"""

from __future__ import annotations

import itertools
import re

import ml_dtypes
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numtorch
from numtorch import _dtype
from numtorch._device import device
from numtorch._formatting import (
    get_printoptions,
    parameter_repr,
    printoptions,
    set_printoptions,
    tensor_format,
    tensor_repr,
)


def nt(arr, requires_grad=False):
    """A numtorch tensor over ``arr`` (its values, not PyTorch's)."""
    return numtorch.from_numpy(arr).requires_grad_(requires_grad)


class Parameter(numtorch.Tensor):
    """How nn.Parameter prints: its own name is a plain-tensor name, and it adds one line."""

    def __repr__(self):
        return parameter_repr(self)


def on_cuda(arr):
    """A numtorch tensor that reports ``cuda:0``: numtorch has only the CPU yet, PyTorch's seed
    notes print a CUDA tensor, and tensor_repr reads nothing but ``t.device`` to print it."""
    cuda = device("cuda:0")
    tensor_class = type("Tensor", (numtorch.Tensor,), {"device": property(lambda self: cuda)})
    return tensor_class._make(arr)


# --- the oracle --------------------------------------------------------------------------------
def _torch():
    return pytest.importorskip("torch")


def torch_from(arr):
    torch = _torch()
    if arr.dtype == ml_dtypes.bfloat16:  # torch.from_numpy knows no bfloat16; the cast is exact
        return torch.from_numpy(arr.astype(np.float32)).to(torch.bfloat16)
    return torch.from_numpy(arr.copy())


@pytest.fixture(autouse=True)
def _default_printoptions():
    yield
    set_printoptions(profile="default")
    try:
        import torch
    except ImportError:
        return
    torch.set_printoptions(profile="default")


def set_both(**options):
    _torch().set_printoptions(**options)
    set_printoptions(**options)


def assert_same_repr(arr, requires_grad=False):
    expected_tensor = torch_from(arr)
    if requires_grad:
        expected_tensor.requires_grad_(True)
    expected = repr(expected_tensor)
    assert repr(nt(arr, requires_grad=requires_grad)) == expected
    assert str(nt(arr, requires_grad=requires_grad)) == expected
    assert str(expected_tensor) == expected


# --- the grid ----------------------------------------------------------------------------------
SHAPES = [(), (0,), (0, 3), (5,), (2, 3), (2, 3, 4), (1001,), (40, 40), (3, 400), (2, 2, 2, 2)]
DTYPES = [
    np.float32, np.float64, np.float16, ml_dtypes.bfloat16, np.complex64, np.complex128,
    np.int64, np.int32, np.int16, np.int8, np.uint8, np.bool_,
]  # fmt: skip
VALUE_KINDS = ["normal", "tiny", "huge", "mixed", "integral", "nonfinite", "negative"]


def make_values(shape, dtype, kind, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if kind == "tiny":
        x = x * 1e-9
    elif kind == "huge":
        x = x * 1e9
    elif kind == "mixed":
        x = x * 10.0 ** rng.integers(-6, 7, size=shape)
    elif kind == "integral":
        x = np.round(x * 20)
    elif kind == "nonfinite":
        x = np.array(x, copy=True)
        flat = x.reshape(-1)
        flat[::3] = np.nan
        flat[1::4] = np.inf
        flat[2::5] = -np.inf
        flat[3::7] = -0.0
    elif kind == "negative":
        x = -np.abs(x) * 100
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape) * (x if kind != "nonfinite" else 1)
    if np.dtype(dtype).kind in "iub":
        x = np.nan_to_num(x * 30, nan=0, posinf=100, neginf=-100)
        info = np.iinfo(dtype) if np.dtype(dtype).kind != "b" else None
        x = np.clip(x, info.min, info.max) if info else x > 0
    with np.errstate(all="ignore"):
        return np.asarray(x).astype(dtype)


@pytest.mark.oracle
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_repr_matches_torch_over_grid(shape, dtype):
    for kind in VALUE_KINDS:
        arr = make_values(shape, dtype, kind)
        assert_same_repr(arr)
        if np.dtype(dtype).kind in "fcV":
            assert_same_repr(arr, requires_grad=True)


PRINT_OPTIONS = [
    {"precision": 2},
    {"precision": 0},
    {"precision": 10},
    {"threshold": 5},
    {"threshold": 0},
    {"edgeitems": 1},
    {"edgeitems": 0},
    {"edgeitems": 1, "threshold": 3},
    {"linewidth": 30},
    {"linewidth": 200},
    {"linewidth": 1},
    {"sci_mode": True},
    {"sci_mode": False},
    {"sci_mode": True, "precision": 1},
    {"profile": "short"},
    {"profile": "full"},
    {"profile": "full", "linewidth": 60},
]


@pytest.mark.oracle
@pytest.mark.parametrize("options", PRINT_OPTIONS, ids=str)
def test_repr_matches_torch_under_print_options(options):
    set_both(**options)
    for shape, dtype, kind in itertools.product(
        [(), (0, 3), (7,), (2, 3), (4, 5, 6), (1001,), (3, 400)],
        [np.float32, np.float64, np.complex64, np.int64, np.bool_, np.uint8],
        ["normal", "mixed", "integral", "nonfinite"],
    ):
        assert_same_repr(make_values(shape, dtype, kind))
    assert_same_repr(make_values((6,), np.float32, "normal"), requires_grad=True)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "values",
    [
        [-0.0, 1.0],
        [-0.0],
        [0.0, -0.0],
        [np.nan, np.inf, -np.inf],
        [1e8, 1.0],
        [1.0001e8, 1.0],
        [1e-4, 1.0],
        [9.9e-5, 1.0],
        [1000.0, 1.0],
        [1001.0, 1.0],
        [9.99996, 1.5],
        [1e100, 1e-100],
        [-1e-300, 1.0],
        [123456789.0],
        [0.5, np.nan],
        [3.0, np.nan, -np.inf],
    ],
    ids=str,
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16], ids=lambda d: d.__name__)
def test_repr_matches_torch_at_style_boundaries(values, dtype):
    with np.errstate(over="ignore"):
        arr = np.array(values, dtype=dtype)
    assert_same_repr(arr)
    assert_same_repr(arr[:1].reshape(()))


@pytest.mark.oracle
@pytest.mark.parametrize("default", ["float64", "float16", "bfloat16"])
def test_dtype_suffix_follows_default_dtype(default):
    torch = _torch()
    torch.set_default_dtype(getattr(torch, default))
    _dtype.set_default_dtype(getattr(_dtype, default))
    try:
        for dtype in [np.float32, np.float64, np.float16, ml_dtypes.bfloat16, np.complex64]:
            for shape in [(3,), (0,), (2, 0)]:
                assert_same_repr(make_values(shape, dtype, "normal"))
        assert_same_repr(np.zeros(0, dtype=np.complex128))
    finally:
        torch.set_default_dtype(torch.float32)
        _dtype.set_default_dtype(_dtype.float32)


@pytest.mark.oracle
def test_grad_fn_suffix_matches_torch():
    for shape in [(), (2, 2), (30,), (1001,)]:
        arr = make_values(shape, np.float64, "normal")
        assert repr(nt(arr, requires_grad=True) + 2) == repr(torch_from(arr).requires_grad_() + 2)
        assert repr(nt(arr, requires_grad=True).sum()) == repr(
            torch_from(arr).requires_grad_().sum()
        )
        assert repr(nt(arr, requires_grad=True) * 0.5) == repr(
            torch_from(arr).requires_grad_() * 0.5
        )


@pytest.mark.oracle
def test_subclass_and_parameter_reprs_match_torch():
    torch = _torch()

    # The same class names on both sides: the repr prints them.
    their_tensor = type("MyTensor", (torch.Tensor,), {})
    their_param = type("MyParam", (torch.nn.Parameter,), {})
    our_tensor = type("MyTensor", (numtorch.Tensor,), {})
    our_param = type("MyParam", (Parameter,), {})

    arr = make_values((3, 4), np.float32, "normal")
    assert repr(our_tensor._make(arr)) == repr(torch_from(arr).as_subclass(their_tensor))
    assert repr(Parameter._make(arr, True)) == repr(torch.nn.Parameter(torch_from(arr)))
    ours = repr(our_param._make(arr, True))
    assert ours == repr(their_param(torch_from(arr)))
    assert ours.startswith("Parameter containing:\nParameter(MyParam([[")


numeric_dtypes = st.sampled_from(
    [np.float32, np.float64, np.float16, np.complex64, np.complex128, np.int64, np.int8, np.bool_]
)


@st.composite
def arrays_and_options(draw):
    dtype = np.dtype(draw(numeric_dtypes))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=7))
    arr = draw(hnp.arrays(dtype, shape, elements=hnp.from_dtype(dtype)))
    options = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "precision": st.integers(0, 8),
                "threshold": st.integers(0, 400),
                "edgeitems": st.integers(0, 4),
                "linewidth": st.integers(1, 120),
                "sci_mode": st.booleans(),
            },
        )
    )
    return arr, options


@pytest.mark.oracle
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arrays_and_options(), st.booleans())
def test_repr_matches_torch_on_generated_arrays(arr_and_options, requires_grad):
    arr, options = arr_and_options
    set_both(profile="default", **options)
    assert_same_repr(arr, requires_grad=requires_grad and arr.dtype.kind in "fc")


@pytest.mark.oracle
def test_printoptions_api_matches_torch():
    torch = _torch()
    assert get_printoptions() == torch._tensor_str.get_printoptions()
    for options in PRINT_OPTIONS + [{"profile": "nonsense"}, {"threshold": 10}]:
        set_both(**options)
        assert get_printoptions() == torch._tensor_str.get_printoptions()
    with printoptions(precision=1), torch._tensor_str.printoptions(precision=1):
        assert get_printoptions() == torch._tensor_str.get_printoptions()
    assert get_printoptions() == torch._tensor_str.get_printoptions()


@pytest.mark.oracle
def test_format_matches_torch():
    torch = _torch()
    for arr in [np.array(1.5, np.float32), np.array(7, np.int64), np.array(True), np.array(1 + 2j)]:
        for spec in ["", ">7f", ">10", "^12"]:
            assert tensor_format(nt(arr), spec) == format(torch_from(arr), spec)
    one = np.array([1.5], np.float32)
    assert tensor_format(nt(one), "") == format(torch_from(one), "")
    with pytest.raises(TypeError) as theirs:
        format(torch_from(one), ">7f")
    with pytest.raises(TypeError, match=f"^{re.escape(str(theirs.value))}$"):
        tensor_format(nt(one), ">7f")
    zero_dim_param = np.array(2.5, np.float32)
    with pytest.raises(TypeError) as theirs:
        format(torch.nn.Parameter(torch_from(zero_dim_param)), ">7f")
    with pytest.raises(TypeError, match=f"^{re.escape(str(theirs.value))}$"):
        tensor_format(Parameter._make(zero_dim_param, True), ">7f")


# --- self-contained: outputs printed in the seed notes -------------------------------------------
def test_seed_outputs():
    assert repr(nt(np.ones(5, np.float32))) == "tensor([1., 1., 1., 1., 1.])"
    assert repr(nt(np.full(5, 2.0, np.float32))) == "tensor([2., 2., 2., 2., 2.])"
    assert (
        repr(nt(np.full(5, 2.0, np.float64))) == "tensor([2., 2., 2., 2., 2.], dtype=torch.float64)"
    )
    assert repr(nt(np.array([0.0445479191839695], np.float32))) == "tensor([0.0445])"
    assert repr(on_cuda(np.array([1.0445], np.float32))) == "tensor([1.0445], device='cuda:0')"
    assert repr(nt(np.array([1.0445], np.float64))) == "tensor([1.0445], dtype=torch.float64)"
    assert repr(nt(np.ones((4, 2), np.float32))) == (
        "tensor([[1., 1.],\n        [1., 1.],\n        [1., 1.],\n        [1., 1.]])"
    )
    assert repr(nt(np.full((2, 2), 4.5, np.float32))) == (
        "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])"
    )
    first = np.eye(5, dtype=np.float32) * 2 + 2
    assert repr(nt(first)) == (
        "tensor([[4., 2., 2., 2., 2.],\n"
        "        [2., 4., 2., 2., 2.],\n"
        "        [2., 2., 4., 2., 2.],\n"
        "        [2., 2., 2., 4., 2.],\n"
        "        [2., 2., 2., 2., 4.]])"
    )
    assert repr(nt(first * 2)).startswith("tensor([[8., 4., 4., 4., 4.],\n        [4., 8.,")


def test_docstring_examples_of_set_printoptions():
    # The examples in PyTorch's own set_printoptions docstring.
    set_printoptions(precision=2)
    assert repr(nt(np.array([1.12345], np.float32))) == "tensor([1.12])"
    set_printoptions(threshold=5)
    assert repr(nt(np.arange(10))) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    set_printoptions(profile="default")
    assert repr(nt(np.array([1.12345], np.float32))) == "tensor([1.1235])"
    assert repr(nt(np.arange(10))) == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"


def test_suffixes_and_empty_tensors():
    assert repr(nt(np.zeros((0, 3), np.float32))) == "tensor([], size=(0, 3))"
    assert repr(nt(np.zeros(0, np.int64))) == "tensor([], dtype=torch.int64)"
    ones = np.ones((2, 2), np.float32)
    assert repr(nt(ones, requires_grad=True)) == (
        "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)"
    )
    assert repr(nt(ones, requires_grad=True) + 2) == (
        "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)"
    )
    assert repr(nt(np.array([True, False]))) == "tensor([ True, False])"
    assert repr(nt(np.array([-0.0, 1.0], np.float32))) == "tensor([-0., 1.])"


def test_tensor_contents_replaces_values():
    arr = np.ones(3, np.float64)
    assert tensor_repr(nt(arr), tensor_contents="[...]") == "tensor([...], dtype=torch.float64)"


def test_parameter_repr():
    param = Parameter._make(np.zeros(2, np.float32), requires_grad=True)
    assert repr(param) == "Parameter containing:\ntensor([0., 0.], requires_grad=True)"


def test_printing_a_large_tensor_formats_only_what_is_shown(monkeypatch):
    from numtorch import _formatting

    calls = []
    original = _formatting._Formatter.format
    monkeypatch.setattr(
        _formatting._Formatter, "format", lambda self, v: calls.append(v) or original(self, v)
    )
    arr = np.random.default_rng(0).random((1000, 1000), dtype=np.float32)
    text = repr(nt(arr))
    assert len(calls) == 36  # the 6x6 corners, not a million values
    assert text.count("\n") == 6 and "...," in text
