"""Recurrent cells: ``rnn_tanh_cell rnn_relu_cell lstm_cell gru_cell`` and their fused pointwise cores.

Follows ``aten/src/ATen/native/RNN.cpp`` (the cell equations and the input checks of
``check_rnn_cell_forward_input``/``_hidden``). ``nn.RNN/LSTM/GRU`` (``nn/modules/rnn.py``) run these
cells over time.

NOTE [ Fused recurrent cells ]
A time step is two matrix products (input and hidden projections) and a handful of pointwise ops.
The products are ordinary ``linear`` nodes (the input projection of a whole sequence is a single
one); the pointwise part is one node here (``_lstm_pointwise``/``_gru_pointwise``) that keeps its
activations and differentiates them in closed form, instead of ~10 graph nodes per step. When the
backward pass itself is recorded (``create_graph=True``) the same closed form runs on tensors
recomputed from the saved inputs, so higher-order gradients stay correct.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.graph import Node
from ._base import finish, needs_grad
from .nn_ops import linear
from .shape import cat

__all__ = ["rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell"]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # 1 / (1 + e^-x) without overflow warnings for large |x|: tanh form.
    return 0.5 * np.tanh(0.5 * x) + 0.5


# --- LSTM ----------------------------------------------------------------------------------------------
def _lstm_grads(i, f, g, o, tanh_c, c_prev, grad_h, grad_c, concat):
    """Closed-form gradients of the LSTM pointwise part; works on arrays and on tensors."""
    dc = grad_c
    if grad_h is not None:
        through_h = grad_h * o * (1 - tanh_c * tanh_c)
        dc = through_h if dc is None else dc + through_h
        do = grad_h * tanh_c * o * (1 - o)
    else:
        do = 0 * o
    if dc is None:
        dc = 0 * c_prev
    di = dc * g * i * (1 - i)
    df = dc * c_prev * f * (1 - f)
    dg = dc * i * (1 - g * g)
    gates = concat([di, df, dg, do])
    return gates, gates, dc * f


class LstmPointwiseBackward(Node):
    """Backward of ``_lstm_pointwise`` (NOTE [ Fused recurrent cells ])."""

    n_outputs = 2

    def backward(self, grad_h, grad_c):
        if grad_mode.enabled:  # recorded backward: recompute the activations as tensors
            x_gates, h_gates, c_prev = self.saved_tensors
            i, f, g, o = (x_gates + h_gates).chunk(4, 1)
            i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
            tanh_c = (f * c_prev + i * g).tanh()
            return _lstm_grads(i, f, g, o, tanh_c, c_prev, grad_h, grad_c, lambda t: cat(t, 1))
        _, _, c_prev = self.saved_tensors
        gates, _, grad_c_prev = _lstm_grads(
            *self.acts, c_prev._data,
            None if grad_h is None else grad_h._data,
            None if grad_c is None else grad_c._data,
            lambda a: np.concatenate(a, 1),
        )  # fmt: skip
        gates = Tensor._make(gates)  # one tensor for both inputs: the engine knows it is shared
        return gates, gates, Tensor._make(grad_c_prev)

    def release(self) -> None:
        super().release()
        self.acts = None


def _lstm_pointwise(x_gates: Tensor, h_gates: Tensor, c_prev: Tensor) -> tuple[Tensor, Tensor]:
    """(h, c) from the gate pre-activations (N, 4H) of input and hidden, and the previous cell."""
    gates = x_gates._data + h_gates._data
    i, f, g, o = np.split(gates, 4, axis=1)
    i, f, g, o = _sigmoid(i), _sigmoid(f), np.tanh(g), _sigmoid(o)
    c = f * c_prev._data + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    if not needs_grad(x_gates, h_gates, c_prev):
        return Tensor._make(h), Tensor._make(c)
    h_t = finish(LstmPointwiseBackward, h, (x_gates, h_gates, c_prev),
                 save=(x_gates, h_gates, c_prev), acts=(i, f, g, o, tanh_c))  # fmt: skip
    c_t = Tensor._make(c)
    node = h_t.grad_fn
    node.n_outputs = 2
    c_t.grad_fn, c_t._output_nr, c_t._requires_grad = node, 1, True
    return h_t, c_t


# --- GRU -----------------------------------------------------------------------------------------------
def _gru_grads(r, z, n, h_n, h_prev, grad, concat):
    """Closed-form gradients of the GRU pointwise part; works on arrays and on tensors."""
    dn = grad * (1 - z) * (1 - n * n)
    dr = dn * h_n * r * (1 - r)
    dz = grad * (h_prev - n) * z * (1 - z)
    return concat([dr, dz, dn]), concat([dr, dz, dn * r]), grad * z


class GruPointwiseBackward(Node):
    """Backward of ``_gru_pointwise`` (NOTE [ Fused recurrent cells ])."""

    def backward(self, grad):
        x_gates, h_gates, h_prev = self.saved_tensors
        if grad_mode.enabled:
            xr, xz, xn = x_gates.chunk(3, 1)
            hr, hz, hn = h_gates.chunk(3, 1)
            r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
            n = (xn + r * hn).tanh()
            return _gru_grads(r, z, n, hn, h_prev, grad, lambda t: cat(t, 1))
        r, z, n, hn = self.acts
        grads = _gru_grads(r, z, n, hn, h_prev._data, grad._data, lambda a: np.concatenate(a, 1))
        return tuple(Tensor._make(a) for a in grads)

    def release(self) -> None:
        super().release()
        self.acts = None


def _gru_pointwise(x_gates: Tensor, h_gates: Tensor, h_prev: Tensor) -> Tensor:
    """h' from the gate pre-activations (N, 3H) of input and hidden (biases included) and h."""
    xr, xz, xn = np.split(x_gates._data, 3, axis=1)
    hr, hz, hn = np.split(h_gates._data, 3, axis=1)
    r = _sigmoid(xr + hr)
    z = _sigmoid(xz + hz)
    n = np.tanh(xn + r * hn)
    h = n + z * (h_prev._data - n)
    return finish(GruPointwiseBackward, h, (x_gates, h_gates, h_prev),
                  save=(x_gates, h_gates, h_prev), acts=(r, z, n, hn))  # fmt: skip


