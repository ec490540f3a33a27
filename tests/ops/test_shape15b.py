"""Issue 15's shape ops, part 2: expand, expand_as; their layers. Expected values are numpy
formulas written here (index arithmetic, not the kernels' calls); gradients are checked in
float64."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid.testing import check_grad, check_output


def tiled(x, times):
    """Out[i_0, ..., i_k] = X[i_0 % x_0, ..., i_k % x_k], Out of shape x_i * times_i."""
    return x[np.ix_(*[np.arange(d * t) % d for d, t in zip(x.shape, times)])]


@pytest.mark.parametrize("shape,times", [((5,), [3]), ((3, 4), [2, 3]), ((2, 1, 3), [1, 1, 1]),
                                         ((2, 3, 1, 2), [3, 2, 1, 2]), ((0, 2), [3, 2]),
                                         ((1, 1, 1, 1, 1, 2), [2, 1, 1, 1, 2, 1])])
def test_expand(rng, shape, times):
    x = rng.normal(size=shape) * 1e300  # values pass through untouched
    check_output("expand", {"X": x}, {"Out": tiled(x, times)}, {"expand_times": times})
    if x.size:
        check_grad("expand", {"X": rng.normal(size=shape)}, {"expand_times": times})


def test_expand_gradient_sums_the_tiles():
    # d/dx of sum(w * tile(x, [3])) for x of one element: the sum of w
    x, w = np.array([2.0]), np.array([1.0, 10.0, 100.0])
    main = fluid.Program()
    with fluid.program_guard(main, fluid.Program()):
        xv, wv = fluid.data("x", [1], "float64"), fluid.data("w", [3], "float64")
        xv.stop_gradient = False
        y = fluid.layers.expand(xv, [3])
        dx, = fluid.gradients(fluid.layers.reduce_sum(y * wv), [xv])
    np.testing.assert_array_equal(fluid.Executor().run(main, {"x": x, "w": w}, [dx])[0],
                                  [111.0])


def test_expand_times_from_tensors(rng):
    x = rng.normal(size=(3, 4))
    want = tiled(x, [2, 3])
    check_output("expand", {"X": x, "ExpandTimes": np.array([2, 3], np.int32)}, {"Out": want})
    ts = [np.array([2], np.int64), np.array([3], np.int32)]
    check_output("expand", {"X": x, "expand_times_tensor": ts}, {"Out": want},
                 {"expand_times": [-1, 3]})
    check_grad("expand", {"X": x, "ExpandTimes": np.array([2, 3], np.int32)})
    check_grad("expand", {"X": x, "expand_times_tensor": ts}, {"expand_times": [-1, -1]})


@pytest.mark.parametrize("dtype", ["int32", "int64", "bool", "float16"])
def test_expand_other_dtypes(rng, dtype):
    x = (rng.normal(size=(2, 3)) * 5).astype(dtype)
    check_output("expand", {"X": x}, {"Out": tiled(x, [2, 1])}, {"expand_times": [2, 1]})


@pytest.mark.parametrize("inputs,attrs,match", [
    ({}, {"expand_times": [2]}, r"expand_times \[2\] must have one value per dimension"),
    ({}, {"expand_times": [2, 0]}, r"must hold ints >= 1"),
    ({"ExpandTimes": np.array([2.0, 1.0])}, {}, r"ExpandTimes .* must be a 1-D int32/int64"),
    ({"expand_times_tensor": [np.array([2], np.int32)]}, {"expand_times": [-1, 1]},
     r"expand_times_tensor holds 1 tensors; X .* has rank 2"),
])
def test_expand_bad_times_fail_when_built(inputs, attrs, match):
    from minifluid.testing import run_op
    with pytest.raises((ValueError, TypeError), match=match):
        run_op("expand", {"X": np.zeros((2, 3)), **inputs}, attrs)


def test_expand_bad_times_tensor_fails_when_run(fresh):
    x = fluid.data("x", [2, 3], "float32")
    t = fluid.data("t", [2], "int32")
    y = fluid.layers.expand(x, t)
    with pytest.raises(ValueError, match=r"expand: the expand times \[0, 1\] must be 2 ints"):
        fluid.Executor().run(fresh, {"x": np.zeros((2, 3), np.float32),
                                     "t": np.array([0, 1], np.int32)}, [y])


@pytest.mark.parametrize("shape,target", [((5,), (10,)), ((3, 4), (6, 4)),
                                          ((1, 1, 3, 2), (2, 3, 6, 2)), ((2, 3), (0, 3))])
def test_expand_as(rng, shape, target):
    x = rng.normal(size=shape)
    times = [n // d for d, n in zip(shape, target)]
    t = np.zeros(target, np.int32)  # only its shape matters: any dtype
    check_output("expand_as", {"X": x, "target_tensor": t}, {"Out": tiled(x, times)})
    if np.prod(target):
        check_grad("expand_as", {"X": x, "target_tensor": t})


def test_expand_as_mismatch_fails(fresh):
    from minifluid.testing import run_op
    with pytest.raises(ValueError, match=r"must be a multiple of X's"):
        run_op("expand_as", {"X": np.zeros((2, 3)), "target_tensor": np.zeros((3, 3))})
    with pytest.raises(ValueError, match=r"must have the rank of X"):
        run_op("expand_as", {"X": np.zeros((2, 3)), "target_tensor": np.zeros((2, 3, 1))})
    x = fluid.data("x", [-1, 3], "float32")
    y = fluid.layers.expand_as(x, fluid.data("t", [-1, 6], "float32"))
    assert y.shape == (-1, 6)
    with pytest.raises(ValueError, match=r"expand_as: each dimension of target_tensor"):
        fluid.Executor().run(fresh, {"x": np.zeros((2, 3), np.float32),
                                     "t": np.zeros((3, 6), np.float32)}, [y])


def test_expand_layers(fresh):
    x = fluid.data("x", [-1, 3], "float32")
    two = fluid.layers.fill_constant([1], "int32", 2)
    t = fluid.data("t", [2], "int64")
    a = fluid.layers.expand(x, [2, 3])
    b = fluid.layers.expand(x, [two, 3])
    c = fluid.layers.expand(x, t)
    d = fluid.layers.expand_as(x, fluid.layers.fill_constant([4, 6], "int64", 0))
    assert a.shape == (-1, 9) and b.shape == (-1, 9) and c.shape == (-1, -1)
    assert d.shape == (4, 6)
    ops = [op for op in fresh.global_block().ops if op.type.startswith("expand")]
    assert [op.type for op in ops] == ["expand"] * 3 + ["expand_as"]
    assert ops[1].attr("expand_times") == [-1, 3] and two.stop_gradient and t.stop_gradient
    xv = np.arange(6, dtype=np.float32).reshape(2, 3)
    got = fluid.Executor().run(fresh, {"x": xv, "t": np.array([1, 2], np.int64)}, [a, b, c, d])
    for g, w in zip(got, [tiled(xv, [2, 3]), tiled(xv, [2, 3]), tiled(xv, [1, 2]),
                          tiled(xv, [2, 2])]):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("call,cls,match", [
    (lambda x: fluid.layers.expand(x, 2), TypeError, "expand: argument 'expand_times'"),
    (lambda x: fluid.layers.expand(x, [2]), ValueError,
     "expand: argument 'expand_times' must have one value per dimension"),
    (lambda x: fluid.layers.expand(x, [2, 0]), ValueError, "expand: argument 'expand_times'"),
    (lambda x: fluid.layers.expand(x, [2, 1.5]), TypeError, "expand: argument 'expand_times'"),
    (lambda x: fluid.layers.expand(x, fluid.data("f", [2], "float32")), TypeError,
     "expand: argument 'expand_times' must be a Variable of int32, int64"),
    (lambda x: fluid.layers.expand(fluid.data("u", [2], "uint8"), [2]), TypeError,
     "expand: argument 'x'"),
    (lambda x: fluid.layers.expand(fluid.data("b", [2], "bool"), [2]), ValueError,
     "expand: a bool argument 'x' .* must have stop_gradient False"),
    (lambda x: fluid.layers.expand_as(x, fluid.data("y", [5, 3], "float32")), ValueError,
     "expand_as: each dimension of argument 'target_tensor'"),
    (lambda x: fluid.layers.expand_as(x, fluid.data("y", [2], "float32")), ValueError,
     "expand_as: argument 'target_tensor' .* must have the rank"),
    (lambda x: fluid.layers.expand_as(x, fluid.data("y", [2, 3], "float16")), TypeError,
     "expand_as: argument 'target_tensor'"),
])
def test_expand_layer_errors(fresh, call, cls, match):
    x = fluid.data("x", [2, 3], "float32")
    with pytest.raises(cls, match=match):
        call(x)
    assert len(fresh.global_block().ops) == 0


def _count(start, end, step):
    """How many of start, start + step, ... lie before end (step's side)."""
    n = 0
    while (start + n * step < end) if step > 0 else (start + n * step > end):
        n += 1
    return n


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
@pytest.mark.parametrize("case", [(0, 5, 1), (0, 5, 2), (10, 1, -2), (-1, -10, -2), (3, 3, 1),
                                  (0, 1, 0.2), (-2.5, 2.5, 0.5), (1e9, 1e9 + 10, 3)])
def test_range(dtype, case):
    if dtype.startswith("int") and any(v != int(v) for v in case):
        return
    s, e, d = (np.array([v], dtype) for v in case)
    first, last, step = (float(a[0]) for a in (s, e, d))  # the bounds as the dtype holds them
    want = np.array([first + i * step for i in np.arange(_count(first, last, step))],
                    np.float64).astype(dtype)
    check_output("range", {"Start": s, "End": e, "Step": d}, {"Out": want}, atol=1e-6)


@pytest.mark.parametrize("case,match", [((0, 5, 0), "Step must not be 0"),
                                        ((0, 5, -1), r"Step \(-1\) must be > 0"),
                                        ((5, 0, 1), r"Step \(1\) must be > 0")])
def test_range_bad_steps_fail_when_run(case, match):
    from minifluid.testing import run_op
    with pytest.raises(ValueError, match=match):
        run_op("range", {k: np.array([v], np.int64) for k, v in zip(("Start", "End", "Step"),
                                                                      case)})


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("start,stop,num", [(0, 10, 11), (10, 0, 11), (10, 0, 1), (-1e30, 1e30, 5),
                                            (0.5, 0.5, 3), (0, 1, 1000)])
def test_linspace(dtype, start, stop, num):
    want = np.array([start + i * (stop - start) / (num - 1) if num > 1 else start
                     for i in np.arange(num)], np.float64).astype(dtype)
    check_output("linspace", {"Start": np.array([start], dtype), "Stop": np.array([stop], dtype),
                              "Num": np.array([num], np.int32)}, {"Out": want}, rtol=1e-6)


def test_linspace_num_0_fails_when_run():
    from minifluid.testing import run_op
    with pytest.raises(ValueError, match="linspace: Num must be > 0, got 0"):
        run_op("linspace", {"Start": np.zeros(1), "Stop": np.ones(1),
                            "Num": np.zeros(1, np.int32)})


@pytest.mark.parametrize("attrs,shape", [({"num_rows": 3}, (3, 3)),
                                         ({"num_rows": 2, "num_columns": 5}, (2, 5)),
                                         ({"num_rows": 7, "num_columns": 1}, (7, 1)),
                                         ({"num_rows": 0}, (0, 0))])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "float16"])
