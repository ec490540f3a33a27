"""Which fluid minifluid implements, and fluid's `require_version` check.

minifluid implements the API of PaddlePaddle fluid 1.8.5: `require_version` compares what a
script asks for with that version, as fluid 1.8 compared it with the installed Paddle.
"""
from __future__ import annotations

import re
import warnings

__all__ = ["FLUID_VERSION", "full_version", "major", "minor", "patch", "rc", "require_version"]

FLUID_VERSION = full_version = "1.8.5"
major, minor, patch = FLUID_VERSION.split(".")
rc = "0"
_FORMAT = re.compile(r"\d+(\.\d+){0,3}")


def _checked(arg: str, v, none: bool):
    if not isinstance(v, str) and not (none and v is None):
        want = "str or type(None)" if none else "str"
        raise TypeError(f"The type of '{arg}' in require_version must be {want}, but received "
                        f"{type(v)}.")
    if v is not None and not _FORMAT.fullmatch(v):
        raise ValueError(f"The value of '{arg}' in require_version must be in format "
                         f"'\\d+(\\.\\d+){{0,3}}', like '1.5.2.0', but received {v}")
    return None if v is None else [int(p) for p in (v.split(".") + ["0"] * 4)[:4]]


def require_version(min_version: str, max_version: str = None) -> None:
    """Raise unless the fluid version minifluid implements (1.8.5) lies in
    [min_version, max_version] (max_version None: no upper bound), as fluid 1.8 did: a
    version is up to four dot-separated numbers, missing ones are 0.

    Example:
        fluid.require_version("1.6.0")           # passes: 1.8.5 >= 1.6.0
        fluid.require_version("1.0", "1.7.2")    # raises: 1.8.5 > 1.7.2
    """
    lo = _checked("min_version", min_version, none=False)
    hi = _checked("max_version", max_version, none=True)
    have = [int(major), int(minor), int(patch), int(rc)]  # read now: a test may set them
    if have == [0, 0, 0, 0]:  # fluid's develop build: warned, not checked
        want = f"in [{min_version}, {max_version}]" if hi is not None else \
            f"{min_version} or higher is"
        warnings.warn(f"PaddlePaddle version {want} required, but {full_version} installed. "
                      f"Maybe you are using a develop version, please make sure the version "
                      f"is good with your code.")
        return
    if hi is not None:
        if have > hi or have < lo:
            raise Exception(f"VersionError: PaddlePaddle version in [{min_version}, "
                            f"{max_version}] required, but {full_version} installed.")
    elif have < lo:
        raise Exception(f"VersionError: PaddlePaddle version {min_version} or higher is "
                        f"required, but {full_version} installed, please upgrade your "
                        f"PaddlePaddle to {min_version} or other higher version.")
