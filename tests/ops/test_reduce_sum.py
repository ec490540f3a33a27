import numpy as np
import pytest

from minifluid.testing import check_grad, check_output

CASES = [  # dim, keep_dim, reduce_all, numpy axis
    ([], False, True, None), ([], True, True, None), ([0], False, False, 0),
    ([1], True, False, 1), ([-1], False, False, -1), ([0, 2], False, False, (0, 2)),
    ([0, 1, -1], False, False, None), ([], False, False, None),  # all dims: shape [1]
]


def _want(x, axis, keep_dim, reduce_all, op):
    out = op(x.astype(np.float64), axis=axis, keepdims=keep_dim)
    return np.reshape(out, (1,)) if axis is None and not keep_dim else out


def _want_grad(x, dout, axis, scale_by_count=False):
    """dout spread back over the reduced axes (divided by their size for a mean)."""
    ax = tuple(range(x.ndim)) if axis is None else tuple(np.atleast_1d(axis) % x.ndim)
    dx = np.broadcast_to(dout.reshape([1 if i in ax else d for i, d in enumerate(x.shape)]),
                         x.shape)
    return dx / np.prod([x.shape[a] for a in ax]) if scale_by_count else dx


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("dim,keep_dim,reduce_all,axis", CASES)
def test_reduce_sum_forward_and_backward(rng, dtype, dim, keep_dim, reduce_all, axis):
    x = rng.normal(size=(2, 3, 4)).astype(dtype)
    attrs = dict(dim=dim, keep_dim=keep_dim, reduce_all=reduce_all)
    want = _want(x, axis, keep_dim, reduce_all, np.sum).astype(dtype)
    check_output("reduce_sum", {"X": x}, {"Out": want}, attrs, rtol=1e-6)
    dout = rng.normal(size=want.shape).astype(dtype)
    check_output("reduce_sum_grad", {"X": x, "Out@GRAD": dout},
                 {"X@GRAD": _want_grad(x, dout, axis)}, attrs)


@pytest.mark.parametrize("dim,keep_dim,reduce_all,axis", CASES)
def test_reduce_sum_gradient_check(rng, dim, keep_dim, reduce_all, axis):
    check_grad("reduce_sum", {"X": rng.normal(size=(2, 3, 4))},
               dict(dim=dim, keep_dim=keep_dim, reduce_all=reduce_all))


def test_reduce_sum_int():
    x = np.arange(12, dtype=np.int64).reshape(3, 4)
    check_output("reduce_sum", {"X": x}, {"Out": x.sum(0)}, {"dim": [0]})


def test_fetched_reduce_gradients_are_writable_arrays(fresh):
    # The grad kernels return broadcast views; what the user fetches is an ordinary array.
    import minifluid as fluid
    x = fluid.data("x", [2, 3], "float32")
    x.stop_gradient = False
    total = fluid.layers.reduce_sum(x) + fluid.layers.reduce_mean(x) + fluid.layers.mean(x)
    dx, = fluid.gradients([total], [x])
    got, = fluid.Executor().run(fresh, {"x": np.ones((2, 3), "float32")}, [dx])
    np.testing.assert_allclose(got, np.full((2, 3), 1 + 2 / 6), rtol=1e-6)
    assert got.flags.writeable and got.flags.c_contiguous
    got += 1  # the caller's own array