def test_eye(attrs, shape, dtype):
    want = np.array([[i == j for j in range(shape[1])] for i in range(shape[0])],
                    dtype).reshape(shape)
    check_output("eye", {}, {"Out": want}, {**attrs, "dtype": dtype})


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
@pytest.mark.parametrize("n", [1, 4, 0])
def test_diag(rng, dtype, n):
    d = (rng.normal(size=n) * 1e30).astype(dtype) if dtype.startswith("f") else \
        rng.integers(-9, 9, size=n).astype(dtype)
    want = np.zeros((n, n), dtype)
    for i in range(n):
        want[i, i] = d[i]
    check_output("diag", {"Diagonal": d}, {"Out": want})


def test_range_linspace_eye_diag_layers(fresh):
    one = fluid.layers.fill_constant([1], "int64", 1)
    r1 = fluid.layers.range(0, 10, 2, "int32")
    r2 = fluid.layers.range(one, 4.0, 0.5, "float32")  # the int64 start is cast
    l1 = fluid.layers.linspace(0, 10, 5, "float32")
    l2 = fluid.layers.linspace(fluid.layers.fill_constant([1], "float64", 1.0), 2,
                               fluid.layers.fill_constant([1], "int32", 3), "float64")
    l3 = fluid.layers.linspace(fluid.layers.fill_constant([1], "float64", 1.0), 0, 3, "float32")
    e1 = fluid.layers.eye(2, 3, batch_shape=[4, 2], dtype="int64")
    e2 = fluid.layers.eye(3)
    d1 = fluid.layers.diag(np.arange(3, 6, dtype="int32"))
    d2 = fluid.layers.diag(fluid.layers.fill_constant([2], "float64", 1.5))
    assert r1.shape == (-1,) and r1.dtype == np.int32 and r2.dtype == np.float32
    assert l2.dtype == np.float64 and e1.shape == (4, 2, 2, 3) and e2.dtype == np.float32
    assert d1.shape == (3, 3) and all(v.stop_gradient for v in (r1, e1, d1))
    assert l3.dtype == np.float64  # start's dtype, as in fluid 1.8
    got = fluid.Executor().run(fresh, {}, [r1, r2, l1, l2, e1, e2, d1, d2, l3])
    eye23 = np.array([[1, 0, 0], [0, 1, 0]])
    for g, w in zip(got, [[0, 2, 4, 6, 8], [1, 1.5, 2, 2.5, 3, 3.5], [0, 2.5, 5, 7.5, 10],
                          [1, 1.5, 2], np.broadcast_to(eye23, (4, 2, 2, 3)), np.identity(3),
                          [[3, 0, 0], [0, 4, 0], [0, 0, 5]], [[1.5, 0], [0, 1.5]],
                          [1, 0.5, 0]]):
        np.testing.assert_array_equal(g, w)
    assert got[4].dtype == np.int64 and got[6].dtype == np.int32


