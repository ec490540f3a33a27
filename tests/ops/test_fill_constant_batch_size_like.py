"""fill_constant_batch_size_like (ops/fill_constant_batch_size_like.py) and its layer, as in
fluid 1.8: `shape` with dimension output_dim_idx taken from Input's dimension input_dim_idx
when the op runs, the value exact for int64 (str_value), no gradient."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid.testing import check_output


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "bool"])
def test_fills_shape_with_the_batch_size_of_input(dtype):
    x = np.zeros((5, 3), "float32")
    check_output("fill_constant_batch_size_like", {"Input": x},
                 {"Out": np.full((5, 2), 1, dtype)},
                 {"shape": [-1, 2], "dtype": dtype, "value": 1.0})


def test_input_and_output_dim_idx():
    x = np.zeros((2, 7, 3), "float64")
    check_output("fill_constant_batch_size_like", {"Input": x},
                 {"Out": np.full((4, 7), -2.5, "float32")},
                 {"shape": [4, 1], "dtype": "float32", "value": -2.5, "input_dim_idx": 1,
                  "output_dim_idx": 1})


def test_str_value_wins_and_is_exact_for_int64():
    x = np.zeros((3,), "int64")
    big = 2 ** 62 + 1  # a float (and a C++ float more so) rounds it
    check_output("fill_constant_batch_size_like", {"Input": x},
                 {"Out": np.full((3,), big, "int64")},
                 {"shape": [-1], "dtype": "int64", "value": float(big), "str_value": str(big)})
    # without str_value the float attr is read as fluid's kernel reads it: a C++ float
    check_output("fill_constant_batch_size_like", {"Input": x},
                 {"Out": np.full((3,), np.float64(np.float32(0.1)), "float64")},
                 {"shape": [-1], "dtype": "float64", "value": 0.1})


def test_the_layer_follows_the_fed_batch_and_stops_the_gradient(fresh):
    x = fluid.data("x", [None, 4], "float32")
    ones = fluid.layers.fill_constant_batch_size_like(x, [-1, 1], "float32", 1.0)
    big = fluid.layers.fill_constant_batch_size_like(x, [3, -1], "int64", 2 ** 40 + 3,
                                                     output_dim_idx=1)
    assert ones.shape == (-1, 1) and big.shape == (3, -1) and ones.stop_gradient
    exe = fluid.Executor()
    for n in (1, 6, 0):  # an empty batch too
        a, b = exe.run(fresh, {"x": np.zeros((n, 4), "float32")}, [ones, big])
        np.testing.assert_array_equal(a, np.ones((n, 1), "float32"))
        np.testing.assert_array_equal(b, np.full((3, n), 2 ** 40 + 3, "int64"))
    op = fresh.global_block().ops[0]
    assert (op.attr("str_value"), op.attr("value")) == ("1.0", 1.0)
    assert fresh.global_block().ops[1].attr("str_value") == str(2 ** 40 + 3)


def test_no_gradient_reaches_input(fresh):
    x = fluid.data("x", [None, 2], "float32")
    x.stop_gradient = False
    y = fluid.layers.fill_constant_batch_size_like(x, [-1, 2], "float32", 3.0)
    loss = fluid.layers.mean(fluid.layers.elementwise_mul(x, y))
    gx, = fluid.gradients(loss, x)
    got, = fluid.Executor().run(fresh, {"x": np.ones((2, 2), "float32")}, [gx])
    np.testing.assert_allclose(got, np.full((2, 2), 3.0 / 4))  # only through x itself


def test_refusals_name_the_argument(fresh):
    x = fluid.data("x", [None, 2], "float32")
    cases = [(dict(shape=[], dtype="float32", value=1), ValueError, "'shape'"),
             (dict(shape=[-1, -1], dtype="float32", value=1), ValueError, "'shape'"),
             (dict(shape=[-1], dtype="uint8", value=1), TypeError, "'dtype'"),
             (dict(shape=[-1], dtype="int32", value=0.5), ValueError, "'value'"),
             (dict(shape=[-1], dtype="float32", value=1, output_dim_idx=1), ValueError,
              "'output_dim_idx'"),
             (dict(shape=[-1], dtype="float32", value=1, input_dim_idx=2), ValueError,
              "'input_dim_idx'")]
    for kw, cls, arg in cases:
        with pytest.raises(cls, match=f"fill_constant_batch_size_like: argument {arg}"):
            fluid.layers.fill_constant_batch_size_like(x, **kw)
    assert not fresh.global_block().ops
