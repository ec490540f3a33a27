"""Initializers: each appends one op to the startup program that fills a parameter.

    Constant(value)        fill_constant
    Uniform(low, high)     uniform_random (diag_num, diag_step, diag_val: a "diagonal")
    Normal(loc, scale)     gaussian_random
    TruncatedNormal(loc, scale)
                           truncated_gaussian_random: N(loc, scale^2) within 2 scales of loc
    Xavier(uniform=True)   U(+-sqrt(6 / (fan_in + fan_out))) or N(0, 2 / (fan_in + fan_out))
    MSRA(uniform=True)     U(+-sqrt(6 / fan_in)) or N(0, 2 / fan_in)
    NumpyArrayInitializer(value)   assign_value: the array's values, stored in the program

A seed of 0 takes the program's `random_seed` (offset by the op's position, so two
parameters of one shape still differ); when that is 0 too, every run draws fresh values.
"""
from __future__ import annotations

import math

from .checks import check_bool, check_float, check_int, name_of

__all__ = ["Initializer", "Constant", "Uniform", "Normal", "TruncatedNormal", "Xavier", "MSRA",
           "ConstantInitializer", "UniformInitializer", "NormalInitializer",
           "TruncatedNormalInitializer", "XavierInitializer", "MSRAInitializer",
           "NumpyArrayInitializer"]


class Initializer:
    seed = 0

    def op(self, var) -> tuple:
        """(op type, attrs) that fill `var`."""
        raise NotImplementedError

    def __call__(self, var, block):
        type, attrs = self.op(var)
        if "seed" in attrs and not attrs["seed"]:
            base = block.program.random_seed
            attrs["seed"] = base + len(block.ops) if base else 0
        attrs.update(shape=list(var.shape), dtype=name_of(var.dtype))
        return block.append_op(type, outputs={"Out": [var]}, attrs=attrs)


class Constant(Initializer):
    def __init__(self, value: float = 0.0, force_cpu: bool = False):
        self.value = check_float("Constant", "value", value)
        check_bool("Constant", "force_cpu", force_cpu)

    def op(self, var):
        return "fill_constant", {"value": self.value}


class Uniform(Initializer):
    """U[low, high); with diag_num > 0, diag_val at flat positions i * (diag_step + 1) for
    i < diag_num (element (i, i) when diag_step is the row length), as fluid 1.8's."""

    def __init__(self, low: float = -1.0, high: float = 1.0, seed: int = 0, diag_num: int = 0,
                 diag_step: int = 0, diag_val: float = 1.0):
        low, high = check_float("Uniform", "low", low), check_float("Uniform", "high", high)
        if low > high:
            raise ValueError(f"Uniform: argument 'low' ({low}) must not exceed 'high' ({high})")
        self.low, self.high, self.seed = low, high, _seed("Uniform", seed)
        self.diag_num = check_int("Uniform", "diag_num", diag_num, lo=0)
        self.diag_step = check_int("Uniform", "diag_step", diag_step, lo=0)
        self.diag_val = check_float("Uniform", "diag_val", diag_val)
        if (self.diag_num > 0) != (self.diag_step > 0):  # fluid 1.8 asserts both or neither
            raise ValueError(f"Uniform: arguments 'diag_num' ({diag_num}) and 'diag_step' "
                             f"({diag_step}) must both be > 0, or both 0")

    def op(self, var):
        n, step = self.diag_num, self.diag_step
        if n and math.prod(var.shape) <= (n - 1) * (step + 1):
            raise ValueError(f"Uniform: arguments 'diag_num' ({n}) and 'diag_step' ({step}) "
                             f"put a diagonal element at flat index {(n - 1) * (step + 1)}, "
                             f"outside '{var.name}' of shape {list(var.shape)}")
        return "uniform_random", {"min": self.low, "max": self.high, "seed": self.seed,
                                  "diag_num": self.diag_num, "diag_step": self.diag_step,
                                  "diag_val": self.diag_val}


class Normal(Initializer):
    op_type = "gaussian_random"

    def __init__(self, loc: float = 0.0, scale: float = 1.0, seed: int = 0):
        where = type(self).__name__
        self.loc = check_float(where, "loc", loc)
        self.scale = check_float(where, "scale", scale, lo=0)
        self.seed = _seed(where, seed)

    def op(self, var):
        return self.op_type, {"mean": self.loc, "std": self.scale, "seed": self.seed}


class TruncatedNormal(Normal):
    """N(loc, scale^2) truncated to [loc - 2 scale, loc + 2 scale], as fluid 1.8's."""
    op_type = "truncated_gaussian_random"


