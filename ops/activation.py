"""Elementwise activations, Out = f(X), each with fluid 1.8's name, attrs and defaults.

Each op's gradient reads X or Out, as fluid's grad op does (its kDepX / kDepOut choice), or
neither: ceil, floor, round and sign have zero gradients in fluid.

    sigmoid       1 / (1 + exp(-x))                        dx = d out (1 - out)        [Out]
    relu          max(x, 0)                                dx = d [out > 0]            [Out]
    tanh          tanh(x)                                  dx = d (1 - out^2)          [Out]
    exp           exp(x)                                   dx = d out                  [Out]
    sqrt          sqrt(x)                                  dx = d / (2 out)            [Out]
    rsqrt         1 / sqrt(x)                              dx = -d out^3 / 2           [Out]
    reciprocal    1 / x                                    dx = -d out^2               [Out]
    log, log1p    log(x), log(1 + x)                       dx = d / x, d / (1 + x)
    abs           |x|                                      dx = d sign(x)
    square        x^2                                      dx = 2 d x
    sin, cos      sin(x), cos(x)                           dx = d cos(x), -d sin(x)
    asin, acos    asin(x), acos(x)                         dx = +-d / sqrt(1 - x^2)
    atan          atan(x)                                  dx = d / (1 + x^2)
    ceil, floor   ceil(x), floor(x)                        dx = 0                      [-]
    round         x rounded half away from zero (C's round)  dx = 0                    [-]
    sign          sign(x)                                  dx = 0                      [-]
    softplus      log(1 + exp(x))                          dx = d sigmoid(x)
    softsign      x / (1 + |x|)                            dx = d / (1 + |x|)^2
    logsigmoid    log(sigmoid(x)) = -softplus(-x)          dx = d sigmoid(-x)
    tanh_shrink   x - tanh(x)                              dx = d tanh(x)^2
    erf           erf(x)                                   dx = d 2/sqrt(pi) exp(-x^2)
    gelu          x Phi(x), or with approximate its tanh form   dx = d (Phi(x) + x phi(x))

The functions with attrs are in activation_attrs.py. Stable forms: softplus and logsigmoid
as max(x, 0) + log1p(exp(-|x|)) (no exp overflow), sigmoid(-x) computed directly rather
than as 1 - sigmoid(x), gelu through erfc so that a very negative x keeps its relative
accuracy. Values outside an op's domain (log(-1), asin(2)) give nan or inf as fluid's do,
without a warning. erf and erfc are math's, per element, on the CPU (numpy has none; about
0.2 us an element) and cupyx.scipy.special's on a GPU.
"""
import math

import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import same_as, same_as_x

SQRT_2 = math.sqrt(2.0)
SQRT_2_PI = math.sqrt(2.0 / math.pi)


def _sigmoid(x):
    xp = get_array_module(x)
    out = xp.empty_like(x)  # an array also for a 0-d X, where a ufunc returns a scalar
    with np.errstate(over="ignore"):
        xp.exp(-x, out=out)
    out += 1
    return xp.divide(1, out, out=out)


def _special(name):
    """erf or erfc elementwise: cupy's where X is a cupy array, else math's, each element
    in float64 (math's functions are accurate to a few ulp; numpy has none)."""
    fn = np.frompyfunc(getattr(math, name), 1, 1)

    def special(x):
        xp = get_array_module(x)
        if xp is not np:
            import cupyx.scipy.special
            return getattr(cupyx.scipy.special, name)(x)
        return np.asarray(fn(x.astype(np.float64)), np.float64).astype(x.dtype, copy=False)
    special.__name__ = name
    return special


erf, erfc = _special("erf"), _special("erfc")


def _softplus(x):
    # max(x, 0) + log1p(exp(-|x|)): exp never overflows, and it is ~10x faster than numpy's
    # float32 logaddexp
    xp = get_array_module(x)
    out = xp.log1p(xp.exp(-xp.abs(x)))
    out += xp.maximum(x, x.dtype.type(0))
    return out


def _round(x):
    xp = get_array_module(x)
    a = xp.abs(x)
    f = xp.floor(a)
    f += (a - f) >= 0.5  # a - f is exact, unlike floor(a + 0.5) near 0.49999999999999994
    return xp.copysign(f, x)


def _gelu(x, approximate):
    xp = get_array_module(x)
    if approximate:
        return 0.5 * x * (1 + xp.tanh(SQRT_2_PI * (x + 0.044715 * x * x * x)))
    return 0.5 * x * erfc(-x / SQRT_2)


def _gelu_grad(x, d, approximate):
    xp = get_array_module(x)
    if approximate:
        t = xp.tanh(SQRT_2_PI * (x + 0.044715 * x * x * x))
        return d * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_PI * (1 + 0.134145 * x * x))
    return d * (0.5 * erfc(-x / SQRT_2) + x * xp.exp(-0.5 * x * x) / math.sqrt(2 * math.pi))


def xp_of(fn):
    """fn(x) -> fn(xp, x)."""
    return lambda x, **a: fn(get_array_module(x), x, **a)


