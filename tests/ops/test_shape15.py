"""Issue 15's shape ops: shape, squeeze(2), unsqueeze(2), transpose(2), flatten(2); their
layers. Expected values are numpy formulas written here; gradients are checked in float64."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid.testing import check_grad, check_output, run_op


def xshape(x):
    return np.empty((0,) + x.shape, x.dtype)


@pytest.mark.parametrize("shape", [(2, 3), (7,), (1, 2, 3, 4), (0, 3)])
def test_shape(rng, shape):
    check_output("shape", {"Input": rng.normal(size=shape)},
                 {"Out": np.array(shape, np.int32)})


@pytest.mark.parametrize("op", ["squeeze", "squeeze2"])
@pytest.mark.parametrize("shape,axes,want", [
    ((1, 3, 1, 4), [0, 2], (3, 4)), ((1, 3, 1, 4), [-2], (1, 3, 4)),
    ((6, 1, 5, 1), [], (6, 5)), ((1, 1), [], ()), ((0, 1, 2), [1], (0, 2))])
def test_squeeze(rng, op, shape, axes, want):
    x = rng.normal(size=shape) * 1e300  # values pass through untouched
    outs = {"Out": x.reshape(want)}
    if op == "squeeze2":
        outs["XShape"] = xshape(x)
    check_output(op, {"X": x}, outs, {"axes": axes})
    if x.size:
        check_grad(op, {"X": rng.normal(size=shape)}, {"axes": axes})


@pytest.mark.parametrize("op", ["unsqueeze", "unsqueeze2"])
@pytest.mark.parametrize("shape,axes,want", [
    ((3, 4), [0], (1, 3, 4)), ((3, 4), [-1], (3, 4, 1)), ((10, 2, 5), [0, 3, 3],
                                                         (1, 10, 2, 1, 1, 5)),
    ((10, 2, 5), [3, 1, 1], (10, 1, 1, 2, 5, 1)), ((0, 2), [1], (0, 1, 2))])
def test_unsqueeze(rng, op, shape, axes, want):
    x = rng.normal(size=shape)
    outs = {"Out": x.reshape(want)}
    if op == "unsqueeze2":
        outs["XShape"] = xshape(x)
    check_output(op, {"X": x}, outs, {"axes": axes})
    if x.size:
        check_grad(op, {"X": x}, {"axes": axes})


def test_unsqueeze2_axes_from_tensors(rng):
    x = rng.normal(size=(10, 2, 5))
    want = x.reshape(10, 1, 1, 2, 5, 1)
    check_output("unsqueeze2", {"X": x, "AxesTensor": np.array([3, 1, 1], np.int64)},
                 {"Out": want})
    ts = [np.array([a], np.int32) for a in (3, 1, 1)]
    check_output("unsqueeze2", {"X": x, "AxesTensorList": ts}, {"Out": want})
    check_grad("unsqueeze2", {"X": x, "AxesTensorList": ts})


@pytest.mark.parametrize("op", ["transpose", "transpose2"])
@pytest.mark.parametrize("shape,axis", [((3, 4), [1, 0]), ((5,), [0]),
                                        ((2, 3, 4, 5), [0, 2, 3, 1]),
                                        ((2, 3, 4, 1, 2), [4, 2, 3, 1, 0]), ((0, 3), [1, 0])])
def test_transpose(rng, op, shape, axis):
    x = rng.normal(size=shape)
    # element [i_0, i_1, ...] of Out is X[index with i_k at position axis[k]]
    want = np.empty(tuple(shape[a] for a in axis))
    for idx in np.ndindex(*want.shape):
        src = [0] * len(shape)
        for k, a in enumerate(axis):
            src[a] = idx[k]
        want[idx] = x[tuple(src)]
    outs = {"Out": want}
    if op == "transpose2":
        outs["XShape"] = xshape(x)
    check_output(op, {"X": x}, outs, {"axis": axis})
    if x.size:
        check_grad(op, {"X": x}, {"axis": axis})


def test_transpose_keeps_ints_and_bools(rng):
    x = rng.integers(-5, 5, size=(2, 3)).astype(np.int64)
    check_output("transpose2", {"X": x}, {"Out": x.T.copy()}, {"axis": [1, 0]})
    b = x > 0
    check_output("transpose", {"X": b}, {"Out": b.T.copy()}, {"axis": [1, 0]})


@pytest.mark.parametrize("op", ["flatten", "flatten2"])
@pytest.mark.parametrize("shape,axis,want", [
    ((3, 2, 4, 5), 1, (3, 40)), ((3, 2, 4, 5), 0, (1, 120)), ((3, 2, 4, 5), 4, (120, 1)),
    ((3, 2, 4, 5), 2, (6, 20)), ((0, 2, 3), 1, (0, 6))])
def test_flatten(rng, op, shape, axis, want):
    x = rng.normal(size=shape)
    outs = {"Out": x.reshape(want)}
    if op == "flatten2":
        outs["XShape"] = xshape(x)
    check_output(op, {"X": x}, outs, {"axis": axis})
    if x.size:
        check_grad(op, {"X": x}, {"axis": axis})


def test_out_is_a_copy(rng):
    x = rng.normal(size=(1, 3))
    for op, attrs in (("squeeze2", {"axes": [0]}), ("transpose2", {"axis": [1, 0]}),
                      ("flatten2", {"axis": 1}), ("unsqueeze2", {"axes": [0]})):
        out = run_op(op, {"X": x}, attrs)["Out"]
        out[...] = 7
        assert (x != 7).all()


@pytest.mark.parametrize("op,attrs,match", [
    ("squeeze2", {"axes": [1]}, r"dimension 1 of X \(shape \[2, 3\]\) is 3, not 1"),
    ("squeeze2", {"axes": [2]}, r"axis 2 is out of range"),
    ("unsqueeze2", {"axes": [4]}, r"axis 4 is out of range for a shape of rank 2"),
    ("transpose2", {"axis": [0, 0]}, r"must be a permutation of the 2 dimensions"),
    ("flatten2", {"axis": 3}, r"axis 3 is out of range for X of shape \[2, 3\]"),
])
def test_bad_attrs_fail_when_built(op, attrs, match):
    with pytest.raises(ValueError, match=match):
        run_op(op, {"X": np.zeros((2, 3))}, attrs)


def test_layers_build_the_2_ops_and_run(fresh):
    x = fluid.data("x", [-1, 1, 4], "float32")
    s = fluid.layers.squeeze(x, axes=[1])
    u = fluid.layers.unsqueeze(s, axes=0)
    t = fluid.layers.transpose(x, perm=[2, 0, 1])
    f = fluid.layers.flatten(x, axis=2)
    n = fluid.layers.shape(x)
    m = fluid.layers.t(s)
    ax = fluid.layers.fill_constant([1], "int64", 2)
    v = fluid.layers.unsqueeze(s, axes=[ax, 0])
    assert [op.type for op in fresh.global_block().ops][:5] == [
        "squeeze2", "unsqueeze2", "transpose2", "flatten2", "shape"]
    assert s.shape == (-1, 4) and u.shape == (1, -1, 4) and t.shape == (4, -1, 1)
    assert f.shape == (-1, 4) and n.shape == (3,) and n.dtype == np.int32
    assert m.shape == (4, -1) and v.shape == (-1, -1, -1, -1)
    xv = np.arange(8, dtype=np.float32).reshape(2, 1, 4)
    got = fluid.Executor().run(fresh, {"x": xv}, [s, u, t, f, n, m, v])
    for a, b in zip(got, [xv[:, 0], xv[:, 0][None], np.moveaxis(xv, 2, 0), xv.reshape(2, 4),
                          np.array([2, 1, 4]), xv[:, 0].T, xv[:, 0][None, :, :, None]]):
        np.testing.assert_array_equal(a, b)


def test_layer_gradients_flow_through(fresh):
    x = fluid.data("x", [2, 1, 3], "float64")
    w = fluid.data("w", [3, 2], "float64")
    x.stop_gradient = False
    y = fluid.layers.flatten(fluid.layers.transpose(fluid.layers.unsqueeze(
        fluid.layers.squeeze(x, [1]), [0]), [2, 1, 0]), axis=1)  # y[k, j] = x[j, 0, k]
    dx, = fluid.gradients(fluid.layers.reduce_sum(fluid.layers.elementwise_mul(y, w)), [x])
    wv = np.arange(6, dtype=np.float64).reshape(3, 2)
    g, = fluid.Executor().run(fresh, {"x": np.ones((2, 1, 3)), "w": wv}, [dx])
    np.testing.assert_array_equal(g[:, 0], wv.T)


@pytest.mark.parametrize("call,cls,match", [
    (lambda x: fluid.layers.squeeze(x, axes=0), TypeError, "squeeze: argument 'axes'"),
    (lambda x: fluid.layers.unsqueeze(x, axes=2.1), TypeError, "unsqueeze: argument 'axes'"),
    (lambda x: fluid.layers.transpose(x, perm="[1, 0]"), TypeError,
     "transpose: argument 'perm'"),
    (lambda x: fluid.layers.transpose(x, perm=[1, 0, 2, 3]), ValueError,
     "transpose: argument 'perm' must have one entry per dimension"),
    (lambda x: fluid.layers.transpose(x, perm=[3, 5, 7]), ValueError, "a permutation"),
    (lambda x: fluid.layers.flatten(x, axis=4), ValueError, r"flatten: argument 'axis'"),
    (lambda x: fluid.layers.t(x), ValueError, "t: argument 'input' must have rank <= 2"),
    (lambda x: fluid.layers.squeeze(np.ones(3), axes=[]), TypeError,
     "squeeze: argument 'input' must be a Variable"),
])
def test_layer_errors(fresh, call, cls, match):
    x = fluid.data("x", [2, 3, 4], "float32")
    with pytest.raises(cls, match=match):
        call(x)
    assert len(fresh.global_block().ops) == 0


def test_layer_dtypes_follow_fluid(fresh):
    h = fluid.data("h", [2], "float16")
    with pytest.raises(TypeError, match="squeeze: argument 'input'"):
        fluid.layers.squeeze(h, axes=[])
    with pytest.raises(TypeError, match="flatten: argument 'x'"):
        fluid.layers.flatten(h)
    b = fluid.data("b", [2, 3], "bool")
    with pytest.raises(TypeError, match="transpose: argument 'x'"):
        fluid.layers.transpose(b, [1, 0])
    assert fluid.layers.transpose(h, [0]).dtype == np.float16


def _slice_ref(x, axes, starts, ends):
    """Python's slice rules written out: a negative bound adds the dim, then clip to [0, dim]."""
    out = x
    for a, s, e in zip(axes, starts, ends):
        d = x.shape[a]
        s, e = (min(max(b + d if b < 0 else b, 0), d) for b in (s, e))
        out = np.take(out, np.arange(s, max(s, e)), axis=a)
    return out