@pytest.mark.parametrize("call,cls,match", [
    (lambda: fluid.layers.range(0, 10, 0, "int32"), ValueError, "range: argument 'step'"),
    (lambda: fluid.layers.range(0, 10, -1, "int32"), ValueError, "range: argument 'step'"),
    (lambda: fluid.layers.range(0, 10, 0.5, "int32"), ValueError,
     "range: argument 'step' must be a whole number"),
    (lambda: fluid.layers.range(0, "10", 1, "int32"), TypeError, "range: argument 'end'"),
    (lambda: fluid.layers.range(0, 10, 1, "bool"), TypeError, "range: argument 'dtype'"),
    (lambda: fluid.layers.range(fluid.data("v", [3], "int32"), 10, 1, "int32"), ValueError,
     "range: argument 'start' must be a 1-element Variable"),
    (lambda: fluid.layers.linspace(0, 1, 0, "float32"), ValueError, "linspace: argument 'num'"),
    (lambda: fluid.layers.linspace(0, 1, 2, "int32"), TypeError, "linspace: argument 'dtype'"),
    (lambda: fluid.layers.linspace(fluid.data("v", [1], "int32"), 1, 2, "float32"), TypeError,
     "linspace: argument 'start'"),
    (lambda: fluid.layers.linspace(fluid.data("v", [1], "float64"),
                                   fluid.data("w", [1], "float32"), 2, "float32"),
     TypeError, "linspace: argument 'stop' .* must have the dtype of argument 'start'"),
    (lambda: fluid.layers.linspace(0, 1, fluid.data("n", [1], "int64"), "float32"), TypeError,
     "linspace: argument 'num'"),
    (lambda: fluid.layers.eye(-1), TypeError, "eye: argument 'num_rows'"),
    (lambda: fluid.layers.eye(10, num_columns=5.2), TypeError, "eye: argument 'num_columns'"),
    (lambda: fluid.layers.eye(2, batch_shape=[0]), TypeError, "eye: argument 'batch_shape'"),
    (lambda: fluid.layers.eye(2, dtype="bool"), TypeError, "eye: argument 'dtype'"),
    (lambda: fluid.layers.diag([1, 2, 3]), TypeError, "diag: argument 'diagonal'"),
    (lambda: fluid.layers.diag(np.ones(3)), TypeError, "diag: argument 'diagonal' as a numpy"),
    (lambda: fluid.layers.diag(np.ones((2, 2), "float32")), ValueError,
     "diag: argument 'diagonal' must be 1-D"),
    (lambda: fluid.layers.diag(fluid.data("b", [2], "bool")), TypeError,
     "diag: argument 'diagonal'"),
])
def test_range_linspace_eye_diag_layer_errors(fresh, call, cls, match):
    n = len(fresh.global_block().ops)
    with pytest.raises(cls, match=match):
        call()
    assert len(fresh.global_block().ops) == n


