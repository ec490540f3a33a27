"""Issue 15's unique, unique_with_counts and sampling_id ops and layers. Expected values are
written here: unique by a scan that remembers first appearances, sampling_id from an
independent scalar std::minstd_rand and libstdc++'s generate_canonical."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid.testing import check_output, run_op


def _unique_by_scan(x):
    out, where, count = [], {}, []
    index = []
    for v in x.tolist():
        if v not in where:
            where[v] = len(out)
            out.append(v)
            count.append(0)
        count[where[v]] += 1
        index.append(where[v])
    return np.array(out, x.dtype), np.array(index), np.array(count)


@pytest.mark.parametrize("x", [[2, 3, 3, 1, 5, 3], [7], [], [-1.5, 2.0, -1.5, 3e38, 0.0, -0.0],
                               list(range(20, 0, -1)) * 2])
@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_unique_and_counts(x, dtype):
    for xdt in ("float64", "float32") if any(isinstance(v, float) for v in x) else (
            "int64", "int32", "float64"):
        xv = np.array(x, xdt)
        out, index, count = _unique_by_scan(xv)
        vt = 2 if dtype == "int32" else 3  # fluid's VarType numbers
        check_output("unique", {"X": xv}, {"Out": out, "Index": index.astype(dtype)},
                     {"dtype": vt})
        check_output("unique_with_counts", {"X": xv}, {
            "Out": out, "Index": index.astype(dtype), "Count": count.astype(dtype)},
            {"dtype": dtype})


def test_unique_layers(fresh):
    x = fluid.data("x", [-1], "int64")
    out, index = fluid.layers.unique(x)
    u, i, c = fluid.layers.unique_with_counts(x, dtype="int64")
    assert out.shape == (-1,) and out.dtype == np.int64 and index.dtype == np.int32
    assert c.dtype == np.int64 and i.shape == (-1,)
    got = fluid.Executor().run(fresh, {"x": np.array([4, 4, 1, 4, 2])}, [out, index, c])
    for g, w in zip(got, [[4, 1, 2], [0, 0, 1, 0, 2], [3, 1, 1]]):
        np.testing.assert_array_equal(g, w)
    for call, cls, match in [
            (lambda: fluid.layers.unique([1, 2]), TypeError, "unique: argument 'x'"),
            (lambda: fluid.layers.unique(fluid.data("h", [3], "float16")), TypeError,
             "unique: argument 'x'"),
            (lambda: fluid.layers.unique(x, dtype="float32"), TypeError,
             "unique: argument 'dtype'"),
            (lambda: fluid.layers.unique_with_counts(fluid.data("m", [2, 3], "int32")),
             ValueError, "unique_with_counts: argument 'x' must be 1-D")]:
        with pytest.raises(cls, match=match):
            call()


def _minstd(seed, n):
    x, out = seed % (2 ** 31 - 1) or 1, []
    for _ in range(n):
        x = x * 48271 % (2 ** 31 - 1)
        out.append(x)
    return out


def _uniform_draws(seed, n, dtype, lo, hi):
    """libstdc++'s uniform_real_distribution<dtype>(lo, hi) over minstd_rand, one value at a
    time: generate_canonical takes one engine output for float, two for double."""
    t = np.dtype(dtype).type
    if t is np.float32:
        u = [t(v - 1) / t(2 ** 31 - 1) for v in _minstd(seed, n)]
    else:
        r, d = 2.0 ** 31 - 2, _minstd(seed, 2 * n)
        u = [((d[2 * k] - 1) + (d[2 * k + 1] - 1) * r) / (r * r) for k in range(n)]
    u = [t(v) if v < 1 else np.nextafter(t(1), t(0)) for v in u]
    return [v * (t(hi) - t(lo)) + t(lo) for v in u]


def _ids_by_loop(x, rs):
    ids = []
    for row, r in zip(x, rs):
        idx = len(row) - 1
        for j, p in enumerate(row):
            r = r - p
            if r < 0:
                idx = j
                break
        ids.append(idx)
    return np.array(ids, np.int64)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("lo,hi", [(0.0, 1.0), (0.2, 0.5)])
def test_sampling_id_is_fluid_s_draw(rng, dtype, lo, hi):
    x = rng.dirichlet(np.ones(5), size=40).astype(dtype)
    x[0] = 0  # no id found: the last
    want = _ids_by_loop(x, _uniform_draws(7, 40, dtype, lo, hi))
    check_output("sampling_id", {"X": x}, {"Out": want}, {"min": lo, "max": hi, "seed": 7})
    assert want[0] == 4


def test_sampling_id_follows_the_weights_and_seed_0_draws_afresh(rng):
    x = np.tile(np.array([[0.1, 0.2, 0.0, 0.7]], np.float32), (20000, 1))
    ids = run_op("sampling_id", {"X": x}, {"seed": 3})["Out"]
    freq = np.bincount(ids, minlength=4) / len(ids)
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.0, 0.7], atol=0.015)
    a, b = (run_op("sampling_id", {"X": x[:200]})["Out"] for _ in range(2))
    assert not np.array_equal(a, b)  # 2^-200-ish odds of a false failure
    assert run_op("sampling_id", {"X": np.zeros((0, 3), np.float32)})["Out"].shape == (0,)


def test_sampling_id_layer(fresh):
    x = fluid.layers.data("x", [3], "float32")
    ids = fluid.layers.sampling_id(x, seed=5)
    assert ids.shape == (-1,) and ids.dtype == np.int64
    got = fluid.Executor().run(fresh, {"x": np.array([[1, 0, 0], [0, 0, 1]], np.float32)},
                               [ids])[0]
    np.testing.assert_array_equal(got, [0, 2])
    for kw, cls, match in [
            (dict(x=fluid.data("d", [2, 3], "int64")), TypeError, "sampling_id: argument 'x'"),
            (dict(x=fluid.data("e", [2, 3, 4], "float32")), ValueError,
             "sampling_id: argument 'x' must be 2-D"),
            (dict(x=x, min=1.0, max=0.5), ValueError, "sampling_id: argument 'min'"),
            (dict(x=x, seed=-1), ValueError, "sampling_id: argument 'seed'"),
            (dict(x=x, max=np.inf), ValueError, "sampling_id: argument 'max'"),
            (dict(x=x, dtype="flaot32"), ValueError, "sampling_id: argument 'dtype'")]:
        with pytest.raises(cls, match=match):
            fluid.layers.sampling_id(**kw)
