"""Elementwise activations with attrs (fluid 1.8's names and defaults); the gradient reads X
or Out as fluid's grad op does. Every float attr must be finite; the conditions below are
checked when the op is appended.

    pow              x^factor                             dx = d factor x^(factor - 1)
    leaky_relu       x if x >= 0 else alpha x             dx = d (1 or alpha)
    elu              x if x > 0 else alpha (exp(x) - 1)   dx = d (1 or alpha exp(x))
    selu             scale (x if x > 0 else alpha (exp(x) - 1))
                                                          dx = d (scale or out + scale alpha)
    relu6            min(max(x, 0), threshold)            dx = d [0 < out < threshold]
    brelu            min(max(x, t_min), t_max)            dx = d [t_min < x < t_max]
    soft_relu        log(1 + exp(clip(x, -threshold, threshold)))
                                          dx = d (1 - exp(-out)) [-threshold < x < threshold]
    stanh            scale_b tanh(scale_a x)              dx = d scale_a scale_b (1 - tanh^2)
    hard_sigmoid     clip(slope x + offset, 0, 1)         dx = d slope [0 < out < 1]
    swish            x sigmoid(beta x)                    dx = d s (1 + beta x sigmoid(-beta x))
    thresholded_relu x if x > threshold else 0            dx = d [x > threshold]
    hard_shrink      x if |x| > threshold else 0          dx = d [|x| > threshold]
    softshrink       x - lambda, x + lambda or 0          dx = d [|x| > lambda]
    hard_swish       x min(max(x + offset, 0), threshold) / scale
                     dx = d ((2x + offset) / scale inside, threshold / scale above, 0 below)

pow's optional input FactorTensor (one element) overrides factor, as in fluid 1.8.
selu, relu6, soft_relu and hard_sigmoid read Out; the others read X. Build-time conditions:
brelu t_min < t_max, soft_relu threshold > 0, softshrink lambda >= 0, hard_swish scale != 0.
soft_relu's mask is told from Out (Out is increasing in x): fluid compares Out itself with
+-threshold, which gives a clipped x < -threshold a gradient. leaky_relu is fluid's
max(x, alpha x) for alpha <= 1 and stays consistent with its gradient for alpha > 1.
hard_swish's gradient above the threshold is threshold / scale (fluid writes 1, the same
for its defaults 6, 6).
"""
import math

from minifluid.place import get_array_module

from .activation import _sigmoid, make_activation

SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


def _where(c, a, b):
    return get_array_module(c).where(c, a, b)


def _clip(x, lo, hi):
    """x clipped to [lo, hi], keeping x's dtype (Python float bounds do not widen it)."""
    return get_array_module(x).clip(x, x.dtype.type(lo), x.dtype.type(hi))


def _expm1_neg(x):
    """exp(x) - 1 for x <= 0, without overflow for a large positive x that where() drops."""
    xp = get_array_module(x)
    return xp.expm1(xp.minimum(x, x.dtype.type(0)))


def _finite(op):
    for k, v in op.attrs.items():
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"attr '{k}' must be a finite number, got {v!r}")


def _require(cond, message):
    def check(op):
        _finite(op)
        if not cond(op.attrs):
            raise ValueError(message.format(**op.attrs))
    return check


def _hard_swish(x, threshold, scale, offset):
    xp = get_array_module(x)
    return x * xp.clip(x + offset, 0, threshold) / scale


def _hard_swish_grad(x, d, threshold, scale, offset):
    u = x + offset
    return d * _where(u <= 0, 0, _where(u < threshold, (2 * x + offset) / scale,
                                        threshold / scale)).astype(x.dtype, copy=False)


def _soft_relu_grad(out, d, threshold):
    # -threshold < x < threshold, told from Out: Out is increasing in x, and a clipped x
    # gives exactly these bounds
    xp = get_array_module(out)
    lo, hi = (xp.logaddexp(out.dtype.type(0), out.dtype.type(t)) for t in (-threshold, threshold))
    return d * -xp.expm1(-out) * ((out > lo) & (out < hi))


def _swish_grad(x, d, beta):
    bx = beta * x
    return d * _sigmoid(bx) * (1 + bx * _sigmoid(-bx))