def _picked(d, start, end, stride):
    """The indices Python's x[start:end:stride] picks from a dimension of size d, written
    out: bounds made >= 0 by adding d, then clipped; an end of -1 with a negative stride
    stands for 'through index 0' (fluid 1.8's rule)."""
    if stride < 0 and end == -1:
        end = -d - 1
    s = start + d if start < 0 else start
    e = end + d if end < 0 else end
    if stride > 0:
        s, e = min(max(s, 0), d), min(max(e, 0), d)
        return [i for i in np.arange(s, e) if (i - s) % stride == 0]
    s, e = min(max(s, -1), d - 1), min(max(e, -1), d - 1)
    return [i for i in np.arange(s, e, -1) if (s - i) % -stride == 0]


def strided_ref(x, axes, starts, ends, strides):
    out = x
    for a, s, e, st in zip(axes, starts, ends, strides):
        out = np.take(out, np.array(_picked(x.shape[a], s, e, st), np.int64), axis=a)
    return out


@pytest.mark.parametrize("shape,axes,starts,ends,strides", [
    ((10,), [0], [-4], [-3], [1]), ((10,), [0], [5], [0], [-1]), ((10,), [0], [-1], [-3], [-1]),
    ((10,), [0], [7], [-1], [-2]), ((3, 4, 5), [0, 1, 2], [0, -1, 0], [2, -3, 5], [1, -1, 1]),
    ((3, 4, 5, 6), [0, 1, 2, 3], [1, 0, 0, 0], [2, 2, 3, 4], [1, 1, 1, 2]),
    ((5, 6), [1], [100], [-100], [-2]), ((5, 6), [0, 1], [-100, 1], [100, 1], [3, 1]),
    ((2, 3, 4, 5, 6, 7), [5], [1], [7], [3])])
