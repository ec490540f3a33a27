"""top_k and accuracy (fluid 1.8's layers.accuracy), against numpy written here."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers
from minifluid.testing import check_grad, check_output, run_op


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
def test_top_k_largest_first_ties_by_smaller_index(rng, dtype):
    x = rng.integers(-3, 3, (4, 2, 7)).astype(dtype)  # many ties
    idx = np.array([[sorted(range(7), key=lambda j: (-row[j], j))[:3] for row in m] for m in x])
    check_output("top_k", {"X": x}, {"Out": np.take_along_axis(x, idx, -1), "Indices": idx},
                 {"k": 3})


def test_top_k_k_tensor_and_gradient(rng):
    x = rng.normal(size=(3, 6))
    out = run_op("top_k", {"X": x, "K": np.array([2], np.int32)}, outputs=("Out", "Indices"))
    np.testing.assert_array_equal(out["Out"], -np.sort(-x, -1)[:, :2])
    check_grad("top_k", {"X": x}, {"k": 2}, output_names=("Out",))


def test_top_k_extremes_and_errors():
    x = np.array([[np.inf, -np.inf, 1e308, -1e308]])
    out = run_op("top_k", {"X": x}, {"k": 4}, outputs=("Out", "Indices"))
    np.testing.assert_array_equal(out["Indices"], [[0, 2, 3, 1]])
    with pytest.raises(Exception, match=r"top_k: k must be in \[1, 4\]"):  # at run time: K
        run_op("top_k", {"X": x, "K": np.array([5])}, outputs=("Out", "Indices"))
    with pytest.raises(ValueError, match="accuracy: argument 'k' must be an int >= 1 and <= 4"):
        with fluid.program_guard(fluid.Program(), fluid.Program()):
            layers.accuracy(fluid.data("x", [None, 4]), fluid.data("y", [None, 1], "int64"),
                            k=5)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_accuracy_op_counts_rows_whose_label_is_in_the_top_k(rng, dtype):
    n, k = 50, 3
    indices = rng.integers(0, 6, (n, k))
    label = rng.integers(0, 6, (n, 1))
    correct = sum(int(label[i, 0] in indices[i]) for i in range(n))
    check_output("accuracy", {"Out": rng.random((n, k)).astype(dtype), "Indices": indices,
                              "Label": label},
                 {"Accuracy": np.array([correct / n], np.float32),
                  "Correct": np.array([correct], np.int32), "Total": np.array([n], np.int32)})


def test_accuracy_of_an_empty_batch_is_zero():
    out = run_op("accuracy", {"Out": np.zeros((0, 1), np.float32),
                              "Indices": np.zeros((0, 1), np.int64),
                              "Label": np.zeros((0, 1), np.int64)},
                 outputs=("Accuracy", "Correct", "Total"))
    assert out["Accuracy"][0] == 0 and out["Total"][0] == 0


def test_accuracy_layer_as_fluid_builds_it(rng):
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        x = fluid.data("x", [None, 5], "float32")
        y = fluid.data("y", [None, 1], "int64")
        correct = layers.create_global_var([1], 0, "int32", name="correct")
        acc = layers.accuracy(x, y, k=2, correct=correct)
        assert [op.type for op in main.global_block().ops] == ["top_k", "accuracy"]
        assert acc.name == "accuracy_0.tmp_0" and acc.dtype == np.float32
        with pytest.raises(TypeError, match="accuracy.*input"):
            layers.accuracy(fluid.data("i", [None, 5], "int32"), y)
        with pytest.raises(TypeError, match="accuracy.*correct"):
            layers.accuracy(x, y, correct=x)
    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(startup)
    xs, ys = rng.normal(size=(20, 5)).astype("float32"), rng.integers(0, 5, (20, 1))
    got, n = exe.run(main, feed={"x": xs, "y": ys}, fetch_list=[acc, correct])
    top2 = np.argsort(-xs, 1)[:, :2]
    want = np.mean([ys[i, 0] in top2[i] for i in range(20)])
    assert np.isclose(got[0], want) and n[0] == round(want * 20)


def test_accuracy_total_may_be_an_int64_tensor(rng):
    # youtube_dnn passes total=create_tensor(dtype='int64'); fluid's kernel writes int32 counts
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        x = fluid.data("x", [None, 3], "float32")
        y = fluid.data("y", [None, 1], "int64")
        total = layers.create_tensor(dtype="int64")
        acc = layers.accuracy(x, y, total=total)
    xs, ys = rng.normal(size=(7, 3)).astype("float32"), rng.integers(0, 3, (7, 1))
    got, n = fluid.Executor(fluid.CPUPlace()).run(main, feed={"x": xs, "y": ys},
                                                   fetch_list=[acc, total])
    assert n.tolist() == [7] and np.isclose(got[0], np.mean(xs.argmax(1) == ys[:, 0]))
