"""``torch.optim.Optimizer``: the base class every optimizer builds on (``torch/optim/optimizer.py``).

An optimizer holds ``param_groups`` (a list of dicts: ``params`` plus that group's options, the
missing ones filled in from ``defaults``) and ``state`` (a dict keyed by the parameter tensor itself).
``state_dict()`` replaces tensors by their index in group order, in PyTorch's exact layout, so a
checkpoint written by one framework loads into the other.

NOTE [ Updates on the arrays ]
The algorithms (``sgd.py``, ``adam.py``, ...) follow PyTorch's single-tensor ("for-loop")
implementation operation by operation, in the same order and at the parameter's precision, but run
on the NumPy arrays behind the tensors: in-place ufuncs with ``out=`` write into ``p._data`` and the
state arrays, so no graph is recorded and nothing is allocated beyond the temporaries the formula
needs. Python-float hyper-parameters combined with a float32 array are rounded to float32 first
(NumPy's NEP 50), exactly as PyTorch casts a scalar operand to the tensor's dtype. PyTorch's CPU
kernels fuse ``a + alpha * b`` into one FMA and its ``sqrt`` is not always correctly rounded, so the
results agree with PyTorch to float32 rounding, not bit for bit (float16/bfloat16 parameters are
computed at their own precision, where PyTorch computes in float32 and rounds once). Each
parameter's version counter is bumped once per in-place write PyTorch makes to it (state tensors,
which no graph saves, are not). ``foreach``/``fused`` are accepted and stored (PyTorch's CPU default
is the for-loop version anyway); ``capturable`` is stored and ignored.

What every algorithm's ``step`` shares lives here, so that each algorithm's file shows only its own
state and update: ``_evaluate_closure`` (the closure under grad mode), ``_params_with_grads`` (the
parameters a step updates, for ``_init_group`` to collect their state), ``_upgrade_scalar_state``
(old checkpoints' Python-number ``step``) and ``_maximize_and_weight_decay`` (the gradient every
update starts from).
"""

from __future__ import annotations

import functools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from itertools import chain
from typing import Any

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd import grad_mode
from ..nn.modules.module import RemovableHandle, _add_hook, _typename, _zero_grads

__all__ = [
    "Optimizer",
    "register_optimizer_step_pre_hook",
    "register_optimizer_step_post_hook",
]

StateDict = dict[str, Any]

_global_optimizer_pre_hooks: dict[int, Callable] = OrderedDict()
_global_optimizer_post_hooks: dict[int, Callable] = OrderedDict()


class _RequiredParameter:
    """Marks an option that every parameter group must give (``torch.optim.optimizer.required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _use_grad_for_differentiable(func: Callable) -> Callable:
    """Run ``step`` with grad mode set to the optimizer's ``differentiable`` flag (off by default)."""

    @functools.wraps(func)
    def _use_grad(self, *args, **kwargs):
        previous = grad_mode.enabled
        grad_mode.enabled = bool(self.defaults["differentiable"])
        try:
            return func(self, *args, **kwargs)
        finally:
            grad_mode.enabled = previous

    return _use_grad


def _evaluate_closure(closure: Callable[[], float] | None) -> float | None:
    """The loss ``closure()`` returns, computed with grad enabled (``step`` itself runs without
    grad); ``None`` when there is no closure. Every ``step`` starts with this."""
    if closure is None:
        return None
    with grad_mode.enable_grad():
        return closure()


def _check_adam_hyperparameters(lr, betas, eps: float, weight_decay: float) -> None:
    """The range checks every Adam-family constructor makes, with PyTorch's messages."""
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _check_not_differentiable(differentiable: bool) -> None:
    # The built-in algorithms update the NumPy arrays directly (NOTE [ Updates on the arrays ]), so
    # they cannot record the update in the autograd graph as PyTorch's differentiable=True does.
    if differentiable:
        raise NotImplementedError(
            "numtorch optimizers update parameters outside the autograd graph; "
            "differentiable=True is not supported"
        )


def _get_scalar_dtype(is_fused: bool | None = None) -> np.dtype:
    """The dtype of scalar state such as ``step``: float32, or float64 under a float64 default."""
    if is_fused:
        return np.dtype(np.float32)
    if _dtype.get_default_dtype() is _dtype.float64:
        return np.dtype(np.float64)
    return np.dtype(np.float32)


