"""mul and matmul."""
import itertools
import re

import numpy as np
import pytest

import minifluid as fluid
from minifluid.testing import check_grad, check_output


@pytest.mark.parametrize("xs,ys,xn,yn", [((4, 3), (3, 5), 1, 1), ((2, 3, 4), (12, 5), 1, 1),
                                         ((2, 3, 4), (4, 5), 2, 1), ((2, 6), (3, 2, 5), 1, 2)])
def test_mul(rng, xs, ys, xn, yn):
    x, y = rng.normal(size=xs), rng.normal(size=ys)
    want = (x.reshape(int(np.prod(xs[:xn])), -1) @ y.reshape(int(np.prod(ys[:yn])), -1))
    want = want.reshape(xs[:xn] + ys[yn:])
    attrs = {"x_num_col_dims": xn, "y_num_col_dims": yn}
    check_output("mul", {"X": x, "Y": y}, {"Out": want}, attrs, rtol=1e-12)
    check_output("mul", {"X": x.astype("float32"), "Y": y.astype("float32")},
                 {"Out": want.astype("float32")}, attrs, rtol=1e-5, atol=1e-5)
    check_grad("mul", {"X": x, "Y": y}, attrs, inputs_to_check=("X", "Y"))


@pytest.mark.parametrize("xs,ys,tx,ty", [
    ((3, 4), (4, 5), False, False), ((4, 3), (4, 5), True, False),
    ((3, 4), (5, 4), False, True), ((2, 3, 4), (2, 4, 5), False, False),
    ((2, 3, 4), (4, 5), False, False), ((3, 4), (2, 4, 5), False, False),
    ((4,), (4, 5), False, False), ((3, 4), (4,), False, False), ((4,), (4,), False, False),
])
def test_matmul(rng, xs, ys, tx, ty):
    x, y = rng.normal(size=xs), rng.normal(size=ys)
    opx = x.swapaxes(-1, -2) if tx else x
    opy = y.swapaxes(-1, -2) if ty else y
    attrs = {"transpose_X": tx, "transpose_Y": ty, "alpha": 2.0}
    want = 2.0 * np.matmul(opx, opy)
    check_output("matmul", {"X": x, "Y": y}, {"Out": want.reshape(want.shape or (1,))}, attrs,
                 rtol=1e-12)
    check_grad("matmul", {"X": x, "Y": y}, attrs, inputs_to_check=("X", "Y"))


def _operand(rank, transposed, inner, outer, batch, row):
    """A shape of `rank` whose op() is [outer, inner] (X, row) or [inner, outer] (Y)."""
    if rank == 1:
        return [outer] if transposed else [inner]
    shape = [inner, outer] if transposed == row else [outer, inner]
    return [batch] + shape if rank == 3 else shape


def _reference(x, y, tx, ty):
    """Paddle 1.8's rule written with numpy: a transposed 1-D X is a column, a transposed
    1-D Y a row; np.matmul's 0-d result is [1]."""
    if tx:
        x = x.reshape(x.size, 1) if x.ndim == 1 else x.swapaxes(-1, -2)
    if ty:
        y = y.reshape(1, y.size) if y.ndim == 1 else y.swapaxes(-1, -2)
    out = np.matmul(x, y)
    return out.reshape(out.shape or (1,))


@pytest.mark.parametrize("rx,ry,tx,ty", list(itertools.product((1, 2, 3), (1, 2, 3),
                                                                (False, True), (False, True))))
def test_matmul_every_rank_and_transpose(rng, rx, ry, tx, ty):
    # A transposed 1-D operand contributes its length as M (or N), so K is then 1.
    k = 1 if (rx == 1 and tx) or (ry == 1 and ty) else 5
    x = rng.normal(size=_operand(rx, tx, k, 3, 2, row=True))
    y = rng.normal(size=_operand(ry, ty, k, 4, 2, row=False))
    attrs = {"transpose_X": tx, "transpose_Y": ty, "alpha": -0.5}
    check_output("matmul", {"X": x, "Y": y}, {"Out": -0.5 * _reference(x, y, tx, ty)}, attrs,
                 rtol=1e-12)
    check_grad("matmul", {"X": x, "Y": y}, attrs, inputs_to_check=("X", "Y"))


@pytest.mark.parametrize("xs,ys,tx,ty,out", [
    ((5,), (5,), False, False, (1,)), ((3,), (4,), True, True, (3, 4)),
    ((1,), (4,), True, True, (4,)), ((3,), (1,), True, True, (3,)),
    ((1,), (1,), True, True, (1,)), ((2, 5), (5,), False, False, (2,)),
    ((1, 5), (5, 1), False, False, (1, 1)), ((5,), (2, 5, 3), False, False, (2, 3)),
])
def test_matmul_output_shapes_of_1d_operands(xs, ys, tx, ty, out):
    from minifluid.testing import build_op
    _, _, outs = build_op("matmul", {"X": np.ones(xs), "Y": np.ones(ys)},
                          {"transpose_X": tx, "transpose_Y": ty})
    assert outs["Out"].shape == out


def test_shape_errors(fresh):
    import minifluid as fluid
    x = fluid.data("x", [None, 3])
    with pytest.raises(ValueError, match=r"flattens to width 3 but Y \('y'\) of shape \[4, 5\]"):
        fluid.layers.mul(x, fluid.data("y", [4, 5]))
    with pytest.raises(ValueError, match=r"inner dimensions differ: \[-1, 3\] and \[4, 2\]"):
        fluid.layers.matmul(x, fluid.data("z", [4, 2]))


@pytest.mark.parametrize("xs,ys,bad", [([], [3], "X ('x')"), ([3], [], "Y ('y')"),
                                       ([], [], "X ('x')")])
def test_matmul_of_a_0d_input_is_a_build_error(fresh, xs, ys, bad):
    import minifluid as fluid
    with pytest.raises(ValueError, match=rf"matmul: {re.escape(bad)} must have rank >= 1, got "
                                         rf"shape \[\]"):
        fluid.layers.matmul(fluid.data("x", xs), fluid.data("y", ys))


def test_mul_of_ints_is_refused_when_built(fresh):
    x = fluid.layers.data("x", [4], dtype="int32")
    y = fluid.layers.data("y", [4], dtype="int32")
    with pytest.raises(TypeError, match=r"mul: X \('x'\) must be a float tensor, got int32"):
        fluid.layers.mul(x, y)
