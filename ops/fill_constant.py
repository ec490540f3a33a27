"""fill_constant, uniform_random, gaussian_random: new tensors of a given shape and dtype
(the initialisers of the startup program use them).

    fill_constant:   Out = value everywhere
    uniform_random:  Out ~ U[min, max)
    gaussian_random: Out ~ N(mean, std^2)

A random op with seed 0 draws fresh entropy; with another seed it gives the same values on
every run. The values are drawn with numpy on either place, so a GPU run starts from the
same parameters as a CPU run.
"""
import numpy as np

from minifluid.registry import register_op

FLOATS = ("float16", "float32", "float64")


def _shape_rule(op):
    shape = op.attr("shape")
    if not all(isinstance(d, int) and d >= 0 for d in shape):
        raise ValueError(f"shape must be a list of ints >= 0, got {shape}")
    out = op.out_var("Out")
    out.shape, out.dtype = tuple(shape), np.dtype(op.attr("dtype"))


def _register(type, attrs, draw, dtypes):
    op = register_op(type, outputs=["Out"], attrs={"shape": [], "dtype": "float32", **attrs},
                     doc=__doc__)
    op.shape_rule(_shape_rule)

    @op.kernel("cpu", *dtypes)
    def _(**a):
        return draw(a).astype(a["dtype"], copy=False)

    @op.kernel("cuda", *dtypes)
    def _(**a):
        import cupy
        return cupy.asarray(draw(a).astype(a["dtype"], copy=False))


def _rng(a):
    return np.random.default_rng(a["seed"] or None)


_register("fill_constant", {"value": 0.0},
          lambda a: np.full(a["shape"], a["value"], a["dtype"]),
          FLOATS + ("int32", "int64", "bool"))
_register("uniform_random", {"min": -1.0, "max": 1.0, "seed": 0},
          lambda a: _rng(a).uniform(a["min"], a["max"], a["shape"]), FLOATS)
_register("gaussian_random", {"mean": 0.0, "std": 1.0, "seed": 0},
          lambda a: _rng(a).normal(a["mean"], a["std"], a["shape"]), FLOATS)
