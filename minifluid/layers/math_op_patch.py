"""Arithmetic on Variables, as fluid 1.x patched it in: `a + b`, `x * 0.5`, `1 - p`, `-x`.

A Variable with a Variable is an elementwise op (fluid's axis=-1 broadcasting); with a
Python number it is a `scale` op (or an elementwise_div of a filled tensor, for 2 / x).

numpy numbers, and numpy arrays holding one number, count as numbers: fluid 1.x turned any
operand that float() accepts into a constant. A larger array, a list, a str or None is a
TypeError, as it was in fluid (there float() refused it). An integer Variable takes only
integral numbers, and `x / n` on it truncates toward zero, as fluid 1.x's elementwise_div.
Variable sets `__array_ufunc__ = None`, so `np.ones(3) + x` comes here as x.__radd__ instead
of numpy building an array of Variables.

`<`, `<=`, `>`, `>=` are the compare ops, as fluid 1.x patched them in: a bool Variable of the
left operand's shape (a number is first filled to that shape and dtype; `1 < x` is `x > 1`).
`**`, `//`, `%` are elementwise_pow, elementwise_floordiv (ints only, truncating as fluid 1.8's
kernel does) and elementwise_mod, filling a number the same way; `2 ** x` works, `2 // x` and
`2 % x` are a TypeError, as in fluid 1.8. `==` and `!=` stay identity (programs and lists find
Variables by it).
"""
from __future__ import annotations

import numpy as np

from ..checks import given, is_real
from ..framework import Variable
from .helper import append_layer_op, building

_SYMBOLS = {"__add__": "+", "__radd__": "+", "__sub__": "-", "__rsub__": "-", "__mul__": "*",
            "__rmul__": "*", "__truediv__": "/", "__rtruediv__": "/", "__lt__": "<",
            "__le__": "<=", "__gt__": ">", "__ge__": ">=", "__pow__": "**", "__rpow__": "**",
            "__floordiv__": "//", "__mod__": "%"}


def _number(v):
    """v as a Python float when it is a real number (numpy's too, or an array of one real
    number), else None. bool is not a number, as everywhere in minifluid."""
    if isinstance(v, np.ndarray):
        if v.size != 1 or v.dtype.kind not in "iuf":
            return None
        v = v.reshape(()).item()
    return float(v) if is_real(v) else None


def _refuse(method, self, other):
    if isinstance(other, np.ndarray):
        got = f"a numpy array of shape {other.shape} ({other.dtype})"
    else:
        got = given(other)
    return TypeError(f"Variable.{method} ({_SYMBOLS[method]}): the other operand must be a "
                     f"Variable or a real number (a numpy array only if it holds one number), "
                     f"got {got}; feed an array through a data Variable instead "
                     f"(Variable {self.name!r})")


def _scale(x, scale, bias):
    return append_layer_op("scale", {"X": ("x", x)},
                           {"scale": float(scale), "bias": float(bias), "bias_after_scale": True})


def _operand(name, self, other):
    """`other` as a float, where it is a number that Variable `self` can take, or refuse it."""
    number = _number(other)
    if number is None:
        raise _refuse(name, self, other)
    if self.dtype.kind in "iu" and not number.is_integer():
        # fluid 1.x refused this too; scale would silently truncate the factor
        raise ValueError(f"Variable.{name} ({_SYMBOLS[name]}): Variable {self.name!r} "
                         f"is {self.dtype.name}, so the number must be integral, got "
                         f"{given(other)}; cast it first (fluid.layers.cast)")
    return number


def _binary(name, op_type, by_number, reverse=False):
    def method(self, other):
        if not isinstance(other, Variable):
            return by_number(self, _operand(name, self, other))
        x, y = (other, self) if reverse else (self, other)
        return append_layer_op(op_type, {"X": ("x", x), "Y": ("y", y)}, {"axis": -1})
    method.__name__ = method.__qualname__ = name
    return method


def _filled(name, op_type, reverse=False, compare=False):
    """A method appending `op_type`; a number is first filled to the Variable's shape and
    dtype. A compare op's bool result is stop_gradient, as in fluid."""
    def method(self, other):
        with building():  # a refused op takes the filled number out with it
            if not isinstance(other, Variable):
                other = append_layer_op("fill_any_like", {"X": ("x", self)},
                                        {"value": _operand(name, self, other)})
            x, y = (other, self) if reverse else (self, other)
            out = append_layer_op(op_type, {"X": ("x", x), "Y": ("y", y)}, {"axis": -1})
        out.stop_gradient = out.stop_gradient or compare
        return out
    method.__name__ = method.__qualname__ = name
    return method


def _div(x, n):
    if x.dtype.kind in "iu":  # integer division truncates (elementwise_div), as in fluid 1.x
        full = append_layer_op("fill_any_like", {"X": ("x", x)}, {"value": n})
        return append_layer_op("elementwise_div", {"X": ("x", x), "Y": ("y", full)},
                               {"axis": -1})
    return _scale(x, 1 / n, 0)


def _rdiv(x, n):
    full = append_layer_op("fill_any_like", {"X": ("x", x)}, {"value": float(n)})
    return append_layer_op("elementwise_div", {"X": ("x", full), "Y": ("y", x)}, {"axis": -1})


def monkey_patch_variable():
    from .shape15b import _getitem  # x[i], x[a:b:k] (issue 15)
    Variable.__getitem__ = _getitem
    Variable.__add__ = _binary("__add__", "elementwise_add", lambda x, n: _scale(x, 1, n))
    Variable.__radd__ = _binary("__radd__", "elementwise_add", lambda x, n: _scale(x, 1, n))
    Variable.__sub__ = _binary("__sub__", "elementwise_sub", lambda x, n: _scale(x, 1, -n))
    Variable.__rsub__ = _binary("__rsub__", "elementwise_sub", lambda x, n: _scale(x, -1, n),
                                reverse=True)
    Variable.__mul__ = _binary("__mul__", "elementwise_mul", lambda x, n: _scale(x, n, 0))
    Variable.__rmul__ = _binary("__rmul__", "elementwise_mul", lambda x, n: _scale(x, n, 0))
    Variable.__truediv__ = _binary("__truediv__", "elementwise_div", _div)
    Variable.__rtruediv__ = _binary("__rtruediv__", "elementwise_div", _rdiv, reverse=True)
    Variable.__neg__ = lambda x: _scale(x, -1, 0)
    for name, op_type in (("__lt__", "less_than"), ("__le__", "less_equal"),
                          ("__gt__", "greater_than"), ("__ge__", "greater_equal")):
        setattr(Variable, name, _filled(name, op_type, compare=True))
    Variable.__pow__ = _filled("__pow__", "elementwise_pow")
    Variable.__rpow__ = _filled("__rpow__", "elementwise_pow", reverse=True)
    Variable.__floordiv__ = _filled("__floordiv__", "elementwise_floordiv")
    Variable.__mod__ = _filled("__mod__", "elementwise_mod")
