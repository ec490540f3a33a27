import numpy as np
import pytest

import minifluid as fluid
from minifluid.testing import check_output
from minifluid.vartype import VarDesc


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_fill_any_like(dtype):
    x = np.arange(6).reshape(2, 3).astype(dtype)
    check_output("fill_any_like", {"X": x}, {"Out": np.full((2, 3), 3, dtype)}, {"value": 3.0})


def test_the_dtype_attr_gives_out_another_dtype():
    x = np.arange(6).reshape(2, 3).astype("int32")
    check_output("fill_any_like", {"X": x}, {"Out": np.full((2, 3), 0.5, "float32")},
                 {"value": 0.5, "dtype": int(VarDesc.VarType.FP32)})
    check_output("fill_any_like", {"X": x}, {"Out": np.full((2, 3), 7, "int64")},
                 {"value": 7.0, "dtype": "int64"})


@pytest.mark.parametrize("value,dtype", [(1e100, "float32"), (7e4, "float16"),
                                         (float("nan"), "float64"), (2.0 ** 31, "int32"),
                                         (2.0, "bool")])
def test_a_value_outside_outs_dtype_is_enforce_not_met_when_built(value, dtype):
    x = np.zeros((2, 3), dtype)
    with pytest.raises(fluid.core.EnforceNotMet, match=f"value .* does not fit Out's dtype "
                                                       f"{dtype}"):
        check_output("fill_any_like", {"X": x}, {"Out": x}, {"value": value})


def test_full_like_fills_in_the_inputs_dtype_or_another(fresh):
    x = fluid.data("x", [None, 3])
    twos = fluid.layers.full_like(x, 2.0)
    sevens = fluid.layers.full_like(x, 7, dtype="int64", stop_gradient=False)
    assert (twos.dtype, sevens.dtype, twos.stop_gradient, sevens.stop_gradient) == \
        (np.float32, np.int64, True, False)
    a, b = fluid.Executor().run(fresh, {"x": np.ones((4, 3), "float32")}, [twos, sevens])
    np.testing.assert_array_equal(a, np.full((4, 3), 2.0, "float32"))
    np.testing.assert_array_equal(b, np.full((4, 3), 7, "int64"))
    with pytest.raises(TypeError, match="full_like: argument 'dtype'"):
        fluid.layers.full_like(x, 2, dtype="int16")  # a dtype fluid 1.8's full_like refused
    with pytest.raises(ValueError, match="full_like: argument 'dtype'"):
        fluid.layers.full_like(x, 2, dtype="uint4")
    with pytest.raises(ValueError, match="argument 'fill_value' 1e\\+100 does not fit"):
        fluid.layers.full_like(x, 1e100)
    with pytest.raises(ValueError, match="argument 'out' must be another Variable of input's"):
        fluid.layers.full_like(x, 1.0, out=x)