def test_strided_slice(rng, shape, axes, starts, ends, strides):
    x = rng.normal(size=shape)
    attrs = {"axes": axes, "starts": starts, "ends": ends, "strides": strides}
    check_output("strided_slice", {"Input": x * 1e300},
                 {"Out": strided_ref(x * 1e300, axes, starts, ends, strides)}, attrs)
    if strided_ref(x, axes, starts, ends, strides).size:
        check_grad("strided_slice", {"Input": x}, attrs, inputs_to_check=("Input",))


def test_strided_slice_from_tensors_and_decrease_axis(rng):
    x = rng.normal(size=(3, 4, 5))
    want = strided_ref(x, [0, 2], [2, 4], [3, 0], [1, -2])[0]
    i32 = lambda *v: np.array(v, np.int32)  # noqa: E731
    attrs = {"axes": [0, 2], "decrease_axis": [0], "infer_flags": [-1, -1]}
    for ins in ({"StartsTensor": i32(2, 4), "EndsTensor": i32(3, 0), "StridesTensor": i32(1, -2)},
                {"StartsTensorList": [i32(2), i32(4)], "EndsTensorList": [i32(3), i32(0)],
                 "StridesTensorList": [i32(1), i32(-2)]}):
        check_output("strided_slice", {"Input": x, **ins}, {"Out": want}, attrs)
        check_grad("strided_slice", {"Input": x, **ins}, attrs, inputs_to_check=("Input",))
    # fluid's x[i] for a Variable i = -1: start -1, end i + 1 = 0 means the last index
    check_output("strided_slice", {"Input": x, "StartsTensorList": [i32(-1)],
                                   "EndsTensorList": [i32(0)]},
                 {"Out": x[-1]}, {"axes": [0], "strides": [1], "decrease_axis": [0],
                                  "infer_flags": [-1]})


