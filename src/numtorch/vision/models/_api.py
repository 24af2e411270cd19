"""Pretrained-weight descriptions and their download, after ``torchvision/models/_api.py``,
``torchvision/models/_utils.py`` (``handle_legacy_interface``) and ``torch.hub``'s
``load_state_dict_from_url``.

Checkpoints are cached where PyTorch caches them (``$TORCH_HOME/hub/checkpoints``, by default
``~/.cache/torch/hub/checkpoints``), so a file PyTorch already downloaded is used as it is. A
download goes to a temporary file, is checked against the SHA-256 prefix in its file name (as
``torch.hub`` does with ``check_hash=True``) and only then renamed into place. Without a network
the download fails within ``DOWNLOAD_TIMEOUT`` seconds with a ``RuntimeError`` saying so.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = [
    "Weights",
    "WeightsEnum",
    "load_state_dict_from_url",
    "handle_legacy_interface",
    "get_dir",
]

DOWNLOAD_TIMEOUT = 20.0
_HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")


@dataclass
class Weights:
    """A checkpoint: its URL, its preprocessing and its metadata (``num_params``, ...)."""

    url: str
    transforms: Callable | None = None
    meta: dict[str, Any] = field(default_factory=dict)


class WeightsEnum(Enum):
    """The published checkpoints of one model; ``DEFAULT`` names the recommended one."""

    @classmethod
    def verify(cls, obj):
        if obj is not None:
            if type(obj) is str:
                obj = cls[obj.replace(cls.__name__ + ".", "")]
            elif not isinstance(obj, cls):
                raise TypeError(
                    f"Invalid Weight class provided; expected {cls.__name__} but received {obj.__class__.__name__}."
                )
        return obj

    def get_state_dict(self, progress: bool = True, check_hash: bool = True) -> dict:
        return load_state_dict_from_url(self.url, progress=progress, check_hash=check_hash)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self) -> str:
        return self.value.url

    @property
    def transforms(self):
        return self.value.transforms

    @property
    def meta(self) -> dict[str, Any]:
        return self.value.meta


def get_dir() -> str:
    """``torch.hub.get_dir()``: ``$TORCH_HOME/hub``, by default ``~/.cache/torch/hub``."""
    torch_home = os.path.expanduser(
        os.getenv("TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch"))
    )
    return os.path.join(torch_home, "hub")


def _download(url: str, dst: str, hash_prefix: str | None, progress: bool) -> None:
    folder = os.path.dirname(dst)
    os.makedirs(folder, exist_ok=True)
    request = urllib.request.Request(url, headers={"User-Agent": "torch.hub"})
    fd, tmp_path = tempfile.mkstemp(
        dir=folder, prefix=f".{os.path.basename(dst)}.", suffix=".partial"
    )
    try:
        sha256 = hashlib.sha256()
        try:
            with (
                os.fdopen(fd, "wb") as out,
                urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response,
            ):
                length = response.headers.get("Content-Length")
                from tqdm import tqdm

                with tqdm(
                    total=int(length) if length else None,
                    disable=not progress,
                    unit="B",
                    unit_scale=True,
                    unit_divisor=1024,
                ) as bar:
                    while chunk := response.read(1024 * 1024):
                        out.write(chunk)
                        sha256.update(chunk)
                        bar.update(len(chunk))
                out.flush()
                os.fsync(out.fileno())
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise RuntimeError(
                f"Could not download {url}: {reason}. Pretrained weights need network access; "
                f"on a machine that has it, download the file and place it at {dst}"
            ) from None
        if hash_prefix is not None:
            digest = sha256.hexdigest()
            if digest[: len(hash_prefix)] != hash_prefix:
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')
        os.replace(tmp_path, dst)
    finally:
        if os.path.exists(tmp_path):
            os.remove(tmp_path)


def load_state_dict_from_url(
    url: str,
    model_dir: str | None = None,
    map_location=None,
    progress: bool = True,
    check_hash: bool = False,
    file_name: str | None = None,
    weights_only: bool = True,
) -> dict:
    """``torch.hub.load_state_dict_from_url``: the checkpoint at ``url``, downloaded once into
    ``model_dir`` (default ``get_dir()/checkpoints``) and loaded with ``numtorch.load``."""
    from ... import serialization

    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    filename = file_name or os.path.basename(urllib.parse.urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        hash_prefix = None
        if check_hash:
            match = _HASH_REGEX.search(filename)
            hash_prefix = match.group(1) if match else None
        _download(url, cached_file, hash_prefix, progress)
    return serialization.load(cached_file, map_location=map_location, weights_only=weights_only)


def _imagenet1k_weights(file: str, num_params: int, min_size: tuple[int, int]) -> Weights:
    """torchvision's ImageNet-1K checkpoint ``file``. numtorch does not ship the 1000 category
    names: ``meta["num_classes"]`` gives their count."""
    return Weights(
        url=f"https://download.pytorch.org/models/{file}",
        meta={"min_size": min_size, "num_classes": 1000, "num_params": num_params},
    )


def _model_with_weights(
    build_model: Callable[[], Any], weights: WeightsEnum | None, progress: bool
) -> Any:
    """``build_model()`` with the checkpoint of ``weights`` (if any) loaded into it.

    The checkpoint comes first: without a network the error comes before minutes of
    initialisation.
    """
    state_dict = (
        weights.get_state_dict(progress=progress, check_hash=True) if weights is not None else None
    )
    model = build_model()
    if state_dict is not None:
        model.load_state_dict(state_dict)
    return model


def _ovewrite_named_param(kwargs: dict[str, Any], param: str, new_value) -> None:
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(
                f"The parameter '{param}' expected value {new_value} but got {kwargs[param]} instead."
            )
    else:
        kwargs[param] = new_value


def handle_legacy_interface(**weights: tuple[str, Any]):
    """Make a builder accept the deprecated ``pretrained=`` (and a positional first argument), with
    torchvision's warnings, turning it into the matching ``weights=``."""

    def outer_wrapper(builder: Callable) -> Callable:
        @functools.wraps(builder)
        def inner_wrapper(*args: Any, **kwargs: Any):
            if args:
                # torchvision's builders take their arguments by keyword since 0.13.
                names = [n for n in ("weights", "progress") if n not in kwargs][: len(args)]
                warnings.warn(
                    f"Using {sequence_to_str(tuple(names), separate_last='and ')} as positional "
                    f"parameter(s) is deprecated since 0.13 and may be removed in the future. Please use "
                    f"keyword parameter(s) instead.",
                    stacklevel=2,
                )
                kwargs.update(zip(names, args))
            for weights_param, (pretrained_param, default) in weights.items():
                sentinel = object()
                weights_arg = kwargs.get(weights_param, sentinel)
                if (
                    (weights_param not in kwargs and pretrained_param not in kwargs)
                    or isinstance(weights_arg, WeightsEnum)
                    or (isinstance(weights_arg, str) and weights_arg != "legacy")
                    or weights_arg is None
                ):
                    continue
                pretrained_positional = weights_arg is not sentinel
                if pretrained_positional:
                    kwargs[pretrained_param] = pretrained_arg = kwargs.pop(weights_param)
                else:
                    pretrained_arg = kwargs[pretrained_param]
                if pretrained_arg:
                    default_weights_arg = default(kwargs) if callable(default) else default
                    if not isinstance(default_weights_arg, WeightsEnum):
                        raise ValueError(f"No weights available for model {builder.__name__}")
                else:
                    default_weights_arg = None
                if not pretrained_positional:
                    warnings.warn(
                        f"The parameter '{pretrained_param}' is deprecated since 0.13 and may be removed in the "
                        f"future, please use '{weights_param}' instead.",
                        stacklevel=2,
                    )
                msg = (
                    f"Arguments other than a weight enum or `None` for '{weights_param}' are deprecated since 0.13 "
                    f"and may be removed in the future. "
                    f"The current behavior is equivalent to passing `{weights_param}={default_weights_arg}`."
                )
                if pretrained_arg:
                    msg = (
                        f"{msg} You can also use `{weights_param}={type(default_weights_arg).__name__}.DEFAULT` "
                        f"to get the most up-to-date weights."
                    )
                warnings.warn(msg, stacklevel=2)
                del kwargs[pretrained_param]
                kwargs[weights_param] = default_weights_arg
            return builder(**kwargs)

        return inner_wrapper

    return outer_wrapper


def sequence_to_str(seq: tuple, separate_last: str = "") -> str:
    if not seq:
        return ""
    if len(seq) == 1:
        return f"'{seq[0]}'"
    head = "'" + "', '".join([str(item) for item in seq[:-1]]) + "'"
    tail = f"{'' if separate_last and len(seq) == 2 else ','} {separate_last}'{seq[-1]}'"
    return head + tail