@pytest.mark.parametrize("axes,starts,ends,decrease", [
    ([0, 1, 2], [1, 0, 2], [3, 3, 4], []), ([0, 1, 3], [-3, 0, 2], [3, 100, -1], []),
    ([0, 1, 2], [1, 0, 2], [2, 1, 4], [0, 1]), ([3], [-1], [10 ** 6], [3]),
    ([0, 1, 2, 3], [0, 1, 2, 3], [1, 2, 3, 4], [0, 1, 2, 3]), ([1], [3], [1], []),
    ([2], [-10 ** 9], [10 ** 9], [])])
def test_slice(rng, axes, starts, ends, decrease):
    x = rng.normal(size=(3, 4, 5, 6))
    want = _slice_ref(x, axes, starts, ends)
    want = want.reshape([d for i, d in enumerate(want.shape) if i not in decrease] or [1])
    attrs = {"axes": axes, "starts": starts, "ends": ends, "decrease_axis": decrease}
    check_output("slice", {"Input": x}, {"Out": want}, attrs)
    check_grad("slice", {"Input": x}, attrs, inputs_to_check=("Input",))


def test_slice_bounds_from_tensors(rng):
    x = rng.normal(size=(3, 4, 5))
    want = x[1:3, :, 2:4]
    ins = {"Input": x, "StartsTensor": np.array([1, 2], np.int64),
           "EndsTensorList": [np.array([3], np.int32), np.array([4], np.int32)]}
    attrs = {"axes": [0, 2], "ends": [-1, -1], "infer_flags": [-1, -1]}
    check_output("slice", ins, {"Out": want}, attrs)
    check_grad("slice", ins, attrs, inputs_to_check=("Input",))


