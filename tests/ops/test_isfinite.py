"""isinf, isnan, isfinite (layers has_inf, has_nan, isfinite): one flag over the whole
tensor, against Python's math.isinf / isnan per element."""
import math

import numpy as np
import pytest

import minifluid as fluid
from minifluid.testing import check_output

REF = {"isinf": lambda v: any(math.isinf(e) for e in v),
       "isnan": lambda v: any(math.isnan(e) for e in v),
       "isfinite": lambda v: all(math.isfinite(e) for e in v)}
SPECIALS = [[], [1.0], [np.inf], [-np.inf], [np.nan], [1.0, np.nan, np.inf], [1e308, -0.0],
            [np.finfo(np.float32).max]]


@pytest.mark.parametrize("op", REF)
@pytest.mark.parametrize("values", SPECIALS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_flag_matches_math(op, values, dtype):
    with np.errstate(over="ignore"):  # 1e308 is inf in float32
        alone = np.array(values, dtype)
    x = np.concatenate([alone, np.linspace(-1, 1, 7, dtype=dtype)])
    for shaped in (x, x.reshape(1, -1), alone):  # alone: [] is an empty X
        want = np.array([REF[op](shaped.astype(np.float64).ravel().tolist())], dtype)
        check_output(op, {"X": shaped}, {"Out": want})


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_integers_are_finite(dtype):
    x = np.array([np.iinfo(dtype).max, np.iinfo(dtype).min], dtype)
    for op, want in (("isinf", 0), ("isnan", 0), ("isfinite", 1)):
        check_output(op, {"X": x}, {"Out": np.array([want], dtype)})


def test_layers(fresh):
    x = fluid.data("x", [-1, 3], "float32")
    outs = [fluid.layers.has_inf(x), fluid.layers.has_nan(x), fluid.layers.isfinite(x)]
    assert [o.shape for o in outs] == [(1,)] * 3 and all(o.dtype == np.float32 for o in outs)
    assert [op.type for op in fresh.global_block().ops] == ["isinf", "isnan", "isfinite"]
    xv = np.array([[1, np.nan, 2]], np.float32)
    got = fluid.Executor().run(fresh, {"x": xv}, outs)
    assert [g.tolist() for g in got] == [[0.0], [1.0], [0.0]]
    with pytest.raises(TypeError, match=r"has_inf: argument 'x' must be a Variable"):
        fluid.layers.has_inf([1, 2])
    with pytest.raises(TypeError, match=r"isfinite: argument 'x' must be a Variable of float32, "
                                        r"float64, int32, int64, got 'h' of float16"):
        fluid.layers.isfinite(fluid.data("h", [3], "float16"))