def _scalar_tensor(value: float, is_fused: bool | None = None) -> Tensor:
    """A 0-dim tensor holding ``value`` (PyTorch keeps ``step`` as one, on the CPU)."""
    return Tensor._make(np.array(value, dtype=_get_scalar_dtype(is_fused)))


def _zeros_like(p: Tensor) -> Tensor:
    return Tensor._make(np.zeros_like(p._data))


def _to_scalar(x):
    """A 1-element tensor hyper-parameter squeezed to 0-dim; anything else unchanged."""
    if isinstance(x, Tensor) and x.dim() != 0:
        return x.squeeze()
    return x


def _get_value(x) -> float:
    """A hyper-parameter or 0-dim state tensor as a Python number (PyTorch's ``.item()``)."""
    return x.item() if isinstance(x, Tensor) else x


def _real(array: np.ndarray) -> np.ndarray:
    """The float view of a complex array (``torch.view_as_real``), or the array itself."""
    if array.dtype.kind == "c":
        return array.view(array.real.dtype)
    return array


def _lerp_(self: np.ndarray, end: np.ndarray, weight: float) -> None:
    """``self.lerp_(end, weight)`` with PyTorch's two-sided formula (exact at either end)."""
    w = self.dtype.type(weight)
    diff = np.subtract(end, self)
    if abs(w) < 0.5:
        diff *= w
        self += diff
    else:
        diff *= 1 - w
        np.subtract(end, diff, out=self)


def _maximize_and_weight_decay(
    param: Tensor,
    grad: Tensor,
    *,
    maximize: bool,
    weight_decay: float,
    lr: float = 0.0,
    decoupled_weight_decay: bool = False,
) -> np.ndarray:
    """The gradient an update follows, as PyTorch's algorithms first prepare it::

        g = -grad if maximize else grad
        g = g + weight_decay * p                 (L2 penalty, the default)
        p *= 1 - lr * weight_decay               (decoupled, as AdamW: the parameter decays instead)

    Returns the float view (``_real``) of ``g``: the gradient's own array when nothing changes it,
    so the caller must not write into the result.
    """
    p = _real(param._data)
    g = _real(grad._data)
    if maximize:
        g = np.negative(g)
    if weight_decay != 0:
        if decoupled_weight_decay:
            p *= 1 - lr * weight_decay
            param._version[0] += 1
        else:
            g = np.add(g, p * weight_decay)
    return g


def _decay_add_square_(avg: np.ndarray, decay: float, g: np.ndarray) -> np.ndarray:
    """``avg.mul_(decay).addcmul_(g, g, value=1 - decay)``; returns the scratch array it used."""
    avg *= decay
    scratch = np.multiply(g, 1 - decay)
    scratch *= g
    avg += scratch
    return scratch


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """Register ``hook(optimizer, args, kwargs)`` to run before every optimizer's ``step``."""
    return _add_hook(_global_optimizer_pre_hooks, hook)


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """Register ``hook(optimizer, args, kwargs)`` to run after every optimizer's ``step``."""
    return _add_hook(_global_optimizer_post_hooks, hook)


