import numpy as np
import pytest
from test_reduce_sum import CASES, _want, _want_grad

from minifluid.testing import check_grad, check_output


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("dim,keep_dim,reduce_all,axis", CASES)
def test_reduce_mean_forward_and_backward(rng, dtype, dim, keep_dim, reduce_all, axis):
    x = rng.normal(size=(2, 3, 4)).astype(dtype)
    attrs = dict(dim=dim, keep_dim=keep_dim, reduce_all=reduce_all)
    want = _want(x, axis, keep_dim, reduce_all, np.mean).astype(dtype)
    check_output("reduce_mean", {"X": x}, {"Out": want}, attrs, rtol=1e-6)
    dout = rng.normal(size=want.shape).astype(dtype)
    dx = _want_grad(x, dout, axis, scale_by_count=True).astype(dtype)
    check_output("reduce_mean_grad", {"X": x, "Out@GRAD": dout}, {"X@GRAD": dx}, attrs,
                 rtol=1e-6)


@pytest.mark.parametrize("dim,keep_dim,reduce_all,axis", CASES)
def test_reduce_mean_gradient_check(rng, dim, keep_dim, reduce_all, axis):
    check_grad("reduce_mean", {"X": rng.normal(size=(2, 3, 4))},
               dict(dim=dim, keep_dim=keep_dim, reduce_all=reduce_all))


def test_integer_input_fails_when_the_layer_is_called(fresh):
    import minifluid as fluid
    with pytest.raises(TypeError, match=r"reduce_mean: argument 'input' must be a float "
                                        r"Variable, got 'i' of int32"):
        fluid.layers.reduce_mean(fluid.data("i", [4], "int32"))
