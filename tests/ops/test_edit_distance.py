"""edit_distance and sequence_erase (layers.edit_distance) and fluid.metrics.EditDistance,
against the textbook Levenshtein table and list filtering written here."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers
from minifluid.testing import OpTest


def ref_distance(a, b):
    """The full (m + 1) x (n + 1) table, cell by cell."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
    return d[len(a)][len(b)]


def lod_tensor(seqs):
    flat = np.array([t for s in seqs for t in s], np.int64).reshape(-1, 1)
    return fluid.create_lod_tensor(flat, [[len(s) for s in seqs]], fluid.CPUPlace())


def padded(seqs):
    width = max([len(s) for s in seqs] + [1])
    return (np.array([list(s) + [0] * (width - len(s)) for s in seqs], np.int64).reshape(
        len(seqs), width), np.array([len(s) for s in seqs], np.int64))


def run_edit_distance(hyps, refs, pad=False, fetch_lod=False, **kw):
    main = fluid.Program()
    with fluid.program_guard(main, fluid.Program()):
        if pad:
            (h, hl), (r, rl) = padded(hyps), padded(refs)
            x = fluid.data("x", [None, h.shape[1]], "int64")
            y = fluid.data("y", [None, r.shape[1]], "int64")
            xl, yl = fluid.data("xl", [None], "int64"), fluid.data("yl", [None], "int64")
            outs = layers.edit_distance(x, y, input_length=xl, label_length=yl, **kw)
            feed = {"x": h, "y": r, "xl": hl, "yl": rl}
        else:
            x = fluid.data("x", [None, 1], "int64", lod_level=1)
            y = fluid.data("y", [None, 1], "int64", lod_level=1)
            outs = layers.edit_distance(x, y, **kw)
            feed = {"x": lod_tensor(hyps), "y": lod_tensor(refs)}
    return fluid.Executor(fluid.CPUPlace()).run(main, feed=feed, fetch_list=list(outs))


@pytest.mark.parametrize("pad", [False, True])
@pytest.mark.parametrize("normalized", [False, True])
def test_random_pairs_lod_and_padded(rng, pad, normalized):
    hyps = [rng.integers(0, 4, n).tolist() for n in (0, 1, 5, 9, 3, 12)]
    refs = [rng.integers(0, 4, n).tolist() for n in (3, 1, 0 if not normalized else 2, 7, 3, 1)]
    dist, num = run_edit_distance(hyps, refs, pad, normalized=normalized)
    want = [ref_distance(a, b) / (len(b) if normalized else 1) for a, b in zip(hyps, refs)]
    assert dist.dtype == np.float32 and dist.shape == (6, 1)
    np.testing.assert_allclose(dist[:, 0], want, rtol=1e-6)
    assert num.dtype == np.int64 and num.tolist() == [6]


def test_long_sequences_and_known_values():
    # kitten -> sitting: 3; a sequence against itself: 0; against the empty one: its length
    k, s = [ord(c) for c in "kitten"], [ord(c) for c in "sitting"]
    long = list(range(300))
    dist, _ = run_edit_distance([k, long, long, []], [s, long, long[::-1], [1, 2]],
                                normalized=False)
    assert dist[:, 0].tolist() == [3, 0, ref_distance(long, long[::-1]), 2]


def test_ignored_tokens_are_erased_first(rng):
    hyps = [rng.integers(0, 6, n).tolist() for n in (4, 8, 0, 6)]
    refs = [rng.integers(0, 6, n).tolist() for n in (5, 2, 3, 6)]
    drop = [0, 5]
    keep = lambda s: [t for t in s if t not in drop]  # noqa: E731
    dist, num = run_edit_distance(hyps, refs, normalized=False, ignored_tokens=drop)
    np.testing.assert_allclose(dist[:, 0], [ref_distance(keep(a), keep(b))
                                            for a, b in zip(hyps, refs)])
    assert num.tolist() == [4]