def test_slice_layer(fresh):
    x = fluid.data("x", [-1, 4, 5], "float32")
    e = fluid.layers.fill_constant([1], "int32", -1)
    s = fluid.data("s", [2], "int64")
    a = fluid.layers.slice(x, axes=[1, 2], starts=[1, 0], ends=[3, -1])
    b = fluid.layers.slice(x, axes=[2], starts=[0], ends=[e])
    c = fluid.layers.slice(x, axes=[0, 1], starts=s, ends=[10 ** 6, 4])
    assert a.shape == (-1, 2, 4) and b.shape == (-1, 4, -1) and c.shape == (-1, -1, 5)
    xv = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    got = fluid.Executor().run(fresh, {"x": xv, "s": np.array([1, 2])}, [a, b, c])
    for g, w in zip(got, [xv[:, 1:3, 0:-1], xv[:, :, :-1], xv[1:, 2:4]]):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("kw,cls,match", [
    (dict(axes=[3], starts=[0], ends=[1]), ValueError, "slice: argument 'axes'"),
    (dict(axes=[0], starts=0, ends=[1]), TypeError, "slice: argument 'starts'"),
    (dict(axes=[0, 1], starts=[0], ends=[1, 1]), ValueError, "one value per axis"),
    (dict(axes=[0], starts=[0.5], ends=[1]), TypeError, "slice: argument 'starts'"),
])
def test_slice_layer_errors(fresh, kw, cls, match):
    with pytest.raises(cls, match=match):
        fluid.layers.slice(fluid.data("x", [2, 3, 4], "float32"), **kw)
    with pytest.raises(ValueError, match=r"decrease_axis \[0\]: dimension 0 of the slice"):
        run_op("slice", {"Input": np.zeros((3, 2))},
               {"axes": [0], "starts": [0], "ends": [2], "decrease_axis": [0]})