@pytest.mark.parametrize("attrs,match", [
    ({"axes": [0], "starts": [0], "ends": [1], "strides": [0]}, r"must not hold 0"),
    ({"axes": [3], "starts": [0], "ends": [1], "strides": [1]}, r"axes \[3\] must be distinct"),
    ({"axes": [0], "starts": [0, 1], "ends": [1], "strides": [1]}, r"starts \(2 values\)"),
    ({"axes": [0], "starts": [0], "ends": [2], "strides": [1], "decrease_axis": [0]},
     r"decrease_axis \[0\]: dimension 0 of the slice"),
])
def test_strided_slice_bad_attrs_fail_when_built(attrs, match):
    from minifluid.testing import run_op
    with pytest.raises(ValueError, match=match):
        run_op("strided_slice", {"Input": np.zeros((3, 4))}, attrs)


def test_strided_slice_layer(fresh):
    x = fluid.data("x", [3, 4, 5, 6], "float64")
    m3, m1 = (fluid.layers.fill_constant([1], "int32", v) for v in (-3, -1))
    t = fluid.data("t", [3], "int32")
    a = fluid.layers.strided_slice(x, [0, 1, 2], [-3, 0, 2], [3, 100, -1], [1, 1, 1])
    b = fluid.layers.strided_slice(x, [0, 1, 3], [m3, 0, 2], [3, 100, m1], [1, 2, 1])
    c = fluid.layers.strided_slice(x, [0, 1, 2], t, t + 2, [1, 1, 1])
    d = fluid.layers.strided_slice(x, [3], [-1], [-1], [-1])
    assert a.shape == (3, 4, 2, 6) and b.shape == (-1, 2, 5, -1) and c.shape == (-1, -1, -1, 6)
    assert d.shape == (3, 4, 5, 6) and m3.stop_gradient and t.stop_gradient
    xv = np.arange(360, dtype=np.float64).reshape(3, 4, 5, 6)
    got = fluid.Executor().run(fresh, {"x": xv, "t": np.array([1, 0, 2], np.int32)},
                               [a, b, c, d])
    for g, w in zip(got, [xv[-3:3, 0:100, 2:-1], xv[-3:3, 0:100:2, :, 2:-1], xv[1:3, 0:2, 2:4],
                          xv[..., ::-1]]):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("kw,cls,match", [
    (dict(axes=[0], starts=[0], ends=[1], strides=[0]), ValueError, "argument 'strides'"),
    (dict(axes=[2], starts=[0], ends=[1], strides=[1]), ValueError, "argument 'axes'"),
    (dict(axes=[0], starts=0, ends=[1], strides=[1]), TypeError, "argument 'starts'"),
    (dict(axes=[0], starts=[0], ends=[1, 2], strides=[1]), ValueError, "argument 'ends'"),
    (dict(axes=[0], starts=[0], ends=[1], strides=[1.5]), TypeError, "argument 'strides'"),
    (dict(axes=[0], starts=[2 ** 40], ends=[1], strides=[1]), ValueError,
     "argument 'starts' must hold int32"),
])
def test_strided_slice_layer_errors(fresh, kw, cls, match):
    x = fluid.data("x", [3, 4], "float32")
    with pytest.raises(cls, match="strided_slice: " + match):
        fluid.layers.strided_slice(x, **kw)
    assert len(fresh.global_block().ops) == 0


def _ix(d):
    return np.arange(d)


@pytest.mark.parametrize("index", [
    np.s_[1], np.s_[-1], np.s_[-3], np.s_[1:3], np.s_[:, 2], np.s_[::2], np.s_[::-1],
    np.s_[-1:2:-1], np.s_[5:-100:-2], np.s_[1, ::-2, 3], np.s_[:, 1:, -1], np.s_[0, 0, 0],
    np.s_[-3:3, 0:100:2, -1:2:-1], np.s_[:], np.s_[2:1], np.s_[3::-1], np.s_[:, :-1:-1],
    np.s_[:, 2:-1:-1], np.s_[1, :, :, ::3], np.s_[-2, -100:100, 4:], np.s_[:, :, :, -1:]])
def test_getitem_is_numpy_indexing(fresh, index):
    x = fluid.data("x", [3, 4, 5, 6], "float64")
    xv = np.arange(360, dtype=np.float64).reshape(3, 4, 5, 6)
    y = x[index]
    want = xv[index]
    assert y.shape == (want.shape or (1,)), (y.shape, want.shape)
    got, = fluid.Executor().run(fresh, {"x": xv}, [y])
    np.testing.assert_array_equal(got, want.reshape(want.shape or (1,)))