# type: (attrs, forward(x, **attrs), grad reads "X" / "Out" / None, grad(x or out, d, **attrs))
ACTIVATIONS = {
    "sigmoid": ({}, _sigmoid, "Out", lambda out, d: d * out * (1 - out)),
    "relu": ({}, xp_of(lambda xp, x: xp.maximum(x, x.dtype.type(0))), "Out",
             lambda out, d: d * (out > 0)),
    "tanh": ({}, xp_of(lambda xp, x: xp.tanh(x)), "Out", lambda out, d: d * (1 - out * out)),
    "exp": ({}, xp_of(lambda xp, x: xp.exp(x)), "Out", lambda out, d: d * out),
    "sqrt": ({}, xp_of(lambda xp, x: xp.sqrt(x)), "Out", lambda out, d: d * 0.5 / out),
    "rsqrt": ({}, xp_of(lambda xp, x: 1 / xp.sqrt(x)), "Out",
              lambda out, d: d * -0.5 * out * out * out),
    "reciprocal": ({}, lambda x: 1 / x, "Out", lambda out, d: -d * out * out),
    "log": ({}, xp_of(lambda xp, x: xp.log(x)), "X", lambda x, d: d / x),
    "log1p": ({}, xp_of(lambda xp, x: xp.log1p(x)), "X", lambda x, d: d / (1 + x)),
    "abs": ({}, xp_of(lambda xp, x: xp.abs(x)), "X",
            lambda x, d: d * get_array_module(x).sign(x)),
    "square": ({}, lambda x: x * x, "X", lambda x, d: 2 * d * x),
    "sin": ({}, xp_of(lambda xp, x: xp.sin(x)), "X",
            lambda x, d: d * get_array_module(x).cos(x)),
    "cos": ({}, xp_of(lambda xp, x: xp.cos(x)), "X",
            lambda x, d: -d * get_array_module(x).sin(x)),
    "asin": ({}, xp_of(lambda xp, x: xp.arcsin(x)), "X",
             lambda x, d: d / get_array_module(x).sqrt(1 - x * x)),
    "acos": ({}, xp_of(lambda xp, x: xp.arccos(x)), "X",
             lambda x, d: -d / get_array_module(x).sqrt(1 - x * x)),
    "atan": ({}, xp_of(lambda xp, x: xp.arctan(x)), "X", lambda x, d: d / (1 + x * x)),
    "ceil": ({}, xp_of(lambda xp, x: xp.ceil(x)), None, None),
    "floor": ({}, xp_of(lambda xp, x: xp.floor(x)), None, None),
    "round": ({}, _round, None, None),
    "sign": ({}, xp_of(lambda xp, x: xp.sign(x)), None, None),
    "softplus": ({}, _softplus, "X",
                 lambda x, d: d * _sigmoid(x)),
    "softsign": ({}, xp_of(lambda xp, x: x / (1 + xp.abs(x))), "X",
                 lambda x, d: d / (1 + get_array_module(x).abs(x)) ** 2),
    "logsigmoid": ({}, lambda x: -_softplus(-x), "X",
                   lambda x, d: d * _sigmoid(-x)),
    "tanh_shrink": ({}, xp_of(lambda xp, x: x - xp.tanh(x)), "X",
                    lambda x, d: d * get_array_module(x).tanh(x) ** 2),
    "erf": ({}, erf, "X",
            lambda x, d: d * (2 / math.sqrt(math.pi)) * get_array_module(x).exp(-x * x)),
    "gelu": ({"approximate": False}, _gelu, "X", _gelu_grad),
}


def _quiet(fn):
    """fn without numpy's warnings: nan and inf outside the domain are the answer."""
    def quiet(*args, **attrs):
        with np.errstate(all="ignore"):
            return fn(*args, **attrs)
    quiet.__name__ = quiet.__qualname__ = getattr(fn, "__name__", "kernel")
    quiet.__wrapped__ = fn  # where it is defined, for error messages
    return quiet


def _zero_grad(d, **attrs):
    return get_array_module(d).zeros_like(d)


NAMES = []  # every activation registered here, in order: the `act=` names layers accept


def make_activation(type, attrs, forward, reads, backward, check=None, doc=__doc__, extra=()):
    """Register `type` and `type_grad`; `check(op)` refuses bad attrs at build time.
    `extra` names optional input slots that the kernels get after X (or Out)."""
    NAMES.append(type)
    op = register_op(type, inputs=["X", *(s + "?" for s in extra)], outputs=["Out"],
                     attrs=attrs, doc=doc)

    @op.shape_rule
    def _(op):
        if check is not None:
            check(op)
        return same_as_x(op)

    op.kernel("float32", "float64")(_quiet(forward))
    op.default_grad(inputs=(("X",) if reads == "X" else ()) + tuple(extra),
                    outputs=("Out",) if reads == "Out" else ())
    ins = ([reads] if reads else []) + [s + "?" for s in extra]
    grad = register_op(type + "_grad", inputs=ins + [grad_name("Out")],
                       outputs=[grad_name("X") + "?"], attrs=attrs)
    grad.shape_rule(same_as(reads or grad_name("Out")))
    grad.kernel("float32", "float64")(_quiet(backward or _zero_grad))
    return op


for _type, (_attrs, _f, _reads, _b) in ACTIVATIONS.items():
    make_activation(_type, _attrs, _f, _reads, _b)
