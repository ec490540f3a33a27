"""A training script in the old fluid style, end to end."""
import os
import subprocess
import sys

import numpy as np
import pytest

import minifluid as fluid


def _data(rng, n):
    """Two-label data: label 0 is x0 + x1 > 0, label 1 is x2 * x3 > 0 (not linear)."""
    x = rng.normal(size=(n, 4)).astype("float32")
    y = np.stack([x[:, 0] + x[:, 1] > 0, x[:, 2] * x[:, 3] > 0], 1).astype("float32")
    return x, y


def test_old_style_script_trains_tests_saves_and_loads(fresh, rng, tmp_path):
    fresh.random_seed = fluid.default_startup_program().random_seed = 5
    x = fluid.layers.data(name="x", shape=[4], dtype="float32")
    y = fluid.layers.data(name="y", shape=[2], dtype="float32")
    h = fluid.layers.fc(input=x, size=32, act="relu")
    h = fluid.layers.dropout(h, dropout_prob=0.1)
    logits = fluid.layers.fc(input=h, size=2)
    cost = fluid.layers.sigmoid_cross_entropy_with_logits(x=logits, label=y)
    avg_cost = fluid.layers.mean(cost)
    test_program = fluid.default_main_program().clone(for_test=True)
    fluid.optimizer.Adam(learning_rate=0.01).minimize(avg_cost)
    assert [op.type for op in test_program.global_block().ops].count("adam") == 0

    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(fluid.default_startup_program())
    train_x, train_y = _data(rng, 512)
    test_x, test_y = _data(rng, 256)
    feeder = fluid.DataFeeder(feed_list=[x, y], place=fluid.CPUPlace())
    reader = fluid.batch(lambda: zip(train_x, train_y), batch_size=64)
    losses = []
    for _ in range(30):
        for minibatch in reader():
            loss, = exe.run(fluid.default_main_program(), feed=feeder.feed(minibatch),
                            fetch_list=[avg_cost])
        losses.append(float(loss[0]))
    assert losses[-1] < 0.5 * losses[0]

    out, = exe.run(test_program, feed={"x": test_x, "y": test_y}, fetch_list=[logits])
    accuracy = ((out > 0) == (test_y > 0.5)).mean()
    assert accuracy > 0.9, accuracy  # the bar: 90% of held-out labels right

    again, = exe.run(test_program, feed={"x": test_x, "y": test_y}, fetch_list=[logits])
    np.testing.assert_array_equal(out, again)  # no dropout in the test program

    fluid.io.save_inference_model(str(tmp_path), ["x"], [logits], exe)
    program, feeds, fetches = fluid.io.load_inference_model(str(tmp_path), exe)
    loaded, = exe.run(program, feed={feeds[0]: test_x}, fetch_list=fetches)
    np.testing.assert_allclose(loaded, out, rtol=1e-6)


def test_running_main_before_startup_names_the_parameter(fresh):
    x = fluid.layers.data("x", [3])
    out = fluid.layers.fc(x, 2)
    with fluid.scope_guard(fluid.Scope()):
        with pytest.raises(RuntimeError, match="variable 'fc_0.w_0' has no value in the scope: "
                                               "run the startup program first"):
            fluid.Executor().run(feed={"x": np.ones((1, 3), np.float32)}, fetch_list=[out])


SCRIPT = """
import numpy as np, minifluid as fluid
fluid.default_main_program().random_seed = 3
fluid.default_startup_program().random_seed = 3
x = fluid.layers.data("x", [4])
h = fluid.layers.dropout(fluid.layers.fc(x, 16, act="relu"), 0.5)
loss = fluid.layers.mean(fluid.layers.fc(h, 1))
fluid.optimizer.Momentum(0.1, 0.9).minimize(loss)
exe = fluid.Executor()
exe.run(fluid.default_startup_program())
xv = np.linspace(-1, 1, 32, dtype="float32").reshape(8, 4)
print([float(exe.run(feed={"x": xv}, fetch_list=[loss])[0][0]) for _ in range(5)])
"""


def test_random_seed_makes_two_runs_identical():
    runs = [subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                           check=True, cwd=os.path.dirname(__file__)).stdout for _ in range(2)]
    assert runs[0] == runs[1] and runs[0].startswith("[")


def test_data_feeder_and_batch():
    main = fluid.Program()
    with fluid.program_guard(main, fluid.Program()):
        img = fluid.layers.data("img", [2, 2])
        fluid.layers.data("label", [1], "int64")
    feeder = fluid.DataFeeder([img, "label"], fluid.CPUPlace(), program=main)
    feed = feeder.feed([([1, 2, 3, 4], 0), (np.ones((2, 2)), 1)])
    assert feed["img"].shape == (2, 2, 2) and feed["img"].dtype == np.float32
    assert feed["label"].shape == (2, 1) and feed["label"].dtype == np.int64
    with pytest.raises(ValueError, match="sample 0 has 1 fields, expected 2"):
        feeder.feed([(1,)])
    reader = fluid.batch(lambda: iter(range(7)), 3)
    assert list(reader()) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(fluid.batch(lambda: iter(range(7)), 3, drop_last=True)()) == [[0, 1, 2],
                                                                              [3, 4, 5]]
    assert fluid.io.batch is fluid.batch
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        fluid.batch(lambda: iter([]), 0)


def test_clone_for_test_shares_parameters_and_turns_dropout_off(fresh):
    x = fluid.layers.data("x", [3])
    out = fluid.layers.dropout(fluid.layers.fc(x, 3), 0.5)
    loss = fluid.layers.mean(out)
    fluid.optimizer.SGD(0.1).minimize(loss)
    test = fresh.clone(for_test=True)
    roles = {op.role for op in test.global_block().ops}
    assert roles == {"forward"}
    assert [op.attrs["is_test"] for op in test.global_block().ops if op.type == "dropout"] == \
        [True]
    assert len(fresh.global_block().ops) > len(test.global_block().ops)
    copy = fresh.clone()
    assert [op.type for op in copy.global_block().ops] == \
        [op.type for op in fresh.global_block().ops]
