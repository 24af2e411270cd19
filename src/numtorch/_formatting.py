"""``repr``/``str`` of tensors, byte-identical to PyTorch's, and the print options behind them.

Follows ``torch/_tensor_str.py`` (PyTorch 2.x): ``_Formatter`` picks one of three number styles
for the whole tensor (integer-valued floats as ``1.``, fixed ``1.0000``, scientific ``1.0000e+00``)
and one column width; ``_tensor_str`` lays the elements out row by row, wrapping 1-D runs at
``linewidth`` and eliding the middle of every dimension with ``...`` once the tensor has more than
``threshold`` elements; ``_str_intern`` adds the ``dtype=``, ``size=``, ``device=``,
``grad_fn=``/``requires_grad=`` suffixes.

Unlike PyTorch, which walks 0-dim tensors one by one, the style and width are worked out with
vectorised NumPy over the values that will be shown (the corners of a summarised tensor), and only
those values are ever turned into strings, so printing a 1000x1000 tensor costs a few dozen
``format`` calls.

Entry points: ``tensor_repr`` (``Tensor.__repr__``/``__str__``), ``parameter_repr``
(``Parameter.__repr__``), ``tensor_format`` (``Tensor.__format__``), and ``set_printoptions``,
``get_printoptions``, ``printoptions``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._dtype import bool_, default_complex_dtype, get_default_dtype, int64

__all__ = [
    "set_printoptions",
    "get_printoptions",
    "printoptions",
    "tensor_repr",
    "parameter_repr",
    "tensor_format",
]


@dataclasses.dataclass
class _PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrinterOptions()

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """``torch.set_printoptions``: a ``profile`` ("default", "short", "full") first, then overrides.

    As in PyTorch, an unknown profile name is ignored, and ``sci_mode`` is always assigned, so any
    call without ``sci_mode`` switches back to choosing the notation automatically.
    """
    if profile is not None:
        for name, value in _PROFILES.get(profile, {}).items():
            setattr(PRINT_OPTS, name, value)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """``torch._tensor_str.get_printoptions``: the options as ``set_printoptions`` keywords."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """``torch._tensor_str.printoptions``: set print options for the length of a ``with`` block."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