# type: (attrs, forward, grad reads, grad, extra check)
ACTIVATIONS = {
    "leaky_relu": ({"alpha": 0.02}, lambda x, alpha: _where(x >= 0, x, alpha * x), "X",
                   lambda x, d, alpha: _where(x >= 0, d, alpha * d), None),
    "elu": ({"alpha": 1.0}, lambda x, alpha: _where(x > 0, x, alpha * _expm1_neg(x)), "X",
            lambda x, d, alpha: _where(x > 0, d, d * alpha * (_expm1_neg(x) + 1)), None),
    "selu": ({"scale": SELU_SCALE, "alpha": SELU_ALPHA},
             lambda x, scale, alpha: scale * _where(x > 0, x, alpha * _expm1_neg(x)), "Out",
             lambda out, d, scale, alpha: _where(out > 0, d * scale, d * (out + scale * alpha)),
             None),
    "relu6": ({"threshold": 6.0},
              lambda x, threshold: _clip(x, 0, threshold),
              "Out", lambda out, d, threshold: d * ((out > 0) & (out < threshold)), None),
    "brelu": ({"t_min": 0.0, "t_max": 24.0},
              lambda x, t_min, t_max: _clip(x, t_min, t_max),
              "X", lambda x, d, t_min, t_max: d * ((x > t_min) & (x < t_max)),
              _require(lambda a: a["t_min"] < a["t_max"],
                       "attr 't_min' ({t_min}) must be less than attr 't_max' ({t_max})")),
    "soft_relu": ({"threshold": 40.0},
                  lambda x, threshold: get_array_module(x).logaddexp(
                      x.dtype.type(0), _clip(x, -threshold, threshold)),
                  "Out", _soft_relu_grad,
                  _require(lambda a: a["threshold"] > 0,
                           "attr 'threshold' must be > 0, got {threshold}")),
    "stanh": ({"scale_a": 0.67, "scale_b": 1.7159},
              lambda x, scale_a, scale_b: scale_b * get_array_module(x).tanh(scale_a * x), "X",
              lambda x, d, scale_a, scale_b: d * scale_a * scale_b * (
                  1 - get_array_module(x).tanh(scale_a * x) ** 2), None),
    "hard_sigmoid": ({"slope": 0.2, "offset": 0.5},
                     lambda x, slope, offset: _clip(slope * x + offset, 0, 1),
                     "Out", lambda out, d, slope, offset: d * slope * ((out > 0) & (out < 1)),
                     None),
    "swish": ({"beta": 1.0}, lambda x, beta: x * _sigmoid(beta * x), "X", _swish_grad, None),
    "thresholded_relu": ({"threshold": 1.0}, lambda x, threshold: _where(x > threshold, x, 0), "X",
                         lambda x, d, threshold: d * (x > threshold), None),
    "hard_shrink": ({"threshold": 0.5},
                    lambda x, threshold: _where(get_array_module(x).abs(x) > threshold, x, 0), "X",
                    lambda x, d, threshold: d * (get_array_module(x).abs(x) > threshold), None),
    "softshrink": ({"lambda": 0.5},
                   lambda x, **a: _where(x > a["lambda"], x - a["lambda"],
                                         _where(x < -a["lambda"], x + a["lambda"], 0))
                   .astype(x.dtype, copy=False), "X",
                   lambda x, d, **a: d * (get_array_module(x).abs(x) > a["lambda"]),
                   _require(lambda a: a["lambda"] >= 0,
                            "attr 'lambda' must be >= 0, got {lambda}")),
    "hard_swish": ({"threshold": 6.0, "scale": 6.0, "offset": 3.0}, _hard_swish, "X",
                   _hard_swish_grad,
                   _require(lambda a: a["scale"] != 0, "attr 'scale' must not be 0")),
}

for _type, (_attrs, _f, _reads, _b, _check) in ACTIVATIONS.items():
    make_activation(_type, _attrs, _f, _reads, _b, _check or _finite, doc=__doc__)


def _factor(x, factor_tensor, factor):
    """The exponent: FactorTensor's one element when given (as an array: no device sync),
    else the attr."""
    if factor_tensor is None:
        return x.dtype.type(factor)
    return factor_tensor.reshape(()).astype(x.dtype)


def _check_pow(op):
    _finite(op)
    if "FactorTensor" in op.inputs and op.input("FactorTensor"):
        f = op.in_var("FactorTensor")
        # float64 too (fluid's op reads float only; its layer still asks for float32), so
        # that a float64 gradient check can feed it
        if f.dtype.kind != "f" or len(f.shape) > 1 or (f.shape and f.shape[0] not in (1, -1)):
            raise TypeError(f"FactorTensor ('{f.name}') must be a float tensor of one "
                            f"element, got {f.dtype}{list(f.shape)}")


make_activation(  # fluid 1.8's pow takes the exponent from FactorTensor when it is given
    "pow", {"factor": 1.0},
    lambda x, f, factor: get_array_module(x).power(x, _factor(x, f, factor)), "X",
    lambda x, f, d, factor: d * _factor(x, f, factor) * get_array_module(x).power(
        x, _factor(x, f, factor) - 1), _check_pow, doc=__doc__, extra=("FactorTensor",))