def _optest(op_type, inputs, outputs, attrs):
    """minifluid's OpTest (Paddle's) for the list-output ops: outputs [(name, array)]."""
    from minifluid.testing import OpTest

    class Case(OpTest):
        def setUp(self):
            self.op_type, self.inputs, self.outputs, self.attrs = (op_type, inputs, outputs,
                                                                   attrs)

        def runTest(self):
            pass
    case = Case()
    case.setUp()
    return case


@pytest.mark.parametrize("attrs,cuts", [({"axis": 1, "sections": [2, 1, 2]}, [2, 3]),
                                        ({"axis": -1, "num": 3}, [2, 4]),
                                        ({"axis": 1, "sections": [2, -1, 0]}, [2, 5])])
def test_split(rng, attrs, cuts):
    x = rng.normal(size=(4, 5, 6))
    axis = attrs["axis"] % 3
    bounds = [0] + cuts + [x.shape[axis]]
    parts = [np.take(x, np.arange(a, b), axis=axis) for a, b in zip(bounds, bounds[1:])]
    case = _optest("split", {"X": x}, {"Out": [(f"out{i}", p) for i, p in enumerate(parts)]},
                   attrs)
    case.check_output()
    case.check_grad(["X"], [f"out{i}" for i, p in enumerate(parts) if p.size])


