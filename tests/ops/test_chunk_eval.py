"""chunk_eval (layers.chunk_eval) and fluid.metrics.ChunkEvaluator, against chunks found
here by a numpy reference: a tag starts a chunk where it is not outside and follows an
outside tag, a tag of another type, or is B/S, or is I/E after E/S; a chunk runs until the
next start or outside tag."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers

# scheme -> (tags per type, {role: tag}) as fluid documents them
SCHEMES = {"IOB": (2, {"B": 0, "I": 1}), "IOE": (2, {"I": 0, "E": 1}),
           "IOBES": (4, {"B": 0, "I": 1, "E": 2, "S": 3}), "plain": (1, {})}


def ref_chunks(tags, n_types, scheme):
    """{(begin, end, type)} of one sequence, vectorised: the starts, then runs."""
    n_tags, role = SCHEMES[scheme]
    tags = np.asarray(tags, np.int64)
    tag, typ = tags % n_tags, tags // n_tags
    inside = typ != n_types
    prev_typ = np.concatenate([[n_types], typ[:-1]])
    prev_tag = np.concatenate([[-1], tag[:-1]])
    is_ = lambda t, *names: np.isin(t, [role[n] for n in names if n in role])  # noqa: E731
    start = inside & ((prev_typ == n_types) | (prev_typ != typ) | is_(tag, "B", "S")
                      | (is_(tag, "I", "E") & is_(prev_tag, "E", "S")))
    found = set()
    for b in np.flatnonzero(start):
        e = b
        while e + 1 < len(tags) and inside[e + 1] and not start[e + 1]:
            e += 1
        found.add((int(b), int(e), int(typ[b])))
    return found


def ref_counts(seqs_i, seqs_l, n_types, scheme, excluded=()):
    n_i = n_l = n_c = 0
    for a, b in zip(seqs_i, seqs_l):
        ci = {c for c in ref_chunks(a, n_types, scheme) if c[2] not in excluded}
        cl = {c for c in ref_chunks(b, n_types, scheme) if c[2] not in excluded}
        n_i, n_l, n_c = n_i + len(ci), n_l + len(cl), n_c + len(ci & cl)
    return n_i, n_l, n_c


def run_chunk_eval(seqs_i, seqs_l, n_types, scheme, excluded=None, padded=False):
    """The six outputs of layers.chunk_eval on these sequences (LoD, or padded with -1)."""
    main = fluid.Program()
    with fluid.program_guard(main, fluid.Program()):
        if padded:
            width = max([len(s) for s in seqs_i] + [1])
            pad = lambda seqs: np.array([list(s) + [-1] * (width - len(s)) for s in seqs],  # noqa
                                        np.int64).reshape(len(seqs), width, 1)
            x = fluid.data("x", [None, width, 1], "int64")
            y = fluid.data("y", [None, width, 1], "int64")
            n = fluid.data("n", [None], "int64")
            outs = layers.chunk_eval(x, y, scheme, n_types, excluded, seq_length=n)
            feed = {"x": pad(seqs_i), "y": pad(seqs_l),
                    "n": np.array([len(s) for s in seqs_i], np.int64)}
        else:
            x = fluid.data("x", [None, 1], "int64", lod_level=1)
            y = fluid.data("y", [None, 1], "int64", lod_level=1)
            outs = layers.chunk_eval(x, y, scheme, n_types, excluded)
            lens = [[len(s) for s in seqs_i]]
            flat = lambda seqs: np.array(  # noqa: E731
                [t for s in seqs for t in s], np.int64).reshape(-1, 1)
            feed = {"x": fluid.create_lod_tensor(flat(seqs_i), lens, fluid.CPUPlace()),
                    "y": fluid.create_lod_tensor(flat(seqs_l), lens, fluid.CPUPlace())}
    return fluid.Executor(fluid.CPUPlace()).run(main, feed=feed, fetch_list=list(outs))


def check(seqs_i, seqs_l, n_types, scheme, excluded=(), padded=False):
    got = run_chunk_eval(seqs_i, seqs_l, n_types, scheme, list(excluded), padded)
    n_i, n_l, n_c = ref_counts(seqs_i, seqs_l, n_types, scheme, excluded)
    p = n_c / n_i if n_i else 0.0
    r = n_c / n_l if n_l else 0.0
    f1 = 2 * p * r / (p + r) if n_c else 0.0
    for value, want, dtype in zip(got, (p, r, f1, n_i, n_l, n_c), ["float32"] * 3 + ["int64"] * 3):
        assert value.dtype == dtype and value.shape == (1,)
        np.testing.assert_allclose(value, [want], rtol=1e-6)
    return n_i, n_l, n_c


def test_the_ner_example_by_hand():
    # Li Ming works at Agricultural Bank of China in Beijing; PER=0 ORG=1 LOC=2, O=6 (IOB)
    gold = [0, 1, 6, 6, 2, 3, 3, 3, 6, 4]
    pred = [0, 1, 6, 6, 2, 3, 6, 3, 6, 4]  # "of" missed: ORG split into "Agri. Bank", "China"
    got = run_chunk_eval([pred], [gold], 3, "IOB")
    assert [float(v) for v in got[3:]] == [4, 3, 2]  # PER, ORG, (ORG), LOC; 2 right
    np.testing.assert_allclose([float(v) for v in got[:3]], [0.5, 2 / 3, 4 / 7], rtol=1e-6)
    assert check([pred], [gold], 3, "IOB") == (4, 3, 2)


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
@pytest.mark.parametrize("padded", [False, True])
def test_random_tags_in_every_scheme_lod_and_padded(rng, scheme, padded):
    n_types = 3
    top = n_types * SCHEMES[scheme][0]  # the outside tag
    lengths = [7, 1, 12, 0, 30, 5]
    seqs_l = [rng.integers(0, top + 1, n).tolist() for n in lengths]
    # inference: the label with some tags changed, so that chunks agree in part
    seqs_i = [[t if rng.random() < 0.7 else int(rng.integers(0, top + 1)) for t in s]
              for s in seqs_l]
    n_i, n_l, n_c = check(seqs_i, seqs_l, n_types, scheme, padded=padded)
    assert n_l > 10 and 0 < n_c < n_l  # the case is not trivial
    check(seqs_i, seqs_l, n_types, scheme, excluded=(1,), padded=padded)


def test_a_chunk_does_not_run_across_sequences():
    # one sequence of two tags B-0 I-0 is one chunk; split in two, two chunks
    assert check([[0, 1]], [[0, 1]], 1, "IOB") == (1, 1, 1)
    got = run_chunk_eval([[0], [1]], [[0], [1]], 1, "IOB")
    assert [int(v) for v in got[3:]] == [2, 2, 2]


def test_nothing_to_count_gives_zeros():
    for padded in (False, True):
        got = run_chunk_eval([[2, 2], []], [[2, 2], []], 1, "IOB", padded=padded)  # all outside
        assert [float(v) for v in got] == [0.0] * 6
    got = run_chunk_eval([], [], 1, "IOB", padded=True)  # an empty batch
    assert [float(v) for v in got] == [0.0] * 6


def test_errors_name_the_op_and_argument():
    with fluid.program_guard(fluid.Program(), fluid.Program()):
        x = fluid.data("x", [None, 1], "int64", lod_level=1)
        with pytest.raises(TypeError, match="chunk_eval: argument 'input' must be a Variable "
                                            "of int64"):
            layers.chunk_eval(fluid.data("i", [None, 1], "int32"), x, "IOB", 2)
        with pytest.raises(ValueError, match="chunk_scheme' must be one of"):
            layers.chunk_eval(x, x, "BIO", 2)
        with pytest.raises(ValueError, match="num_chunk_types' must be an int >= 1"):
            layers.chunk_eval(x, x, "IOB", 0)
        with pytest.raises(ValueError, match="Inference .* and Label .* must have one shape"):
            layers.chunk_eval(x, fluid.data("y", [None, 2], "int64"), "IOB", 2)
        with pytest.raises(ValueError, match=r"padded \[N, T\] or \[N, T, 1\]"):
            z = fluid.data("z", [None, 4, 2], "int64")
            layers.chunk_eval(z, z, "IOB", 2, seq_length=fluid.data("n", [None], "int64"))
    with pytest.raises(ValueError, match=r"tag ids outside \[0, 4\] in sequence 1"):
        run_chunk_eval([[0], [5]], [[0], [1]], 2, "IOB")
    main = fluid.Program()
    with fluid.program_guard(main, fluid.Program()):
        x = fluid.data("x", [None, 1], "int64")
        outs = layers.chunk_eval(x, x, "IOB", 2)
    with pytest.raises(ValueError, match="Label must be a LoDTensor with one level of LoD"):
        fluid.Executor(fluid.CPUPlace()).run(main, feed={"x": np.zeros((3, 1), np.int64)},
                                             fetch_list=list(outs))


def test_chunk_evaluator_adds_up_batches(rng):
    metric = fluid.metrics.ChunkEvaluator()
    assert metric.eval() == (0, 0, 0)
    totals = np.zeros(3, np.int64)
    for _ in range(3):
        seqs = [rng.integers(0, 5, 9).tolist() for _ in range(4)]
        pred = [[t if rng.random() < 0.8 else 4 for t in s] for s in seqs]
        got = run_chunk_eval(pred, seqs, 2, "IOB")
        metric.update(*got[3:])
        totals += [int(v) for v in got[3:]]
    n_i, n_l, n_c = totals
    p, r = n_c / n_i, n_c / n_l
    np.testing.assert_allclose(metric.eval(), (p, r, 2 * p * r / (p + r)))
    metric.update(1, 2.0, np.array([1]))  # numbers are accepted too, as in fluid
    with pytest.raises(ValueError, match="'num_label_chunks' must be a number"):
        metric.update(1, "2", 1)
    metric.reset()
    assert metric.eval() == (0, 0, 0)


def test_the_lod_of_a_computed_input_is_its_fed_source_s():
    # scale keeps its input's LoD (fluid's ShareLoD): chunk_eval reads the LoD fed to x
    main = fluid.Program()
    with fluid.program_guard(main, fluid.Program()):
        x = fluid.data("x", [None, 1], "int64", lod_level=1)
        outs = layers.chunk_eval(layers.scale(x, 1.0), layers.scale(x, 1.0), "IOB", 1)
    t = fluid.create_lod_tensor(np.array([[0], [1], [1], [0]], np.int64), [[2, 2]],
                                fluid.CPUPlace())
    got = fluid.Executor(fluid.CPUPlace()).run(main, feed={"x": t}, fetch_list=list(outs))
    # [0 1] [1 0]: B-I, then I and B: 3 chunks (one sequence of 4 tags would have 2)
    assert [int(v) for v in got[3:]] == [3, 3, 3]
