"""Issue 15's indexing ops: argsort, gather_nd, scatter; their layers. Expected values are
numpy formulas (or plain loops) written here; gradients are checked in float64."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid.testing import check_grad, check_output, run_op


def _sorted_by_loop(x, axis, descending):
    """Out and Indices of argsort by a sort of (key, position) pairs per line."""
    m = np.moveaxis(x, axis, -1)
    out, idx = np.empty_like(m), np.empty(m.shape, np.int64)
    for pos in np.ndindex(*m.shape[:-1]):
        line = m[pos].tolist()
        order = sorted(range(len(line)), key=lambda j: ((-line[j] if descending else line[j]), j))
        idx[pos], out[pos] = order, [line[j] for j in order]
    return np.moveaxis(out, -1, axis), np.moveaxis(idx, -1, axis)


@pytest.mark.parametrize("shape,axis", [((2, 3, 4), -1), ((2, 3, 4), 0), ((5,), 0),
                                        ((3, 0), 1), ((0, 3), 1)])
@pytest.mark.parametrize("descending", [False, True])
def test_argsort(rng, shape, axis, descending):
    x = np.round(rng.normal(size=shape), 1) * 1e300  # ties; huge values
    out, idx = _sorted_by_loop(x, axis, descending)
    check_output("argsort", {"X": x}, {"Out": out, "Indices": idx},
                 {"axis": axis, "descending": descending})
    if x.size:
        check_grad("argsort", {"X": rng.normal(size=shape)},
                   {"axis": axis, "descending": descending})


@pytest.mark.parametrize("dtype", ["uint8", "int16", "int32", "int64", "float16", "float32"])
def test_argsort_keeps_ties_in_order_for_every_dtype(dtype):
    info = np.iinfo(dtype) if dtype[0] in "ui" else np.finfo(dtype)
    x = np.array([[3, info.max, 1, info.min, 3, 1]], dtype)  # the extremes do not wrap
    for descending in (False, True):
        out, idx = _sorted_by_loop(x, -1, descending)
        check_output("argsort", {"X": x}, {"Out": out, "Indices": idx},
                     {"descending": descending})


def test_argsort_layer(fresh):
    x = fluid.data("x", [-1, 4], "float32")
    out, ids = fluid.layers.argsort(x, axis=1, descending=True)
    assert out.shape == (-1, 4) and out.dtype == np.float32 and ids.dtype == np.int64
    assert out.stop_gradient and ids.stop_gradient  # as fluid 1.8 builds them
    xv = np.array([[1, 5, 3, 5], [0, -2, 2, 9]], np.float32)
    got = fluid.Executor().run(fresh, {"x": xv}, [out, ids])
    np.testing.assert_array_equal(got[0], [[5, 5, 3, 1], [9, 2, 0, -2]])
    np.testing.assert_array_equal(got[1], [[1, 3, 2, 0], [3, 2, 0, 1]])
    with pytest.raises(ValueError, match="argsort: argument 'axis'"):
        fluid.layers.argsort(x, axis=2)
    with pytest.raises(TypeError, match="argsort: argument 'input'"):
        fluid.layers.argsort([1])
    with pytest.raises(TypeError, match="argsort: argument 'input'"):
        fluid.layers.argsort(fluid.data("b", [2], "bool"))


def _gather_nd_by_loop(x, index):
    k, lead = index.shape[-1], index.shape[:-1]
    out = np.empty(lead + x.shape[k:], x.dtype)
    for pos in np.ndindex(*lead):
        out[pos] = x[tuple(int(i) for i in index[pos])]
    return out


@pytest.mark.parametrize("index", [[[1], [0]], [[1, 2], [0, 0], [1, 2]], [[1, 2, 3]],
                                   [[[0, 1]], [[1, 0]]], [[], []], np.zeros((0, 2))])
@pytest.mark.parametrize("itype", ["int32", "int64"])
def test_gather_nd(rng, index, itype):
    x = rng.normal(size=(2, 3, 4))
    ids = np.array(index, itype).reshape(np.shape(index) if np.size(index) else
                                         np.shape(index) if np.ndim(index) > 1 else (0, 2))
    check_output("gather_nd", {"X": x, "Index": ids}, {"Out": _gather_nd_by_loop(x, ids)})
    if ids.shape[0]:
        check_grad("gather_nd", {"X": x, "Index": ids})  # a repeated row sums: [[1, 2], ...]


def test_gather_nd_refuses_bad_indices(rng, fresh):
    x = rng.normal(size=(2, 3))
    with pytest.raises(ValueError, match=r"outside X's shape \[2, 3\]: \[1, 3\]"):
        run_op("gather_nd", {"X": x, "Index": np.array([[0, 0], [1, 3]])})
    with pytest.raises(ValueError, match=r"Input\(Index\).shape\[-1\] should be no greater"):
        run_op("gather_nd", {"X": x, "Index": np.zeros((1, 3), np.int64)})
    v = fluid.data("v", [-1, 3, 4], "float32")
    i = fluid.data("i", [-1, 2], "int64")
    y = fluid.layers.gather_nd(v, i, name="g")
    assert y.shape == (-1, 4) and y.name == "g"
    got = fluid.Executor().run(fresh, {"v": np.arange(24, dtype=np.float32).reshape(2, 3, 4),
                                       "i": np.array([[1, 2], [0, 1]])}, [y])[0]
    np.testing.assert_array_equal(got, [[20, 21, 22, 23], [4, 5, 6, 7]])
    with pytest.raises(ValueError, match="gather_nd: argument 'index'"):
        fluid.layers.gather_nd(v, fluid.data("j", [2, 4], "int32"))
    with pytest.raises(TypeError, match="gather_nd: argument 'index'"):
        fluid.layers.gather_nd(v, fluid.data("f", [2, 1], "float32"))


def _scatter_by_loop(x, ids, updates, overwrite):
    out = x.copy()
    if not overwrite:
        for i in ids:
            out[i] = 0
    for i, row in zip(ids, updates):
        out[i] = row if overwrite else out[i] + row
    return out


@pytest.mark.parametrize("ids", [[1, 3], [2, 2, 0], [], [3]])
@pytest.mark.parametrize("overwrite", [True, False])
def test_scatter(rng, ids, overwrite):
    x = rng.normal(size=(4, 3))
    ids = np.array(ids, np.int64)
    up = rng.normal(size=(len(ids), 3))
    check_output("scatter", {"X": x, "Ids": ids, "Updates": up},
                 {"Out": _scatter_by_loop(x, ids, up, overwrite)}, {"overwrite": overwrite})
    check_output("scatter", {"X": x.astype(np.int32), "Ids": ids.astype(np.int32),
                             "Updates": up.astype(np.int32)},
                 {"Out": _scatter_by_loop(x.astype(np.int32), ids, up.astype(np.int32),
                                          overwrite)}, {"overwrite": overwrite})
    if len(set(ids.tolist())) == len(ids):  # the true gradient where no row is repeated
        check_grad("scatter", {"X": x, "Ids": ids, "Updates": up}, {"overwrite": overwrite},
                   inputs_to_check=("X", "Updates"))


def test_scatter_grad_of_a_repeated_id_is_fluid_s(rng):
    dout = rng.normal(size=(4, 2))
    ids = np.array([1, 1, 3])
    for overwrite in (True, False):
        g = run_op("scatter_grad", {"Out@GRAD": dout, "Ids": ids, "Updates": np.zeros((3, 2))},
                   {"overwrite": overwrite}, outputs=("X@GRAD", "Updates@GRAD"))
        np.testing.assert_array_equal(g["X@GRAD"], dout * [[1], [0], [1], [0]])
        np.testing.assert_array_equal(g["Updates@GRAD"], dout[[1, 1, 3]])
    check_grad("scatter", {"X": rng.normal(size=(4, 2)), "Ids": ids,
                           "Updates": rng.normal(size=(3, 2))}, {"overwrite": False},
               inputs_to_check=("X", "Updates"))  # without overwrite it is the true one


def test_scatter_layer(fresh):
    x = fluid.data("x", [-1, 2], "float32")
    ids = fluid.data("ids", [-1], "int64")
    up = fluid.data("up", [-1, 2], "float32")
    y = fluid.layers.scatter(x, ids, up, overwrite=False)
    assert y.shape == (-1, 2) and y.dtype == np.float32
    got = fluid.Executor().run(fresh, {"x": np.ones((3, 2), np.float32), "ids": np.array([2, 2]),
                                       "up": np.array([[1, 2], [3, 4]], np.float32)}, [y])[0]
    np.testing.assert_array_equal(got, [[1, 1], [1, 1], [4, 6]])
    with pytest.raises(ValueError, match=r"outside \[0, 3\)"):
        fluid.Executor().run(fresh, {"x": np.ones((3, 2), np.float32), "ids": np.array([3]),
                                     "up": np.ones((1, 2), np.float32)}, [y])
    with pytest.raises(ValueError, match="scatter: argument 'updates' must have shape"):
        fluid.layers.scatter(x, ids, fluid.data("u3", [-1, 3], "float32"))
    with pytest.raises(TypeError, match="scatter: argument 'updates' must have the dtype"):
        fluid.layers.scatter(x, ids, fluid.data("u64", [-1, 2], "float64"))
    with pytest.raises(TypeError, match="scatter: argument 'index'"):
        fluid.layers.scatter(x, up, up)
    with pytest.raises(TypeError, match="scatter: argument 'overwrite'"):
        fluid.layers.scatter(x, ids, up, overwrite=1)