def test_split_gradient_of_unused_outputs_is_zero(fresh):
    x = fluid.data("x", [2, 6], "float64")
    x.stop_gradient = False
    a, b, c = fluid.layers.split(x, 3, dim=1)
    dx, = fluid.gradients(fluid.layers.reduce_sum(b), [x])
    g, = fluid.Executor().run(fresh, {"x": np.ones((2, 6))}, [dx])
    np.testing.assert_array_equal(g, [[0, 0, 1, 1, 0, 0]] * 2)


def test_split_layer(fresh):
    x = fluid.data("x", [-1, 10], "float32")
    i = fluid.layers.fill_constant([1], "int64", 7)
    d = fluid.layers.fill_constant([1], "int32", 1)
    a, b = fluid.layers.split(x, (3, -1), dim=1)
    c, e = fluid.layers.split(x, [3, i], dim=d)
    p, q = fluid.layers.split(x, 2, dim=-1)
    assert a.shape == (-1, 3) and b.shape == (-1, 7) and p.shape == (-1, 5)
    assert c.shape == (-1, -1)
    xv = np.arange(20, dtype=np.float32).reshape(2, 10)
    got = fluid.Executor().run(fresh, {"x": xv}, [a, b, c, e, p, q])
    for g, w in zip(got, [xv[:, :3], xv[:, 3:]] * 2 + [xv[:, :5], xv[:, 5:]]):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("kw,cls,match", [
    (dict(num_or_sections=2.1, dim=3), TypeError, "split: argument 'num_or_sections'"),
    (dict(num_or_sections=2, dim=3.2), TypeError, "split: argument 'dim'"),
    (dict(num_or_sections=4, dim=1), ValueError, r"\(4\) must divide dimension 1"),
    (dict(num_or_sections=[2, 2], dim=1), ValueError, "does not fit dimension 1"),
    (dict(num_or_sections=[-1, -1, 2], dim=1), ValueError, "at most one -1"),
    (dict(num_or_sections=2, dim=2), ValueError, "split: argument 'dim'"),
])
def test_split_layer_errors(fresh, kw, cls, match):
    with pytest.raises(cls, match=match):
        fluid.layers.split(fluid.data("x", [2, 6], "float32"), **kw)
    assert not fresh.global_block().ops


@pytest.mark.parametrize("axis", [0, 1, 3, -1, -4])
def test_stack(rng, axis):
    xs = [rng.normal(size=(2, 3, 4)) for _ in range(3)]
    want = np.empty(tuple(np.insert(np.array([2, 3, 4]), axis % 4, 3)))
    for i, x in enumerate(xs):  # entry i along the new axis is xs[i]
        want[(slice(None),) * (axis % 4) + (i,)] = x
    case = _optest("stack", {"X": [(f"x{i}", x) for i, x in enumerate(xs)]}, {"Y": want},
                   {"axis": axis})
    case.check_output()
    case.check_grad([f"x{i}" for i in range(3)], "Y")


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unstack(rng, axis):
    x = rng.normal(size=(2, 3, 4))
    n = x.shape[axis]
    ys = [np.take(x, i, axis=axis) for i in range(n)]
    case = _optest("unstack", {"X": x}, {"Y": [(f"y{i}", y) for i, y in enumerate(ys)]},
                   {"axis": axis, "num": n})
    case.check_output()
    case.check_grad(["X"], [f"y{i}" for i in range(n)])


