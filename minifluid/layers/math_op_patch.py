"""Arithmetic on Variables, as fluid 1.x patched it in: `a + b`, `x * 0.5`, `1 - p`, `-x`.

A Variable with a Variable is an elementwise op (fluid's axis=-1 broadcasting); with a
Python number it is a `scale` op (or an elementwise_div of a filled tensor, for 2 / x).
"""
from __future__ import annotations

import numbers

from ..framework import Variable
from .helper import append_layer_op


def _number(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _scale(x, scale, bias):
    return append_layer_op("scale", {"X": ("x", x)},
                           {"scale": float(scale), "bias": float(bias), "bias_after_scale": True})


def _binary(op_type, by_number, reverse=False):
    def method(self, other):
        if _number(other):
            return by_number(self, other)
        if not isinstance(other, Variable):
            return NotImplemented
        x, y = (other, self) if reverse else (self, other)
        return append_layer_op(op_type, {"X": ("x", x), "Y": ("y", y)}, {"axis": -1})
    return method


def _rdiv(x, n):
    full = append_layer_op("fill_any_like", {"X": ("x", x)}, {"value": float(n)})
    return append_layer_op("elementwise_div", {"X": ("x", full), "Y": ("y", x)}, {"axis": -1})


def monkey_patch_variable():
    Variable.__add__ = Variable.__radd__ = _binary(
        "elementwise_add", lambda x, n: _scale(x, 1, n))
    Variable.__sub__ = _binary("elementwise_sub", lambda x, n: _scale(x, 1, -n))
    Variable.__rsub__ = _binary("elementwise_sub", lambda x, n: _scale(x, -1, n), reverse=True)
    Variable.__mul__ = Variable.__rmul__ = _binary(
        "elementwise_mul", lambda x, n: _scale(x, n, 0))
    Variable.__truediv__ = _binary("elementwise_div", lambda x, n: _scale(x, 1 / n, 0))
    Variable.__rtruediv__ = _binary("elementwise_div", _rdiv, reverse=True)
    Variable.__neg__ = lambda x: _scale(x, -1, 0)