def test_getitem_with_variables(fresh):
    x = fluid.data("x", [3, 4, 5, 6], "float64")
    m1, m3, two = (fluid.layers.fill_constant([1], "int32", v) for v in (-1, -3, 2))
    i = fluid.data("i", [1], "int64")
    ys = [x[m3:3:1, 0:100:2, :, m1:2:m1], x[m1, 0:100:2, :, -1:2:-1], x[i], x[:, i, two],
          x[two:, ::two], x[two:]]
    assert ys[0].shape == (-1, 2, 5, -1) and ys[2].shape == (4, 5, 6)
    xv = np.arange(360, dtype=np.float64).reshape(3, 4, 5, 6)
    got = fluid.Executor().run(fresh, {"x": xv, "i": np.array([1], np.int64)}, ys)
    for g, w in zip(got, [xv[-3:3, 0:100:2, :, -1:2:-1], xv[-1, 0:100:2, :, -1:2:-1], xv[1],
                          xv[:, 1, 2], xv[2:, ::2], xv[2:]]):
        np.testing.assert_array_equal(g, w)
    ops = [op.type for op in fresh.global_block().ops]
    assert "strided_slice" in ops and "slice" in ops


def test_getitem_gradient(fresh):
    x = fluid.data("x", [3, 4], "float64")
    x.stop_gradient = False
    y = fluid.layers.reduce_sum(x[1, ::-2]) + fluid.layers.reduce_sum(x[:2, 1:3]) * 10
    dx, = fluid.gradients(y, [x])
    got, = fluid.Executor().run(fresh, {"x": np.zeros((3, 4))}, [dx])
    want = np.zeros((3, 4))
    want[1, 3] = want[1, 1] = 1
    want[:2, 1:3] += 10
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("index,cls,match", [
    (np.s_[3], IndexError, r"index 3 is out of range for dimension 0 \(size 3\)"),
    (np.s_[0, 0, 0], IndexError, r"too many indices \(3\)"),
    (np.s_[0.5], TypeError, "an index must be an int, a slice"),
    (np.s_[None], TypeError, "an index must be an int, a slice"),
    (np.s_[...], TypeError, "an index must be an int, a slice"),
    (np.s_[::0], ValueError, "a slice's step must not be 0"),
    (np.s_[1:2.5], TypeError, "a slice's stop must be an int"),
    (np.s_[0, :2.0], TypeError, "a slice's stop must be an int"),
])
def test_getitem_errors(fresh, index, cls, match):
    x = fluid.data("x", [3, 4], "float32")
    with pytest.raises(cls, match=r"Variable.__getitem__: " + match):
        x[index]
    assert len(fresh.global_block().ops) == 0


def test_getitem_stop_minus_one_backward_needs_a_known_dimension(fresh):
    x = fluid.data("x", [-1, 4], "float32")
    with pytest.raises(ValueError, match="a slice stop of -1 with a negative step"):
        x[:, 3:-1:-1] and x[5:-1:-1]
    assert x[:, 3:-1:-1].shape == (-1, 0)
    i = fluid.data("i", [1], "float32")
    with pytest.raises(TypeError, match="Variable.__getitem__: argument 'item'"):
        x[i]