def test_stack_and_unstack_layers(fresh):
    a = fluid.data("a", [-1, 4], "float64")
    b = fluid.data("b", [-1, 4], "float64")
    a.stop_gradient = False
    s = fluid.layers.stack([a, b], axis=1)
    u = fluid.layers.unstack(s, axis=2)
    assert s.shape == (-1, 2, 4) and len(u) == 4 and u[0].shape == (-1, 2)
    assert fluid.layers.stack(a).shape == (1, -1, 4)
    da, = fluid.gradients(fluid.layers.reduce_sum(u[1]), [a])  # u[0], u[2], u[3] unused
    av, bv = np.ones((3, 4)), np.zeros((3, 4))
    sv, u1, g = fluid.Executor().run(fresh, {"a": av, "b": bv}, [s, u[1], da])
    np.testing.assert_array_equal(sv, np.stack([av, bv], 1))
    np.testing.assert_array_equal(u1, sv[:, :, 1])
    np.testing.assert_array_equal(g, np.tile([0, 1, 0, 0], (3, 1)))
    with pytest.raises(ValueError, match="stack: argument 'x'"):
        fluid.layers.stack([])
    with pytest.raises(ValueError, match="cannot be stacked"):
        fluid.layers.stack([a, fluid.data("c", [-1, 5], "float64")])
    with pytest.raises(ValueError, match="unstack: argument 'num' must be given"):
        fluid.layers.unstack(a, axis=0)
    with pytest.raises(ValueError, match=r"unstack: argument 'num' \(3\)"):
        fluid.layers.unstack(a, axis=1, num=3)


@pytest.mark.parametrize("index", [[1, 3, 5], [2], [[0], [4]], []])
@pytest.mark.parametrize("itype", ["int32", "int64"])
def test_gather(rng, index, itype):
    x = rng.normal(size=(6, 3))
    ids = np.array(index, itype).reshape(-1)
    want = np.stack([x[i] for i in ids]) if ids.size else np.empty((0, 3))
    check_output("gather", {"X": x, "Index": np.array(index, itype).reshape(
        (-1, 1) if np.ndim(index) == 2 else -1)}, {"Out": want})
    if ids.size:
        check_grad("gather", {"X": x, "Index": ids})


def test_gather_gradient_of_a_repeated_row(rng):
    x, ids = rng.normal(size=(4, 2)), np.array([1, 1, 3])
    dout = np.array([[1.0, 2.0], [10.0, 20.0], [5.0, 5.0]])
    for overwrite, row1 in ((False, [11.0, 22.0]), (True, [10.0, 20.0])):
        g = run_op("gather_grad", {"X": x, "Index": ids, "Out@GRAD": dout},
                   {"overwrite": overwrite}, outputs=("X@GRAD",))["X@GRAD"]
        np.testing.assert_array_equal(g, [[0, 0], row1, [0, 0], [5, 5]])
    check_grad("gather", {"X": x, "Index": ids}, {"overwrite": False})


def _one_hot_ref(ids, depth):
    out = np.zeros(ids.shape + (depth,), np.float32)
    for idx in np.ndindex(*ids.shape):
        if 0 <= ids[idx] < depth:
            out[idx + (ids[idx],)] = 1
    return out


def test_one_hot(rng):
    ids = rng.integers(0, 5, size=(6, 1))
    check_output("one_hot", {"X": ids}, {"Out": _one_hot_ref(ids[:, 0], 5)}, {"depth": 5})
    check_output("one_hot", {"X": ids, "depth_tensor": np.array([7], np.int32)},
                 {"Out": _one_hot_ref(ids[:, 0], 7)})
    ids2 = rng.integers(-1, 6, size=(2, 3)).astype(np.int32)
    check_output("one_hot_v2", {"X": ids2}, {"Out": _one_hot_ref(ids2, 5).astype(np.float64)},
                 {"depth": 5, "allow_out_of_range": True, "dtype": "float64"})
    with pytest.raises(ValueError, match=r"X holds ids outside \[0, 5\), e.g. 5"):
        run_op("one_hot_v2", {"X": np.array([1, 5])}, {"depth": 5})


