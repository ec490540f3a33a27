"""Helpers for writing kernels: loading an op's optional C library (native_library) and
saying which the loss runs (native_status). The loss's blocking and threading helpers are in
ops/sigmoid_cross_entropy_with_logits/blocking.py.
"""
from __future__ import annotations

import ctypes
import hashlib
import importlib.machinery
import json
import os
import stat
import warnings
from typing import Iterable


__all__ = ["native_library", "native_status"]

# Beside a built library, its size and sha256 (setup.py writes it; see native_library).
RECORD_SUFFIX = ".json"
LOSS_LIBRARY = "_sigmoid_cross_entropy_with_logits_cpu"  # the loss's float32 CPU kernel
_found = {}  # library name -> what native_library found: ("C", path) or ("numpy", why)


def native_library(beside: str, name: str, abi: int, symbols: Iterable[str] = ()):
    """The C library `name` that setup.py built into the folder of the file `beside`, as a
    ctypes.CDLL (whose calls release the GIL), or None when it was not built there (no
    compiler at install time, or a source checkout not installed with `pip install -e .`).

    A library that is there but cannot be used gives one RuntimeWarning and None, so a broken
    build never stops minifluid from importing: the file must match the size and sha256
    that setup.py recorded beside it (a truncated copy can crash the process inside dlopen,
    so this is checked before loading it), its minifluid_abi() must return `abi` (which the
    C file raises when its functions' signatures change), and it must export `symbols`.
    """
    folder = os.path.dirname(os.path.abspath(beside))
    # native_status reports what the first look found: the op's own, at import (a later
    # call, a test's probe say, does not change which library the op holds).
    found = ("numpy", f"not built: no {name}{importlib.machinery.EXTENSION_SUFFIXES[0]} in "
                      f"{folder} (no C compiler when it was installed, or a source checkout: "
                      f"python -m pip install -e . builds it)")
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = os.path.join(folder, name + suffix)
        if not os.path.lexists(path):
            continue
        try:
            lib = _load_checked(path, abi, symbols)
            _found.setdefault(name, ("C", path))
            return lib
        except Exception as e:  # anything at all: the numpy kernels can always serve
            problem = str(e) or type(e).__name__
        found = ("numpy", f"not using {path}: {problem}")
        warnings.warn(f"minifluid: not using {path}: {problem}; the numpy kernels run "
                      f"instead (python -m pip install -e . rebuilds it)", RuntimeWarning,
                      stacklevel=2)
    _found.setdefault(name, found)
    return None


def native_status() -> tuple:
    """Which float32 CPU kernel the loss runs, and why: ("C", the library's path) or
    ("numpy", the reason: not built, refused and why, or switched off)."""
    from .ops import sigmoid_cross_entropy_with_logits as loss  # not at the top: ops use us
    if loss._native is not None:
        return "C", loss._native._name
    kind, why = _found.get(LOSS_LIBRARY, ("C", ""))
    if kind == "C":  # it loaded, and then the op was told not to use it
        return "numpy", ("switched off: the loss op's _native is None (as bench_loss.py "
                         "--numpy sets it)")
    return "numpy", why


def _load_checked(path, abi, symbols):
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise OSError("it is not a regular file")
    record = path + RECORD_SUFFIX
    try:
        with open(record) as f:
            want = json.load(f)
        size, digest = int(want["size"]), str(want["sha256"])
    except FileNotFoundError:
        raise OSError(f"{record}, where setup.py records its size and sha256, is missing "
                      f"(built by an older setup.py?)") from None
    except (OSError, ValueError, TypeError, KeyError) as e:
        raise OSError(f"{record} cannot be read ({type(e).__name__}: {e})") from None
    if info.st_size != size:
        raise OSError(f"it has {info.st_size} bytes, not the {size} it was built with "
                      f"(a copy cut short?)")
    with open(path, "rb") as f:
        if hashlib.sha256(f.read()).hexdigest() != digest:
            raise OSError("its sha256 is not the one it was built with (the file changed)")
    lib = ctypes.CDLL(path)
    found = lib.minifluid_abi() if hasattr(lib, "minifluid_abi") else None
    if found != abi:
        raise OSError("it does not export minifluid_abi" if found is None else
                      f"built from an older source (ABI {found}, not {abi})")
    missing = [s for s in symbols if not hasattr(lib, s)]
    if missing:
        raise OSError(f"it does not export {', '.join(missing)}")
    return lib