def test_create_parameter(fresh):
    from minifluid.initializer import Constant, NumpyArrayInitializer
    startup = fluid.default_startup_program()
    w = fluid.layers.create_parameter([3, 2], "float32")
    b = fluid.layers.create_parameter((2,), "float32", name="bias", is_bias=True)
    v = np.arange(6, dtype=np.float32).reshape(3, 2) - 2.5
    n = fluid.layers.create_parameter(np.array([3, 2]), "float32",
                                      default_initializer=NumpyArrayInitializer(v))
    a = fluid.layers.create_parameter([2], "float64", name="ignored",
                                      attr=fluid.ParamAttr(name="c", initializer=Constant(4.0)),
                                      default_initializer=NumpyArrayInitializer(v))
    h = fluid.layers.create_parameter([3, 2], "float16", attr=fluid.ParamAttr(
        initializer=NumpyArrayInitializer(v)))
    i = fluid.layers.create_parameter([2], "int64", attr=fluid.ParamAttr(
        initializer=NumpyArrayInitializer(np.array([7, -2 ** 40]))))
    assert isinstance(w, fluid.framework.Parameter) and w.name == "create_parameter_0.w_0"
    assert b.name == "bias" and a.name == "c" and w.shape == (3, 2) and h.dtype == np.float16
    assert not w.stop_gradient and w.trainable
    exe = fluid.Executor()
    exe.run(startup)
    got = exe.run(fresh, {}, [w, b, n, a, h, i])
    limit = np.sqrt(6 / 5)  # Xavier for [3, 2]
    assert (np.abs(got[0]) <= limit).all() and got[0].std() > 0
    np.testing.assert_array_equal(got[1], [0, 0])
    np.testing.assert_array_equal(got[2], v)
    np.testing.assert_array_equal(got[3], [4, 4])
    np.testing.assert_array_equal(got[4], v.astype(np.float16))
    assert got[4].dtype == np.float16
    np.testing.assert_array_equal(got[5], [7, -2 ** 40])


def test_create_parameter_trains(fresh):
    x = fluid.data("x", [4, 3], "float32")
    w = fluid.layers.create_parameter([3, 1], "float32", default_initializer=fluid.initializer.
                                      NumpyArrayInitializer(np.ones((3, 1), np.float32)))
    loss = fluid.layers.mean(fluid.layers.matmul(x, w))
    fluid.optimizer.SGD(0.5).minimize(loss)
    exe = fluid.Executor()
    exe.run(fluid.default_startup_program())
    for _ in range(2):  # dloss/dw = 1, lr 0.5: 1 -> 0.5 -> 0
        got, = exe.run(fresh, {"x": np.ones((4, 3), np.float32)}, [w])
    np.testing.assert_allclose(got, np.zeros((3, 1)))


@pytest.mark.parametrize("call,cls,match", [
    (lambda: fluid.layers.create_parameter(1, np.float32), TypeError, "argument 'shape'"),
    (lambda: fluid.layers.create_parameter([1.0, 2.0], "float32"), TypeError,
     "argument 'shape'"),
    (lambda: fluid.layers.create_parameter([0, 2], "float32"), ValueError, "argument 'shape'"),
    (lambda: fluid.layers.create_parameter([1, 2, 3], np.float32, attr=np.arange(6)),
     TypeError, "argument 'attr'"),
    (lambda: fluid.layers.create_parameter([1, 2, 3], np.float32,
                                           default_initializer=np.arange(6)),
     TypeError, "argument 'default_initializer'"),
    (lambda: fluid.layers.create_parameter([2], "complex64"), ValueError, "argument 'dtype'"),
    (lambda: fluid.layers.create_parameter([], "float32"), ValueError, "argument 'shape'"),
    (lambda: fluid.layers.create_parameter([2], "int32"), TypeError,
     r"argument 'dtype' \(int32\) needs an initializer"),
    (lambda: fluid.layers.create_parameter([2], "float32", is_bias=1), TypeError,
     "argument 'is_bias'"),
])
def test_create_parameter_errors(fresh, call, cls, match):
    with pytest.raises(cls, match="create_parameter: " + match):
        call()
    assert not fresh.global_block().vars


def test_numpy_array_initializer_errors(fresh):
    from minifluid.initializer import NumpyArrayInitializer
    with pytest.raises(TypeError, match="NumpyArrayInitializer: argument 'value' must be a"):
        NumpyArrayInitializer([1, 2])
    startup = fluid.default_startup_program()
    before = (len(startup.global_block().ops), set(startup.global_block().vars))
    for shape, dtype, match in (
            ([3], "float32", r"argument 'value' has shape \[2\], not the shape \[3\]"),
            ([2], "float64", "argument 'value' cannot fill .* of float64")):
        with pytest.raises(ValueError, match="NumpyArrayInitializer: " + match):
            fluid.layers.create_parameter(shape, dtype, default_initializer=(
                NumpyArrayInitializer(np.ones(2))))
        assert (len(startup.global_block().ops), set(startup.global_block().vars)) == before
        assert not fresh.global_block().vars
