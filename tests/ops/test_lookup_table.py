"""lookup_table / lookup_table_v2 and the embedding layers: gathers against numpy, padding,
repeated ids, dense and sparse gradients, and a word2vec-style net trained both ways."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers
from minifluid.regularizer import L2Decay
from minifluid.selected_rows import SelectedRows
from minifluid.testing import check_grad, check_output, run_op


def gather(table, ids, padding_idx=-1):
    """The float64 reference: one row per id, written as a loop."""
    flat = ids.reshape(-1)
    out = np.zeros((flat.size, table.shape[1]), table.dtype)
    for i, r in enumerate(flat):
        if r != padding_idx:
            out[i] = table[r]
    return out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("lead", [(4,), (2, 3, 5), (0,)])
def test_lookup_matches_a_gather(rng, dtype, lead):
    table = rng.normal(size=(17, 6)).astype(dtype)
    ids = rng.integers(0, 17, lead).astype(np.int64)
    want = gather(table, ids).reshape(lead + (6,))
    check_output("lookup_table", {"W": table, "Ids": ids[..., None]}, {"Out": want})
    check_output("lookup_table_v2", {"W": table, "Ids": ids}, {"Out": want})


def test_padding_rows_are_zero_and_get_no_gradient(rng):
    table = rng.normal(size=(7, 3)) * 1e4  # large values: the padded rows are exactly 0
    ids = np.array([1, 3, 3, 6, 1], np.int64)
    want = gather(table, ids, padding_idx=3)
    check_output("lookup_table_v2", {"W": table, "Ids": ids}, {"Out": want},
                 attrs={"padding_idx": 3})
    dout = rng.normal(size=(5, 3))
    dw = run_op("lookup_table_v2_grad", {"W": table, "Ids": ids, "Out@GRAD": dout},
                attrs={"padding_idx": 3}, outputs=("W@GRAD",))["W@GRAD"]
    assert not dw[3].any()
    np.testing.assert_allclose(dw[1], dout[0] + dout[4])  # repeated ids accumulate


@pytest.mark.parametrize("op_type, ids", [("lookup_table", np.array([[2], [0], [2], [2]])),
                                          ("lookup_table_v2", np.array([[2, 0], [2, 5]]))])
def test_gradient_check(rng, op_type, ids):
    check_grad(op_type, {"W": rng.normal(size=(6, 4)), "Ids": ids.astype(np.int64)},
               inputs_to_check=("W",))


def test_sparse_gradient_is_the_rows_looked_up(rng):
    table, ids = rng.normal(size=(6, 2)), np.array([4, 1, 4, 0], np.int64)
    dout = rng.normal(size=(4, 2))
    from minifluid.registry import get_kernel
    fn = get_kernel("lookup_table_v2_grad", "cpu", "float64")
    attrs = {k: v for k, v in fluid.registry.get_op("lookup_table_v2").attrs.items()}
    sr = fn(table, ids, dout, **{**attrs, "is_sparse": True, "padding_idx": 1})
    assert isinstance(sr, SelectedRows) and sr.rows() == [4, 1, 4, 0] and sr.height() == 6
    np.testing.assert_allclose(sr.value, dout * np.array([1, 0, 1, 1])[:, None])
    dense = fn(table, ids, dout, **{**attrs, "padding_idx": 1})
    np.testing.assert_allclose(sr.to_dense(), dense)


def test_a_selected_rows_table_is_read_by_row_id(rng):
    value = rng.normal(size=(3, 2))
    w = SelectedRows([7, 2, 5], 10, value)
    from minifluid.registry import get_kernel
    out = get_kernel("lookup_table", "cpu", "float64")(w, np.array([[5], [7]]), padding_idx=-1)
    np.testing.assert_array_equal(out, value[[2, 0]])


def test_bad_ids_and_tables_are_refused():
    with pytest.raises(ValueError, match=r"Ids hold 9, outside the table's rows \[0, 4\)"):
        run_op("lookup_table_v2", {"W": np.ones((4, 2)), "Ids": np.array([1, 9])})
    with pytest.raises(ValueError, match="last dimension of Ids .* must be 1"):
        run_op("lookup_table", {"W": np.ones((4, 2)), "Ids": np.ones((3, 2), np.int64)})
    with pytest.raises(ValueError, match="must be a 2-D table"):
        run_op("lookup_table_v2", {"W": np.ones((4,)), "Ids": np.ones(3, np.int64)})
    with pytest.raises(TypeError, match="Ids .* must be int64"):
        run_op("lookup_table_v2", {"W": np.ones((4, 2)), "Ids": np.ones(3)})


def test_layers_shapes_names_and_shared_tables():
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        ids1 = fluid.data("ids1", [None, 1], "int64")
        ids2 = fluid.data("ids2", [None, 5], "int64")
        a = layers.embedding(ids1, [100, 8], param_attr="shared")
        b = fluid.embedding(ids2, [100, 8], param_attr="shared", padding_idx=-1)
        assert a.shape == (-1, 8) and b.shape == (-1, 5, 8)
        ops = main.global_block().ops
        assert [op.type for op in ops] == ["lookup_table", "lookup_table_v2"]
        assert ops[1].attr("padding_idx") == 99  # fluid 1.8: counted from the end
        assert [p.name for p in main.global_block().all_parameters()] == ["shared"]
        with pytest.raises(ValueError, match="must end in a dimension of 1"):
            layers.embedding(ids2, [100, 8])
        with pytest.raises(TypeError, match="fluid.embedding: argument 'dtype'"):
            fluid.embedding(ids2, [100, 8], dtype="int64")


def _word2vec_losses(is_sparse, optimizer, steps=6):
    """A skip-gram-like net: 4 context words share one table, their embeddings are
    concatenated and classify the middle word."""
    rng = np.random.default_rng(3)
    main, startup = fluid.Program(), fluid.Program()
    main.random_seed = startup.random_seed = 7
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        words = [fluid.data(f"w{i}", [None, 1], "int64") for i in range(4)]
        target = fluid.data("target", [None, 20], "float32")
        embs = [layers.embedding(w, [20, 8], is_sparse=is_sparse, param_attr="emb")
                for w in words]
        hidden = layers.fc(layers.concat(embs, axis=1), 16, act="tanh")
        logits = layers.fc(hidden, 20)
        loss = layers.mean(layers.sigmoid_cross_entropy_with_logits(logits, target))
        optimizer().minimize(loss)
    exe = fluid.Executor(fluid.CPUPlace())
    scope = fluid.Scope()
    exe.run(startup, scope=scope)
    losses = []
    for _ in range(steps):
        ids = rng.integers(0, 20, (8, 4)).astype(np.int64)
        ids[0] = 3  # a word repeated in one batch
        feed = {f"w{i}": ids[:, i:i + 1] for i in range(4)}
        feed["target"] = np.eye(20, dtype=np.float32)[rng.integers(0, 20, 8)]
        losses.append(float(exe.run(main, feed, [loss], scope=scope)[0][0]))
    table = np.array(scope.find_var("emb").get_tensor())
    return np.array(losses), table


@pytest.mark.parametrize("optimizer", [
    lambda: fluid.optimizer.SGD(0.5), lambda: fluid.optimizer.Momentum(0.3, 0.9),
    lambda: fluid.optimizer.Adam(0.05, lazy_mode=False),
    lambda: fluid.optimizer.SGD(0.5, regularization=L2Decay(0.01))],  # sparse + dense decay
    ids=["sgd", "momentum", "adam", "sgd_l2decay"])
def test_word2vec_trains_the_same_with_sparse_and_dense_gradients(optimizer):
    dense, dense_table = _word2vec_losses(False, optimizer)
    sparse, sparse_table = _word2vec_losses(True, optimizer)
    assert dense[-1] < dense[0]
    np.testing.assert_allclose(sparse, dense, rtol=1e-5)
    np.testing.assert_allclose(sparse_table, dense_table, rtol=1e-5, atol=1e-6)