def test_one_hot_layers(fresh):
    label = fluid.layers.data("label", [1], "int64")
    ids = fluid.data("ids", [-1, 3], "int32")
    a = fluid.layers.one_hot(label, depth=4)
    b = fluid.one_hot(ids, depth=fluid.layers.fill_constant([1], "int32", 4))
    assert a.shape == (-1, 4) and a.dtype == np.float32 and b.shape == (-1, 3, -1)
    lv, iv = np.array([[0], [3]]), np.array([[1, 2, 3]], np.int32)
    av, bv = fluid.Executor().run(fresh, {"label": lv, "ids": iv}, [a, b])
    np.testing.assert_array_equal(av, _one_hot_ref(lv[:, 0], 4))
    np.testing.assert_array_equal(bv, _one_hot_ref(iv, 4))
    with pytest.raises(TypeError, match="one_hot: argument 'depth'"):
        fluid.layers.one_hot(label, 4.1)
    with pytest.raises(TypeError, match="one_hot: argument 'input'"):
        fluid.layers.one_hot(fluid.data("f", [2, 1], "float32"), 4)
    with pytest.raises(ValueError, match="last dimension of 1"):
        fluid.layers.one_hot(ids, 4)


def test_assign(rng, fresh):
    x = rng.normal(size=(3, 4))
    check_output("assign", {"X": x}, {"Out": x})
    check_grad("assign", {"X": x})
    for value in (rng.normal(size=(2, 3)).astype(np.float32), np.arange(4, dtype=np.int64),
                  np.array([[True, False]]), np.array(7, np.int32)):
        name = {"float32": "fp32_values", "int32": "int32_values", "int64": "int64_values",
                "bool": "bool_values"}[value.dtype.name]
        check_output("assign_value", {}, {"Out": value},
                     {"shape": list(value.shape), "dtype": value.dtype.name,
                      name: value.reshape(-1).tolist()})
    v = fluid.data("v", [2], "float32")
    out = fluid.layers.create_tensor("float32")
    assert fluid.layers.assign(v, output=out) is out and out.shape == (2,)
    c = fluid.layers.assign(np.array([[1.5, -2.0]], np.float32))
    assert c.shape == (1, 2) and c.dtype == np.float32
    got = fluid.Executor().run(fresh, {"v": np.array([1, 2], np.float32)}, [out, c])
    np.testing.assert_array_equal(got[0], [1, 2])
    np.testing.assert_array_equal(got[1], [[1.5, -2.0]])
    for bad, cls in ((np.zeros(2, np.float64), TypeError), (np.zeros(2, np.uint8), TypeError),
                     ([1.0], TypeError), (np.zeros(1024 * 1024 + 1, np.float32), ValueError)):
        with pytest.raises(cls, match="assign: argument 'input'"):
            fluid.layers.assign(bad)
    with pytest.raises(ValueError, match="fp32_values holds 3 values, shape \\[2\\] needs 2"):
        run_op("assign_value", {}, {"shape": [2], "dtype": "float32", "fp32_values": [1, 2, 3]})


@pytest.mark.parametrize("op,find", [("arg_max", np.argmax), ("arg_min", np.argmin)])
@pytest.mark.parametrize("shape,axis", [((3, 4, 5), 0), ((3, 4), -1), ((1,), 0)])
def test_arg_min_max(rng, op, find, shape, axis):
    x = np.round(rng.normal(size=shape), 1) * 1e300  # ties; huge values
    want = np.empty(tuple(d for i, d in enumerate(shape) if i != axis % len(shape)), np.int64)
    for idx in np.ndindex(*want.shape):  # the first index of the extreme value, by a scan
        line = x[idx[:axis % len(shape)] + (slice(None),) + idx[axis % len(shape):]]
        best = 0
        for j, v in enumerate(line):
            if (v > line[best]) if op == "arg_max" else (v < line[best]):
                best = j
        want[idx] = best
    check_output(op, {"X": x}, {"Out": want}, {"axis": axis})
    assert find(x, axis=axis).tolist() == want.tolist()
    xi = rng.integers(-3, 3, size=shape).astype(np.int32)
    check_output(op, {"X": xi}, {"Out": find(xi, axis).astype(np.int32)},
                 {"axis": axis, "dtype": "int32"})


