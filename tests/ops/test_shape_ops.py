"""reshape, concat, cast, scale."""
import numpy as np
import pytest

from minifluid.testing import check_grad, check_output


@pytest.mark.parametrize("shape,want", [([6, 4], (6, 4)), ([0, -1], (2, 12)),
                                        ([-1], (24,)), ([2, 0, 2, 2], (2, 3, 2, 2))])
def test_reshape(rng, shape, want):
    x = rng.normal(size=(2, 3, 4))
    check_output("reshape", {"X": x}, {"Out": x.reshape(want)}, {"shape": shape})
    check_grad("reshape", {"X": x}, {"shape": shape})


def test_reshape_errors(fresh):
    import minifluid as fluid
    x = fluid.data("x", [2, 3])
    with pytest.raises(ValueError, match=r"cannot reshape X of shape \[2, 3\] \(6 elements\) "
                                         r"into \[4\]"):
        fluid.layers.reshape(x, [4])
    with pytest.raises(ValueError, match="only one -1"):
        fluid.layers.reshape(x, [-1, -1])
    assert fluid.layers.reshape(fluid.layers.data("b", [3, 4]), [0, 12]).shape == (-1, 12)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat(rng, axis):
    xs = [rng.normal(size=(2, 3, 4)) for _ in range(3)]
    check_output("concat", {"X": xs}, {"Out": np.concatenate(xs, axis)}, {"axis": axis})
    check_grad("concat", {"X": xs}, {"axis": axis}, inputs_to_check=("X",))


def test_concat_gradient_of_only_some_inputs(fresh, rng):
    import minifluid as fluid
    a = fluid.data("a", [2, 3], "float64")
    b = fluid.data("b", [2, 3], "float64")
    a.stop_gradient = False
    out = fluid.layers.reduce_sum(fluid.layers.concat([a, b], axis=1))
    da, db = fluid.gradients(out, [a, b])
    assert db is not None  # asked for, so computed
    g, = fluid.Executor().run(fresh, {"a": np.ones((2, 3)), "b": np.ones((2, 3))}, [da])
    np.testing.assert_array_equal(g, np.ones((2, 3)))


def test_cast(rng):
    x = rng.normal(size=(3, 4))
    check_output("cast", {"X": x}, {"Out": x.astype("float32")}, {"out_dtype": "float32"})
    check_output("cast", {"X": x}, {"Out": x.astype("int64")}, {"out_dtype": "int64"})


def test_cast_gradient_flows_back_in_the_input_dtype(fresh, rng):
    import minifluid as fluid
    x = fluid.data("x", [3], "float32")
    x.stop_gradient = False
    y = fluid.layers.cast(x, "float64")
    dx, = fluid.gradients(fluid.layers.reduce_sum(y), [x])
    assert dx.dtype == np.float32
    g, = fluid.Executor().run(fresh, {"x": np.ones(3, np.float32)}, [dx])
    assert g.dtype == np.float32 and list(g) == [1, 1, 1]


@pytest.mark.parametrize("after", [True, False])
def test_scale(rng, after):
    x = rng.normal(size=(3, 4))
    want = 3 * x + 2 if after else 3 * (x + 2)
    attrs = {"scale": 3.0, "bias": 2.0, "bias_after_scale": after}
    check_output("scale", {"X": x}, {"Out": want}, attrs, rtol=1e-12)
    check_grad("scale", {"X": x}, attrs)


def test_cast_gradient_check(rng):
    check_grad("cast", {"X": rng.normal(size=(3, 4))}, {"out_dtype": "float64"})


def test_reshape_infers_the_minus_one_when_unknown_dims_are_copied(fresh):
    import minifluid as fluid
    img = fluid.layers.data("img", [3, 4, 4])
    assert fluid.layers.reshape(img, [0, -1]).shape == (-1, 48)
    assert fluid.layers.reshape(img, [-1, 16]).shape == (-1, 16)
