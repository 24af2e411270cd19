"""Download, integrity and archive helpers, after ``torchvision/datasets/utils.py``.

Downloads are verified against an MD5 checksum and written atomically (a temporary file in the
destination folder, renamed into place once complete), so an interrupted download never leaves a
file that a later run would mistake for the dataset. A short socket timeout keeps an offline
machine from hanging.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "calculate_md5",
    "check_md5",
    "check_integrity",
    "download_url",
    "extract_archive",
    "download_and_extract_archive",
    "verify_str_arg",
]

USER_AGENT = "pytorch/vision"
# Seconds a connection may stay silent before a download gives up.
DOWNLOAD_TIMEOUT = 20.0
_CHUNK = 1024 * 1024


def calculate_md5(fpath: str | Path, chunk_size: int = _CHUNK) -> str:
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath: str | Path, md5: str, **kwargs) -> bool:
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath: str | Path, md5: str | None = None) -> bool:
    """``torchvision.datasets.utils.check_integrity``: the file exists (and matches ``md5`` if given)."""
    if not os.path.isfile(fpath):
        return False
    if md5 is None:
        return True
    return check_md5(fpath, md5)


def _progress_bar(total: int | None, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=desc)


def download_url(
    url: str,
    root: str | Path,
    filename: str | Path | None = None,
    md5: str | None = None,
    max_redirect_hops: int = 3,
) -> None:
    """``torchvision.datasets.utils.download_url``: fetch ``url`` into ``root/filename``.

    Skips the download when a file with the right checksum is already there. The bytes go to a
    temporary file beside the destination and are renamed into place only after the checksum
    matches; a mismatch raises ``RuntimeError`` and leaves nothing behind. Network failures raise
    ``urllib.error.URLError`` (callers try the next mirror).
    """
    root = os.path.expanduser(root)
    if not filename:
        filename = os.path.basename(url)
    fpath = os.fspath(os.path.join(root, filename))
    os.makedirs(root, exist_ok=True)

    if check_integrity(fpath, md5):
        print("Using downloaded and verified file: " + fpath)
        return

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    fd, tmp_path = tempfile.mkstemp(dir=root, prefix=f".{os.path.basename(fpath)}.", suffix=".part")
    try:
        md5_sum = hashlib.md5(usedforsecurity=False)
        with (
            os.fdopen(fd, "wb") as out,
            urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response,
        ):
            length = response.headers.get("Content-Length")
            with _progress_bar(int(length) if length else None, os.path.basename(fpath)) as bar:
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    md5_sum.update(chunk)
                    bar.update(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        if md5 is not None and md5_sum.hexdigest() != md5:
            raise RuntimeError(
                f"The MD5 checksum of the download from {url} is {md5_sum.hexdigest()}, "
                f"expected {md5}: the file is corrupt or was changed; not saving it as {fpath}."
            )
        os.replace(tmp_path, fpath)
    except BaseException:
        if os.path.exists(tmp_path):
            os.remove(tmp_path)
        raise


def _atomic_write_stream(src, dst: str) -> None:
    """Copy the readable ``src`` stream to ``dst`` through a temporary file and a rename."""
    folder = os.path.dirname(dst) or "."
    fd, tmp_path = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(dst)}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := src.read(_CHUNK):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_path, dst)
    except BaseException:
        if os.path.exists(tmp_path):
            os.remove(tmp_path)
        raise


_COMPRESSORS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def extract_archive(
    from_path: str | Path, to_path: str | Path | None = None, remove_finished: bool = False
) -> str:
    """``torchvision.datasets.utils.extract_archive``: unpack a ``.zip``/``.tar*`` archive or
    decompress a single ``.gz``/``.bz2``/``.xz`` file into ``to_path``; returns the destination.
    Archive members that would land outside ``to_path`` are refused."""
    from_path = os.fspath(from_path)
    to_path = os.path.dirname(from_path) if to_path is None else os.fspath(to_path)
    name = os.path.basename(from_path)
    lower = name.lower()
    if lower.endswith(".zip"):
        with zipfile.ZipFile(from_path) as archive:
            for member in archive.namelist():
                _check_inside(to_path, member, from_path)
            archive.extractall(to_path)
        result = to_path
    elif any(lower.endswith(s) for s in (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz")):
        with tarfile.open(from_path) as archive:
            if hasattr(tarfile, "data_filter"):
                archive.extractall(to_path, filter="data")
            else:  # Python < 3.10.12 has no extraction filters: refuse links and escapes ourselves
                for member in archive.getmembers():
                    _check_inside(to_path, member.name, from_path)
                    if member.issym() or member.islnk():
                        raise RuntimeError(
                            f"Refusing to extract the link {member.name!r} from {from_path}"
                        )
                archive.extractall(to_path)
        result = to_path
    else:
        suffix = os.path.splitext(lower)[1]
        if suffix not in _COMPRESSORS:
            raise RuntimeError(f"Archive type of '{from_path}' is not supported.")
        result = os.path.join(to_path, os.path.splitext(name)[0])
        with _COMPRESSORS[suffix](from_path, "rb") as src:
            _atomic_write_stream(src, result)
    if remove_finished:
        os.remove(from_path)
    return result


def _check_inside(root: str, member: str, archive: str) -> None:
    target = os.path.realpath(os.path.join(root, member))
    if os.path.commonpath([os.path.realpath(root), target]) != os.path.realpath(root):
        raise RuntimeError(
            f"Refusing to extract {member!r} from {archive}: it points outside {root}"
        )


def download_and_extract_archive(
    url: str,
    download_root: str | Path,
    extract_root: str | Path | None = None,
    filename: str | Path | None = None,
    md5: str | None = None,
    remove_finished: bool = False,
) -> None:
    """``torchvision.datasets.utils.download_and_extract_archive``."""
    download_root = os.path.expanduser(download_root)
    if extract_root is None:
        extract_root = download_root
    if not filename:
        filename = os.path.basename(url)
    download_url(url, download_root, filename, md5)
    archive = os.path.join(download_root, filename)
    print(f"Extracting {archive} to {extract_root}")
    extract_archive(archive, extract_root, remove_finished)


def _iterable_to_str(iterable: Iterable) -> str:
    return "'" + "', '".join(str(item) for item in iterable) + "'"


def verify_str_arg(
    value: str,
    arg: str | None = None,
    valid_values: Iterable[str] | None = None,
    custom_msg: str | None = None,
) -> str:
    """``torchvision.datasets.utils.verify_str_arg``, with its messages."""
    if not isinstance(value, str):
        if arg is None:
            msg = "Expected type str, but got type {type}."
        else:
            msg = "Expected type str for argument {arg}, but got type {type}."
        raise ValueError(msg.format(type=type(value), arg=arg))
    if valid_values is None:
        return value
    if value not in valid_values:
        if custom_msg is not None:
            msg = custom_msg
        else:
            msg = "Unknown value '{value}' for argument {arg}. Valid values are {{{valid_values}}}."
            msg = msg.format(value=value, arg=arg, valid_values=_iterable_to_str(valid_values))
        raise ValueError(msg)
    return value