# --- the cells -----------------------------------------------------------------------------------------
def _check_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, label: str = "0") -> None:
    """``check_rnn_cell_forward_input`` and ``check_rnn_cell_forward_hidden`` (RNN.cpp)."""
    if input.shape[1] != w_ih.shape[1]:
        raise RuntimeError(
            f"input has inconsistent input_size: got {input.shape[1]} expected {w_ih.shape[1]}"
        )
    if input.shape[0] != hx.shape[0]:
        raise RuntimeError(
            f"Input batch size {input.shape[0]} doesn't match hidden{label} batch size "
            f"{hx.shape[0]}"
        )
    if hx.shape[1] != w_hh.shape[1]:
        raise RuntimeError(
            f"hidden{label} has inconsistent hidden_size: got {hx.shape[1]}, expected "
            f"{w_hh.shape[1]}"
        )


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None) -> Tensor:
    """``torch.rnn_tanh_cell``: tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)."""
    _check_cell(input, hx, w_ih, w_hh)
    return (linear(input, w_ih, b_ih) + linear(hx, w_hh, b_hh)).tanh()


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None) -> Tensor:
    """``torch.rnn_relu_cell``: relu(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)."""
    _check_cell(input, hx, w_ih, w_hh)
    return (linear(input, w_ih, b_ih) + linear(hx, w_hh, b_hh)).relu()


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None) -> tuple[Tensor, Tensor]:
    """``torch.lstm_cell``: gates i, f, g, o; c' = f c + i g; h' = o tanh(c')."""
    h, c = hx
    _check_cell(input, h, w_ih, w_hh, "0")
    _check_cell(input, c, w_ih, w_hh, "1")
    return _lstm_pointwise(linear(input, w_ih, b_ih), linear(h, w_hh, b_hh), c)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None) -> Tensor:
    """``torch.gru_cell``: r, z gates; n = tanh(x_n + r (h W_hn + b_hn)); h' = (1-z) n + z h."""
    _check_cell(input, hx, w_ih, w_hh)
    return _gru_pointwise(linear(input, w_ih, b_ih), linear(hx, w_hh, b_hh), hx)
