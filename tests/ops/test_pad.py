"""Issue 15's padding ops: pad, pad2d, pad_constant_like; their layers. Expected values are
written here by plain loops and index arithmetic (not np.pad); gradients are checked in
float64."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid.testing import check_grad, check_output, run_op


def _placed(x, before, shape, value):
    out = np.full(shape, value, x.dtype)
    out[tuple(slice(b, b + n) for b, n in zip(before, x.shape))] = x
    return out


@pytest.mark.parametrize("shape,paddings", [((2, 3), [0, 1, 2, 3]), ((4,), [3, 0]),
                                            ((2, 1, 3), [1, 1, 0, 0, 2, 2]),
                                            ((0, 2), [1, 1, 0, 1])])
@pytest.mark.parametrize("value", [0.0, -1.5, np.inf])
def test_pad(rng, shape, paddings, value):
    x = rng.normal(size=shape)
    out_shape = [d + paddings[2 * i] + paddings[2 * i + 1] for i, d in enumerate(shape)]
    check_output("pad", {"X": x}, {"Out": _placed(x, paddings[::2], out_shape, value)},
                 {"paddings": paddings, "pad_value": value})
    if x.size and np.isfinite(value):
        check_grad("pad", {"X": x}, {"paddings": paddings, "pad_value": value})
    xi = rng.integers(-5, 5, size=shape).astype(np.int32)
    if np.isfinite(value):
        check_output("pad", {"X": xi}, {"Out": _placed(xi, paddings[::2], out_shape,
                                                       int(value))},
                     {"paddings": paddings, "pad_value": value})


def test_pad_refuses_bad_paddings(rng):
    for bad in ([0, 1], [0, 1, 0, -1]):
        with pytest.raises(ValueError, match="paddings must hold 2 ints >= 0 per dimension"):
            run_op("pad", {"X": rng.normal(size=(2, 3))}, {"paddings": bad})


def _source(o, n, mode):
    """The input position that padded position o (counted from the first input row) copies."""
    if mode == "edge":
        return min(max(o, 0), n - 1)
    while not 0 <= o < n:  # reflect about the edge rows, which are not repeated
        o = -o if o < 0 else 2 * (n - 1) - o
    return o


def _pad2d_by_loop(x, pads, mode, value, nhwc):
    img = np.moveaxis(x, 3, 1) if nhwc else x  # as NCHW
    n, c, h, w = img.shape
    top, bottom, left, right = pads
    out = np.empty((n, c, h + top + bottom, w + left + right), x.dtype)
    for i in range(h + top + bottom):
        for j in range(w + left + right):
            y, z = i - top, j - left
            if mode == "constant":
                out[:, :, i, j] = img[:, :, y, z] if 0 <= y < h and 0 <= z < w else value
            else:
                out[:, :, i, j] = img[:, :, _source(y, h, mode), _source(z, w, mode)]
    return np.moveaxis(out, 1, 3) if nhwc else out


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge"])
@pytest.mark.parametrize("data_format", ["NCHW", "NHWC"])
@pytest.mark.parametrize("pads", [[0, 1, 2, 3], [2, 2, 0, 0], [0, 0, 0, 0]])
def test_pad2d(rng, mode, data_format, pads):
    x = rng.normal(size=(2, 3, 4, 5) if data_format == "NCHW" else (2, 4, 5, 3))
    attrs = {"paddings": pads, "mode": mode, "pad_value": 0.5, "data_format": data_format}
    want = _pad2d_by_loop(x, pads, mode, 0.5, data_format == "NHWC")
    check_output("pad2d", {"X": x}, {"Out": want}, attrs)
    check_output("pad2d", {"X": x, "Paddings": np.array(pads, np.int32)}, {"Out": want},
                 {**attrs, "paddings": []})
    check_grad("pad2d", {"X": x}, attrs)  # reflect and edge: copied entries' grads add up
    check_grad("pad2d", {"X": x, "Paddings": np.array(pads, np.int32)}, {**attrs, "paddings": []})


def test_pad2d_reflect_to_the_limit_and_edge_of_one_row(rng):
    x = rng.normal(size=(1, 1, 3, 1))
    check_output("pad2d", {"X": x}, {"Out": _pad2d_by_loop(x, [2, 2, 4, 0], "edge", 0, False)},
                 {"paddings": [2, 2, 4, 0], "mode": "edge"})
    x = rng.normal(size=(1, 2, 3, 4))
    attrs = {"paddings": [2, 2, 3, 3], "mode": "reflect"}
    check_output("pad2d", {"X": x}, {"Out": _pad2d_by_loop(x, [2, 2, 3, 3], "reflect", 0,
                                                             False)}, attrs)
    check_grad("pad2d", {"X": x}, attrs)
    with pytest.raises(ValueError, match=r"reflect padding of 3 must be smaller than the padded "
                                         r"dimension \(3\)"):
        run_op("pad2d", {"X": x}, {"paddings": [3, 0, 0, 0], "mode": "reflect"})
    with pytest.raises(ValueError, match=r"the Paddings tensor: reflect padding of 4"):
        run_op("pad2d", {"X": x, "Paddings": np.array([0, 0, 4, 0], np.int32)},
               {"paddings": [], "mode": "reflect"})


@pytest.mark.parametrize("x_shape,y_shape", [((4, 5), (2, 5)), ((2, 3, 4), (1, 1, 1)),
                                             ((3, 2), (3, 2)), ((2, 3), (0, 3))])
def test_pad_constant_like(rng, x_shape, y_shape):
    x, y = rng.normal(size=x_shape), rng.normal(size=y_shape)
    check_output("pad_constant_like", {"X": x, "Y": y},
                 {"Out": _placed(y, (0,) * len(y_shape), x_shape, 0.25)}, {"pad_value": 0.25})
    if y.size:
        check_grad("pad_constant_like", {"X": x, "Y": y}, {"pad_value": 0.25},
                   inputs_to_check=("Y",))
    if x_shape != y_shape:
        with pytest.raises(ValueError, match="no dimension smaller than Y's"):
            run_op("pad_constant_like", {"X": y, "Y": x})


def test_pad_layers(fresh):
    x = fluid.data("x", [-1, 3], "float32")
    img = fluid.data("img", [-1, 1, 2, 3], "float32")
    p = fluid.data("p", [4], "int32")
    a = fluid.layers.pad(x, paddings=[1, 0, 0, 2], pad_value=9)
    b = fluid.layers.pad2d(img, paddings=[1, 0, 0, 1], mode="edge")
    c = fluid.layers.pad2d(img, paddings=p, pad_value=-1.0)
    d = fluid.layers.pad_constant_like(fluid.data("big", [-1, 4], "float32"), x, pad_value=7.0)
    assert a.shape == (-1, 5) and b.shape == (-1, 1, 3, 4) and c.shape == (-1, 1, -1, -1)
    assert d.shape == (-1, 4) and d.dtype == np.float32
    xv = np.arange(3, dtype=np.float32).reshape(1, 3)
    iv = np.arange(6, dtype=np.float32).reshape(1, 1, 2, 3)
    got = fluid.Executor().run(fresh, {"x": xv, "img": iv, "p": np.array([0, 0, 1, 0], np.int32),
                                       "big": np.zeros((2, 4), np.float32)}, [a, b, c, d])
    np.testing.assert_array_equal(got[0], [[9, 9, 9, 9, 9], [0, 1, 2, 9, 9]])
    np.testing.assert_array_equal(got[1][0, 0], [[0, 1, 2, 2], [0, 1, 2, 2], [3, 4, 5, 5]])
    np.testing.assert_array_equal(got[2][0, 0], [[-1, 0, 1, 2], [-1, 3, 4, 5]])
    np.testing.assert_array_equal(got[3], [[0, 1, 2, 7], [7, 7, 7, 7]])


@pytest.mark.parametrize("call,cls,match", [
    (lambda x, img: fluid.layers.pad(x, [1, 1]), ValueError, "pad: argument 'paddings'"),
    (lambda x, img: fluid.layers.pad(x, [1, 1, 0, -1]), ValueError, "pad: argument 'paddings'"),
    (lambda x, img: fluid.layers.pad(np.ones(3), [1, 1]), TypeError, "pad: argument 'x'"),
    (lambda x, img: fluid.layers.pad(x, [0, 0, 0, 0], pad_value="0"), TypeError,
     "pad: argument 'pad_value'"),
    (lambda x, img: fluid.layers.pad2d(x), ValueError, "pad2d: argument 'input' must be 4-D"),
    (lambda x, img: fluid.layers.pad2d(img, [1, 1, 1]), ValueError, "pad2d: argument 'paddings'"),
    (lambda x, img: fluid.layers.pad2d(img, [0, 0, 3, 0], mode="reflect"), ValueError,
     "smaller than the dimension"),
    (lambda x, img: fluid.layers.pad2d(img, mode="wrap"), ValueError, "pad2d: argument 'mode'"),
    (lambda x, img: fluid.layers.pad2d(img, data_format="NCWH"), ValueError,
     "pad2d: argument 'data_format'"),
    (lambda x, img: fluid.layers.pad2d(img, paddings=x), TypeError, "pad2d: argument 'paddings'"),
    (lambda x, img: fluid.layers.pad_constant_like(x, img), ValueError,
     "pad_constant_like: argument 'x' must have the rank"),
    (lambda x, img: fluid.layers.pad_constant_like(np.ones(3), x), TypeError,
     "pad_constant_like: argument 'x'"),
])
def test_pad_layer_errors(fresh, call, cls, match):
    x = fluid.data("x", [-1, 3], "float32")
    img = fluid.data("img", [-1, 1, 2, 3], "float32")
    with pytest.raises(cls, match=match):
        call(x, img)