def test_sequence_erase_gives_its_new_lod(rng):
    main = fluid.Program()
    with fluid.program_guard(main, fluid.Program()):
        x = fluid.data("x", [None, 1], "int64", lod_level=2)
        out = main.global_block().create_var("erased")
        main.global_block().append_op("sequence_erase", {"X": [x]}, {"Out": [out]},
                                      {"tokens": [2, 3]})
    ids = rng.integers(0, 5, (20, 1))
    t = fluid.create_lod_tensor(ids, [[1, 2], [4, 0, 16]], fluid.CPUPlace())
    got, = fluid.Executor(fluid.CPUPlace()).run(main, feed={"x": t}, fetch_list=[out],
                                                return_numpy=False)
    kept = [v for v in ids[:, 0] if v not in (2, 3)]
    np.testing.assert_array_equal(np.array(got)[:, 0], kept)
    lens = [sum(v not in (2, 3) for v in seg) for seg in (ids[:4, 0], ids[4:4, 0], ids[4:, 0])]
    assert got.recursive_sequence_lengths() == [[1, 2], lens]


def test_errors_name_the_op_and_argument():
    with fluid.program_guard(fluid.Program(), fluid.Program()):
        x = fluid.data("x", [None, 1], "int64", lod_level=1)
        with pytest.raises(TypeError, match="edit_distance: argument 'label' must be a "
                                            "Variable of int64"):
            layers.edit_distance(x, fluid.data("f", [None, 1], "float32"))
        with pytest.raises(ValueError, match="give both input_length and label_length"):
            layers.edit_distance(x, x, input_length=fluid.data("n", [None], "int64"))
        with pytest.raises(ValueError, match=r"Hyps .* must be a \[T, 1\] LoDTensor"):
            layers.edit_distance(fluid.data("p", [None, 3], "int64"), x)
        with pytest.raises(TypeError, match="'ignored_tokens' must be a list of ints"):
            layers.edit_distance(x, x, ignored_tokens=[1.5])
    with pytest.raises(ValueError, match="reference 1 is empty, which normalized=True"):
        run_edit_distance([[1], [2]], [[1], []])
    with pytest.raises(ValueError, match="Hyps has 2 sequences and Refs 1"):
        run_edit_distance([[1], [2]], [[1, 2]])
    with pytest.raises(ValueError, match="sequence_erase: X must be a LoDTensor"):
        main = fluid.Program()
        with fluid.program_guard(main, fluid.Program()):
            x = fluid.data("x", [None, 1], "int64")
            outs = layers.edit_distance(x, x, ignored_tokens=[0])
        fluid.Executor(fluid.CPUPlace()).run(main, feed={"x": np.zeros((2, 1), np.int64)},
                                             fetch_list=list(outs))


def test_edit_distance_metric_adds_up_batches(rng):
    metric = fluid.metrics.EditDistance("ed")
    with pytest.raises(ValueError, match="there is no data"):
        metric.eval()
    all_d = []
    for _ in range(3):
        hyps = [rng.integers(0, 3, 3).tolist() for _ in range(5)]
        refs = [rng.integers(0, 3, 3).tolist() for _ in range(5)]
        dist, num = run_edit_distance(hyps, refs, normalized=False)
        metric.update(dist, num)
        all_d += dist[:, 0].tolist()
    avg, err = metric.eval()
    np.testing.assert_allclose([avg, err], [np.mean(all_d), np.mean(np.array(all_d) != 0)])
    with pytest.raises(ValueError, match="'distances' must be a numpy ndarray"):
        metric.update([1.0], 1)
    metric.reset()
    assert metric.seq_num == 0


class TestSequenceEraseOpTest(OpTest):
    """Paddle's OpTest form: an (array, lod) input reaches a kernel that reads LoD."""

    def setUp(self):
        self.op_type = "sequence_erase"
        x = np.array([[1], [2], [3], [2], [5], [2]], np.int64)
        self.inputs = {"X": (x, [[2, 0, 4]])}
        self.attrs = {"tokens": [2]}
        self.outputs = {"Out": np.array([[1], [3], [5]], np.int64)}

    def test_check_output(self):
        self.check_output()


def test_edit_distance_op_test_form():
    class Case(OpTest):
        def runTest(self):
            pass
    case = Case()
    case.op_type = "edit_distance"
    case.inputs = {"Hyps": (np.array([[1], [2], [3]], np.int64), [[1, 2]]),
                   "Refs": (np.array([[1], [3], [3], [4]], np.int64), [[3, 1]])}
    case.attrs = {"normalized": False}
    case.outputs = {"Out": np.array([[2], [2]], np.float32),
                    "SequenceNum": np.array([2], np.int64)}
    case.check_output()