class _Formatter:
    """One number style and column width for every element of a (real) tensor.

    ``values`` are the elements that will be shown. PyTorch measures every nonzero finite value;
    the widest strings always come from the extremes (the largest and smallest magnitude of each
    sign), because rounding is monotonic and a value's length grows with its magnitude, except for
    the exponent of the scientific style, which grows towards both ends. So only those four
    values are measured.
    """

    __slots__ = ("floating", "int_mode", "sci_mode", "max_width", "precision")

    def __init__(self, values: np.ndarray, floating: bool):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        self.precision = PRINT_OPTS.precision
        if values.size == 0:
            return
        if not floating:
            if values.dtype == np.bool_:
                widest = max(len(str(v)) for v in np.unique(values).tolist())
            else:
                widest = max(len(str(values.min())), len(str(values.max())))
            self.max_width = max(1, widest)
            return

        # Measured in float64, as PyTorch does ("HalfTensor overflows with 1e8").
        values = values.astype(np.float64, copy=False).ravel()
        nonzero_finite = values[np.isfinite(values) & (values != 0)]
        if nonzero_finite.size == 0:
            return
        magnitudes = np.abs(nonzero_finite)
        # Python floats: their division overflows to inf quietly, as PyTorch's does.
        smallest, largest = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(nonzero_finite == np.ceil(nonzero_finite)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = bool(
                largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
            )
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        extremes = []
        for same_sign in (nonzero_finite[nonzero_finite > 0], nonzero_finite[nonzero_finite < 0]):
            if same_sign.size:
                extremes += [float(same_sign.min()), float(same_sign.max())]
        if self.sci_mode:
            lengths = [len(f"{v:.{self.precision}e}") for v in extremes]
        elif self.int_mode:
            # The trailing "." marks integer-valued floats as floats.
            lengths = [len(f"{v:.0f}") + 1 for v in extremes]
        else:
            lengths = [len(f"{v:.{self.precision}f}") for v in extremes]
        self.max_width = max(self.max_width, *lengths)

    def width(self) -> int:
        return self.max_width

    def format(self, value: float | int | bool) -> str:
        if self.floating:
            if self.sci_mode:
                text = f"{value:{self.max_width}.{self.precision}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if math.isfinite(value):
                    text += "."
            else:
                text = f"{value:.{self.precision}f}"
        else:
            text = f"{value}"
        return text.rjust(self.max_width)


def _complex_element(real_text: str, imag_text: str) -> str:
    """``1.+2.j``: the imaginary part's own sign (or a ``+``) joins the two parts."""
    imag_text = (imag_text + "j").lstrip()
    if imag_text[0] in "+-":
        return real_text + imag_text
    return real_text + "+" + imag_text


def _summarized_data(data: np.ndarray, summarize: bool) -> tuple[np.ndarray, tuple[bool, ...]]:
    """The corner of ``data`` that is shown, and for each dimension whether its middle is elided.

    PyTorch's ``get_summarized_data``: every dimension longer than ``2 * edgeitems`` keeps its
    first and last ``edgeitems`` entries.
    """
    edge = PRINT_OPTS.edgeitems
    if not summarize:
        return data, (False,) * data.ndim
    elided = tuple(size > 2 * edge for size in data.shape)
    if not any(elided):
        return data, elided
    index = [
        np.r_[0:edge, size - edge : size] if cut else np.arange(size)
        for size, cut in zip(data.shape, elided, strict=True)
    ]
    return data[np.ix_(*index)], elided


def _element_strings(
    shown: np.ndarray, is_floating: bool, is_complex: bool
) -> tuple[np.ndarray, int]:
    """Every shown element as text (a nested list shaped like ``shown``) and the element width.

    The width counts the ``", "`` separator, as PyTorch's ``_vector_str`` does.
    """
    if is_complex:
        real, imag = _Formatter(shown.real, True), _Formatter(shown.imag, True)
        texts = [
            _complex_element(real.format(re), imag.format(im))
            for re, im in zip(shown.real.ravel().tolist(), shown.imag.ravel().tolist(), strict=True)
        ]
        element_width = real.width() + 2 + imag.width() + 1
    else:
        formatter = _Formatter(shown, is_floating)
        values = shown.astype(np.float64) if is_floating else shown
        texts = [formatter.format(v) for v in values.ravel().tolist()]
        element_width = formatter.width() + 2
    return np.array(texts, dtype=object).reshape(shown.shape), element_width


def _vector_str(texts: np.ndarray, elided: bool, indent: int, element_width: int) -> str:
    edge = PRINT_OPTS.edgeitems
    items = texts.tolist()
    if elided:
        items = items[:edge] + [" ..."] + items[edge:]
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_width))
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(
    texts: np.ndarray, elided: tuple[bool, ...], indent: int, element_width: int
) -> str:
    if texts.ndim == 1:
        return _vector_str(texts, elided[0], indent, element_width)
    rows = [_nested_str(row, elided[1:], indent + 1, element_width) for row in texts]
    if elided[0]:
        edge = PRINT_OPTS.edgeitems
        rows = rows[:edge] + ["..."] + rows[edge:]
    separator = "," + "\n" * (texts.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(rows) + "]"


def _tensor_str(data: np.ndarray, is_floating: bool, is_complex: bool, indent: int) -> str:
    """The bracketed contents of a non-empty tensor, ``indent`` columns from the left margin."""
    summarize = data.size > PRINT_OPTS.threshold
    if summarize and not PRINT_OPTS.edgeitems and data.ndim:
        return "[...]"
    shown, elided = _summarized_data(data, summarize)
    texts, element_width = _element_strings(shown, is_floating, is_complex)
    if data.ndim == 0:
        return texts[()]
    return _nested_str(texts, elided, indent, element_width)


def _add_suffixes(tensor_str: str, suffixes: list[str], indent: int) -> str:
    """Append ``, suffix`` items, each on a new line where it would pass ``linewidth``."""
    parts = [tensor_str]
    # PyTorch's own arithmetic, two more than the last line's length when it has no newline.
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


# The classes printed as ``tensor(...)``; a subclass prints its own name, as in PyTorch. Compared by
# name so that this module needs neither the Tensor class nor nn.
_PLAIN_TENSOR_CLASSES = ("Tensor", "Parameter")


def tensor_repr(t: Any, *, tensor_contents: str | None = None) -> str:
    """``repr(t)``/``str(t)`` exactly as PyTorch prints it (``torch._tensor_str._str``).

    Reads only ``t._data``, ``t.dtype``, ``t.device``, ``t.requires_grad`` and ``t.grad_fn``.
    ``tensor_contents`` replaces the bracketed values, as PyTorch's keyword does.
    """
    cls_name = type(t).__name__
    is_plain = cls_name in _PLAIN_TENSOR_CLASSES
    prefix = "tensor(" if is_plain else cls_name + "("
    indent = len(prefix)
    data = t._data
    dtype = t.dtype
    suffixes = []

    # NOTE [Print tensor device]: only a device other than the default one is printed.
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")

    default_dtype = get_default_dtype()
    if data.size == 0:
        # NumPy prints an empty array's shape unless it is (0,); an empty tensor has no values to
        # show its dtype by, so every dtype but the default float one is spelled out, int64 too.
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if dtype is not default_dtype:
            suffixes.append(f"dtype={dtype}")
        tensor_str = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(data.shape)}")
        if dtype not in (default_dtype, default_complex_dtype(), int64, bool_):
            suffixes.append(f"dtype={dtype}")
        if tensor_contents is None:
            tensor_str = _tensor_str(data, dtype.is_floating_point, dtype.is_complex, indent)
    if tensor_contents is not None:
        tensor_str = tensor_contents

    grad_fn = t.grad_fn
    if grad_fn is not None:
        # PyTorch prints the class name: C++ nodes drop their namespace (torch::autograd::CopySlices)
        suffixes.append(f"grad_fn=<{grad_fn.name().rsplit('::', 1)[-1]}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")

    text = _add_suffixes(prefix + tensor_str, suffixes, indent)
    if not is_plain and any(c.__name__ == "Parameter" for c in type(t).__mro__):
        text = f"Parameter({text})"
    return text


def parameter_repr(param: Any) -> str:
    """``repr(nn.Parameter)``: the tensor's repr under a ``Parameter containing:`` line."""
    return "Parameter containing:\n" + tensor_repr(param)


def tensor_format(t: Any, format_spec: str) -> str:
    """``Tensor.__format__``: a plain 0-dim tensor formats as its Python number.

    Anything else goes to ``object.__format__``, which gives ``str(t)`` for an empty spec and
    PyTorch's ``TypeError: unsupported format string passed to Tensor.__format__`` otherwise.
    """
    if t._data.ndim == 0 and type(t).__name__ == "Tensor":
        return format(t._data.item(), format_spec)
    return object.__format__(t, format_spec)