class Optimizer:
    """``torch.optim.Optimizer(params, defaults)``.

    ``params`` is an iterable of tensors, of ``(name, tensor)`` pairs (``named_parameters()``), or
    of dicts each defining a parameter group; ``defaults`` fills the options a group leaves out.
    """

    def __init__(self, params: Iterable, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks: dict[int, Callable] = OrderedDict()
        self._optimizer_step_post_hooks: dict[int, Callable] = OrderedDict()
        self._optimizer_state_dict_pre_hooks: dict[int, Callable] = OrderedDict()
        self._optimizer_state_dict_post_hooks: dict[int, Callable] = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: dict[int, Callable] = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: dict[int, Callable] = OrderedDict()
        self._patch_step_function()

        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be "
                "an iterable of Tensors or dicts, but got " + _typename(params)
            )

        self.state: defaultdict[Tensor, Any] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []

        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for name in (
            "_optimizer_step_pre_hooks",
            "_optimizer_step_post_hooks",
            "_optimizer_state_dict_pre_hooks",
            "_optimizer_state_dict_post_hooks",
            "_optimizer_load_state_dict_pre_hooks",
            "_optimizer_load_state_dict_post_hooks",
        ):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self._patch_step_function()
        self.defaults.setdefault("differentiable", False)

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(
                f"    {key}: {group[key]}\n" for key in sorted(group) if key != "params"
            )
        return text + ")"

    # --- step and its hooks ----------------------------------------------------------------------
    @staticmethod
    def profile_hook_step(func: Callable) -> Callable:
        """Wrap a ``step`` so the global and per-instance step pre/post hooks run around it."""

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            self = args[0]
            for pre_hook in chain(
                _global_optimizer_pre_hooks.values(), self._optimizer_step_pre_hooks.values()
            ):
                result = pre_hook(self, args, kwargs)
                if result is not None:
                    if isinstance(result, tuple) and len(result) == 2:
                        args, kwargs = result
                    else:
                        raise RuntimeError(
                            f"{func} must return None or a tuple of (new_args, new_kwargs), "
                            f"but got {result}."
                        )
            out = func(*args, **kwargs)
            self._optimizer_step_code()
            for post_hook in chain(
                self._optimizer_step_post_hooks.values(), _global_optimizer_post_hooks.values()
            ):
                post_hook(self, args, kwargs)
            return out

        return wrapper

    def _patch_step_function(self) -> None:
        # As PyTorch does: the class's own ``step`` is wrapped once, on first construction, so a
        # subclass written by a user gets the hooks too.
        if not getattr(self.__class__.step, "hooked", None):
            self.__class__.step = self.profile_hook_step(self.__class__.step)
            self.__class__.step.hooked = True

    def _optimizer_step_code(self) -> None:
        """Called after every ``step`` (PyTorch's profiler entry point; nothing to do here)."""

    def _accelerator_graph_capture_health_check(self) -> None:
        """PyTorch checks CUDA-graph capture here; numtorch has no accelerator graphs."""

    _cuda_graph_capture_health_check = _accelerator_graph_capture_health_check

    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs)`` before ``step``."""
        return _add_hook(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs) -> None`` after ``step``."""
        return _add_hook(self._optimizer_step_post_hooks, hook)

    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """Perform a single optimization step (each algorithm overrides this)."""
        raise NotImplementedError

    # --- state_dict ------------------------------------------------------------------------------
    def register_state_dict_pre_hook(
        self, hook: Callable, prepend: bool = False
    ) -> RemovableHandle:
        """``hook(optimizer)`` before ``state_dict()``."""
        return _add_hook(self._optimizer_state_dict_pre_hooks, hook, prepend=prepend)

    def register_state_dict_post_hook(
        self, hook: Callable, prepend: bool = False
    ) -> RemovableHandle:
        """``hook(optimizer, state_dict) -> state_dict or None`` after ``state_dict()``."""
        return _add_hook(self._optimizer_state_dict_post_hooks, hook, prepend=prepend)

    def register_load_state_dict_pre_hook(
        self, hook: Callable, prepend: bool = False
    ) -> RemovableHandle:
        """``hook(optimizer, state_dict) -> state_dict or None`` before ``load_state_dict``."""
        return _add_hook(self._optimizer_load_state_dict_pre_hooks, hook, prepend=prepend)

    def register_load_state_dict_post_hook(
        self, hook: Callable, prepend: bool = False
    ) -> RemovableHandle:
        """``hook(optimizer)`` after ``load_state_dict``."""
        return _add_hook(self._optimizer_load_state_dict_post_hooks, hook, prepend=prepend)

    def state_dict(self) -> StateDict:
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}``.

        Parameters are numbered in group order; the state tensors are the optimizer's own (not
        copies), as in PyTorch.
        """
        for pre_hook in self._optimizer_state_dict_pre_hooks.values():
            pre_hook(self)

        param_mappings: dict[int, int] = {}
        start_index = 0

        def pack_group(group: dict[str, Any]) -> dict[str, Any]:
            nonlocal start_index
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start_index):
                param_mappings.setdefault(id(p), i)
            packed["params"] = [param_mappings[id(p)] for p in group["params"]]
            start_index += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {
            (param_mappings[id(k)] if isinstance(k, Tensor) else k): v
            for k, v in self.state.items()
        }
        state_dict = {"state": packed_state, "param_groups": param_groups}

        for post_hook in self._optimizer_state_dict_post_hooks.values():
            hook_result = post_hook(self, state_dict)
            if hook_result is not None:
                state_dict = hook_result
        return state_dict

    @staticmethod
    def _process_value_according_to_param_policy(
        param: Tensor, value: Tensor, param_id: int, param_groups: list[dict], key=None
    ) -> Tensor:
        # Floating-point state follows the parameter's dtype; ``step`` keeps its own unless the
        # group is fused or capturable (then float32), as PyTorch does.
        fused = capturable = False
        for pg in param_groups:
            if param_id in pg["params"]:
                fused = pg.get("fused", False)
                capturable = pg.get("capturable", False)
                break
        if key == "step":
            if capturable or fused:
                return value.to(dtype=_dtype.float32, device=param.device)
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)

    def load_state_dict(self, state_dict: StateDict) -> None:
        """Load a ``state_dict()`` (this optimizer's, or PyTorch's for the same parameters)."""
        state_dict = state_dict.copy()
        for pre_hook in self._optimizer_load_state_dict_pre_hooks.values():
            hook_result = pre_hook(self, state_dict)
            if hook_result is not None:
                state_dict = hook_result

        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group "
                "that doesn't match the size of optimizer's group"
            )

        id_map = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in groups),
            )
        )

        def cast(param, value, param_id=None, param_groups=None, key=None):
            if isinstance(value, Tensor):
                return Optimizer._process_value_according_to_param_policy(
                    param, value, param_id, param_groups, key
                )
            if isinstance(value, dict):
                return {
                    k: cast(param, v, param_id=param_id, param_groups=param_groups, key=k)
                    for k, v in value.items()
                }
            if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
                return type(value)(
                    cast(param, v, param_id=param_id, param_groups=param_groups) for v in value
                )
            return value

        # State of known parameters is cast to them; other entries are kept as they are.
        state: defaultdict[Any, dict] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = cast(param, v, param_id=k, param_groups=state_dict["param_groups"])
            else:
                state[k] = v

        def update_group(group: dict[str, Any], new_group: dict[str, Any]) -> dict[str, Any]:
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})

        for post_hook in self._optimizer_load_state_dict_post_hooks.values():
            post_hook(self)

    # --- parameters and gradients ----------------------------------------------------------------
    @staticmethod
    def _params_with_grads(
        group: dict[str, Any], params_with_grad: list[Tensor], grads: list[Tensor]
    ) -> list[Tensor]:
        """The parameters of ``group`` that have a gradient (a step skips the others).

        Appends them to ``params_with_grad`` and their gradients to ``grads``, the first two lists
        every ``_init_group`` fills, and returns them for the optimizer to collect its state.
        """
        found = [p for p in group["params"] if p.grad is not None]
        params_with_grad.extend(found)
        grads.extend(p.grad for p in found)
        return found

    def _upgrade_scalar_state(
        self, group: dict[str, Any], keys: tuple[str, ...] = ("step",), is_fused=None
    ) -> None:
        """Turn scalar state that old checkpoints kept as Python numbers (``step``, and ``keys``)
        into the 0-dim tensors PyTorch keeps now (run by ``__setstate__``)."""
        for p in group["params"]:
            p_state = self.state.get(p, [])
            if len(p_state) != 0:
                for key in keys:
                    if not isinstance(p_state[key], Tensor):
                        p_state[key] = _scalar_tensor(float(p_state[key]), is_fused)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad``: to ``None`` (default), or to zeros in place."""
        _zero_grads(chain.from_iterable(g["params"] for g in self.param_groups), set_to_none)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Append a parameter group; options it leaves out come from ``defaults``."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")

        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but "
                "the ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)

        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are missing"
                )
            param_group["param_names"] = names

        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, "
                    "but one of the params is " + _typename(param)
                )
            if not self.defaults.get("differentiable", None) and not (
                param.is_leaf or param.retains_grad
            ):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization "
                    f"parameter {name}"
                )
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len(set(params)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; "
                "in future, this will cause an error; "
                "see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )

        param_set: set[Tensor] = set()
        for group in self.param_groups:
            param_set.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                current = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {current} to the optimizer"
                )
        if not param_set.isdisjoint(param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")

        self.param_groups.append(param_group)