def test_top_k(rng):
    x = rng.normal(size=(4, 6))
    x[0, :3] = 2.0  # a tie: the first comes first
    order = np.array([sorted(range(6), key=lambda j: (-r[j], j))[:3] for r in x])
    want = np.array([[r[j] for j in o] for r, o in zip(x, order)])
    check_output("top_k", {"X": x}, {"Out": want, "Indices": order}, {"k": 3})
    check_output("top_k", {"X": x, "K": np.array([3], np.int32)},
                 {"Out": want, "Indices": order})
    check_grad("top_k", {"X": rng.normal(size=(2, 3, 5))}, {"k": 2})
    with pytest.raises(ValueError, match=r"k must be in \[1, 6\]"):
        run_op("top_k", {"X": x}, {"k": 7})


def test_argmax_argmin_topk_layers(fresh):
    x = fluid.data("x", [-1, 4], "float32")
    a, b = fluid.layers.argmax(x, axis=1), fluid.layers.argmin(x, axis=-1)
    v, i = fluid.layers.topk(x, k=2)
    assert a.shape == (-1,) and a.dtype == np.int64 and v.shape == (-1, 2)
    assert i.dtype == np.int64
    xv = np.array([[1, 5, 3, 0], [7, 2, 2, 9]], np.float32)
    got = fluid.Executor().run(fresh, {"x": xv}, [a, b, v, i])
    for g, w in zip(got, [[1, 3], [3, 1], [[5, 3], [9, 7]], [[1, 2], [3, 0]]]):
        np.testing.assert_array_equal(g, w)
    with pytest.raises(ValueError, match="argmax: argument 'axis'"):
        fluid.layers.argmax(x, axis=2)
    with pytest.raises(ValueError, match=r"topk: argument 'k' \(5\) must be at most"):
        fluid.layers.topk(x, k=5)
    with pytest.raises(TypeError, match="topk: argument 'k'"):
        fluid.layers.topk(x, k=1.5)


@pytest.mark.parametrize("axis", [[0], [1], [-1, 0], [0, 1, 2]])
def test_reverse(rng, axis):
    x = rng.normal(size=(2, 3, 4))
    want = x
    for a in axis:  # x[::-1] along each axis, by explicit index arrays
        want = np.take(want, np.arange(x.shape[a] - 1, -1, -1), axis=a)
    check_output("reverse", {"X": x}, {"Out": want}, {"axis": axis})
    check_grad("reverse", {"X": x}, {"axis": axis})


def test_fill_zeros_like_and_the_filling_layers(fresh):
    x = rng_x = np.arange(6, dtype=np.int64).reshape(2, 3)
    check_output("fill_zeros_like", {"X": rng_x}, {"Out": np.zeros((2, 3), np.int64)})
    v = fluid.data("v", [-1, 3], "float32")
    z, o = fluid.layers.zeros_like(v), fluid.layers.ones_like(v)
    zs, os_ = fluid.layers.zeros([2, 2], "int32"), fluid.layers.ones([3], "float64")
    r = fluid.layers.reverse(v, axis=1)
    assert z.shape == (-1, 3) and zs.dtype == np.int32 and os_.shape == (3,)
    got = fluid.Executor().run(fresh, {"v": x.astype(np.float32)}, [z, o, zs, os_, r])
    for g, w in zip(got, [np.zeros((2, 3)), np.ones((2, 3)), np.zeros((2, 2)), np.ones(3),
                          x[:, ::-1]]):
        np.testing.assert_array_equal(g, w)
    with pytest.raises(ValueError, match="reverse: argument 'axis'"):
        fluid.layers.reverse(v, axis=2)
    with pytest.raises(TypeError, match="reverse: argument 'axis'"):
        fluid.layers.reverse(v, axis="0")