def _seed(where, seed):
    return check_int(where, "seed", seed, lo=0)


def _fans(shape):
    if len(shape) < 2:
        n = shape[0] if shape else 1
        return n, n
    receptive = math.prod(shape[2:])
    if len(shape) == 2:
        return shape[0], shape[1]
    return shape[1] * receptive, shape[0] * receptive


class Xavier(Initializer):
    def __init__(self, uniform: bool = True, fan_in=None, fan_out=None, seed: int = 0):
        self.uniform = check_bool("Xavier", "uniform", uniform)
        self.fan_in = check_int("Xavier", "fan_in", fan_in, lo=1, none=True)
        self.fan_out = check_int("Xavier", "fan_out", fan_out, lo=1, none=True)
        self.seed = _seed("Xavier", seed)

    def op(self, var):
        fan_in, fan_out = _fans(var.shape)
        fan_in, fan_out = self.fan_in or fan_in, self.fan_out or fan_out
        if self.uniform:
            limit = math.sqrt(6.0 / (fan_in + fan_out))
            return Uniform(-limit, limit, self.seed).op(var)
        return Normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), self.seed).op(var)


class MSRA(Initializer):
    def __init__(self, uniform: bool = True, fan_in=None, seed: int = 0):
        self.uniform = check_bool("MSRA", "uniform", uniform)
        self.fan_in = check_int("MSRA", "fan_in", fan_in, lo=1, none=True)
        self.seed = _seed("MSRA", seed)

    def op(self, var):
        fan_in = self.fan_in or _fans(var.shape)[0]
        if self.uniform:
            limit = math.sqrt(6.0 / fan_in)
            return Uniform(-limit, limit, self.seed).op(var)
        return Normal(0.0, math.sqrt(2.0 / fan_in), self.seed).op(var)


class NumpyArrayInitializer(Initializer):
    """The values of numpy array `value` (of the parameter's shape), put in the program by an
    assign_value op, as fluid 1.8's. The parameter is float32, int32 (fluid 1.8's two),
    int64 or bool; a float16 one gets the values as float32 and a cast, as in fluid 1.8.
    float64 is refused, as there: assign_value holds float32 values."""

    _VALUES = {"float32": ("fp32_values", float), "int32": ("int32_values", int),
               "int64": ("int64_values", int), "bool": ("bool_values", bool)}

    def __init__(self, value):
        import numpy as np
        if not isinstance(value, np.ndarray):
            raise TypeError(f"NumpyArrayInitializer: argument 'value' must be a numpy array, "
                            f"got {type(value).__name__}")
        if value.dtype.kind not in "biuf":
            raise TypeError(f"NumpyArrayInitializer: argument 'value' must hold numbers, got "
                            f"{value.dtype}")
        if value.size > 1024 ** 3:  # fluid 1.8's limit
            raise ValueError(f"NumpyArrayInitializer: argument 'value' has {value.size} "
                             f"elements, more than {1024 ** 3}; load it from a file instead")
        self.value = value

    def __call__(self, var, block):
        dtype = name_of(var.dtype)
        if tuple(self.value.shape) != tuple(var.shape):
            raise ValueError(f"NumpyArrayInitializer: argument 'value' has shape "
                             f"{list(self.value.shape)}, not the shape {list(var.shape)} of "
                             f"'{var.name}'")
        stored = "float32" if dtype == "float16" else dtype
        if stored not in self._VALUES:
            raise ValueError(f"NumpyArrayInitializer: argument 'value' cannot fill "
                             f"'{var.name}' of {dtype}: the values go into float16, float32, "
                             f"int32, int64 or bool parameters only")
        slot, cast = self._VALUES[stored]
        attrs = {"shape": list(var.shape), "dtype": stored,
                 slot: [cast(v) for v in self.value.astype(stored).flat]}
        if stored == dtype:
            return block.append_op("assign_value", outputs={"Out": [var]}, attrs=attrs)
        from .framework import unique_name
        tmp = block.create_var(unique_name.generate(f"numpy_array_init.{var.name}.tmp"))
        block.append_op("assign_value", outputs={"Out": [tmp]}, attrs=attrs)
        return block.append_op("cast", inputs={"X": [tmp]}, outputs={"Out": [var]},
                               attrs={"in_dtype": stored, "out_dtype": dtype})


ConstantInitializer, UniformInitializer, NormalInitializer = Constant, Uniform, Normal
TruncatedNormalInitializer = TruncatedNormal
XavierInitializer, MSRAInitializer = Xavier, MSRA
