"""paddle.compat: the text, rounding and division helpers Paddle 1.8's tests and scripts use
(`import paddle.compat as cpt`), as plain Python 3.

    cpt.to_text(b"abc") == "abc";  cpt.to_bytes(["a", "b"]) == [b"a", b"b"]
    cpt.round(2.5) == 3.0;  cpt.round(-2.5) == -3.0   (half away from zero, not to even)
"""
from __future__ import annotations

import math

__all__ = ["int_type", "long_type", "to_text", "to_bytes", "round", "floor_division",
           "get_exception_message"]

int_type = int
long_type = int  # Python 2's long: one int type in Python 3


def _convert(obj, one, inplace):
    """obj with `one` applied to each str/bytes in it: obj itself, or the items of a list,
    set or dict (keys and values); a list or dict is changed in place with `inplace`."""
    if obj is None:
        return None
    if isinstance(obj, list):
        items = [one(i) for i in obj]
        if not inplace:
            return items
        obj[:] = items
        return obj
    if isinstance(obj, set):
        items = {one(i) for i in obj}
        if not inplace:
            return items
        obj.clear()
        obj.update(items)
        return obj
    if isinstance(obj, dict):
        items = {one(k): one(v) for k, v in obj.items()}
        if not inplace:
            return items
        obj.clear()
        obj.update(items)
        return obj
    return one(obj)


def to_text(obj, encoding: str = "utf-8", inplace: bool = False):
    """obj with bytes decoded to str (in a list, set or dict: each item; other values as
    they are)."""
    return _convert(obj, lambda v: v.decode(encoding) if isinstance(v, bytes) else v, inplace)


def to_bytes(obj, encoding: str = "utf-8", inplace: bool = False):
    """obj with str encoded to bytes (in a list, set or dict: each item)."""
    return _convert(obj, lambda v: v.encode(encoding) if isinstance(v, str) else v, inplace)


def round(x, d: int = 0) -> float:
    """x rounded to d decimals, halves away from zero (Python 2's round, which Paddle keeps;
    Python 3's rounds halves to even)."""
    p = 10 ** d
    if x > 0:
        return float(math.floor(x * p + 0.5)) / p
    if x < 0:
        return float(math.ceil(x * p - 0.5)) / p
    return math.copysign(0.0, x)


def floor_division(x, y):
    """x // y."""
    return x // y


def get_exception_message(exc) -> str:
    """The message of exception `exc`."""
    if exc is None:
        raise ValueError("get_exception_message: argument 'exc' must be an exception, got None")
    return str(exc)
