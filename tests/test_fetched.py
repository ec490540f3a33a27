"""Values as fluid returned them: fetched numpy values convert like NumPy 1.x arrays
(float, int, "%f" on one element), and return_numpy=False gives LoDTensors whose LoD is the
one fed for the variable or shared from it."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid.fetched import FetchedArray


def test_numpy_2_itself_refuses_float_of_a_one_element_array():
    # what FetchedArray is for: if numpy allowed it again, it would not be needed
    if int(np.__version__.split(".")[0]) >= 2:
        with pytest.raises(TypeError):
            float(np.array([1.0]))


def test_a_one_element_fetch_converts_to_python_numbers(fresh):
    x = fluid.data("x", [None, 2], "float32")
    loss = fluid.layers.mean(x)  # shape [1], as fluid 1.8's mean
    n = fluid.layers.reduce_sum(fluid.layers.cast(x, "int64"), keep_dim=True)
    v, k = fluid.Executor().run(fresh, {"x": np.array([[1.5, 2.5]], np.float32)},
                                [loss, n])
    assert isinstance(v, np.ndarray) and v.__class__ is FetchedArray and v.size == 1
    assert float(v) == 2.0 and int(v) == 2 and complex(v) == 2 + 0j
    assert "%f" % v == "2.000000" and "%.2f" % v == "2.00" and "%d" % k == "3"
    assert int(k) == 3 and float(k) == 3.0
    assert "{0:5.2}".format(v) == "  2.0" and f"{k:03d}" == "003" and f"{v}" == str(v)
    assert repr(v) == repr(np.array(v.view(np.ndarray)))  # prints as the plain array
    assert (v * 2).tolist() == [4.0] and float(v * 2) == 4.0
    assert np.asarray(v).__class__ is np.ndarray


def test_a_fetched_value_pickles_as_a_plain_array(fresh):
    import copy
    import pickle

    from minifluid import safe_pickle
    x = fluid.data("x", [None, 2], "float32")
    v, = fluid.Executor().run(fresh, {"x": np.ones((1, 2), np.float32)}, [fluid.layers.mean(x)])
    data = pickle.dumps({"loss": v})
    assert b"minifluid" not in data  # loads where minifluid is not installed
    back = safe_pickle.loads(data, "fetched")["loss"]
    assert back.__class__ is np.ndarray and back.tolist() == [1.0]
    assert copy.deepcopy(v).__class__ is FetchedArray


def test_a_larger_fetch_still_refuses_float(fresh):
    x = fluid.data("x", [None, 2], "float32")
    y = fluid.layers.relu(x)
    v, = fluid.Executor().run(fresh, {"x": np.ones((2, 2), np.float32)}, [y])
    with pytest.raises(TypeError):
        float(v)
    with pytest.raises(TypeError):
        int(v)


def test_a_fetched_value_feeds_back(fresh):
    x = fluid.data("x", [None, 2], "float32")
    y = fluid.layers.scale(x, 2.0)
    exe = fluid.Executor()
    v, = exe.run(fresh, {"x": np.ones((1, 2), np.float32)}, [y])
    w, = exe.run(fresh, {"x": v}, [y])
    assert w.tolist() == [[4.0, 4.0]]


def _lod_program():
    words = fluid.layers.data("words", [1], "float32", lod_level=1)
    scaled = fluid.layers.scale(words, 2.0)  # lod_level 1, shares the LoD of words
    act = fluid.layers.relu(scaled)          # and again, through scaled
    total = fluid.layers.reduce_sum(words)   # lod_level 0: no LoD
    return words, scaled, act, total


def test_return_numpy_false_gives_lod_tensors_with_the_fed_lod(fresh):
    words, scaled, act, total = _lod_program()
    assert scaled.lod_level == 1 and act.lod_level == 1 and total.lod_level == 0
    t = fluid.create_lod_tensor(np.arange(5, dtype=np.float32).reshape(5, 1), [[2, 3]],
                                fluid.CPUPlace())
    exe = fluid.Executor()
    outs = exe.run(fresh, {"words": t}, [words, scaled, act, total], return_numpy=False)
    assert all(o.__class__ is fluid.LoDTensor for o in outs)
    assert [o.lod() for o in outs] == [[[0, 2, 5]], [[0, 2, 5]], [[0, 2, 5]], []]
    assert outs[1].recursive_sequence_lengths() == [[2, 3]]
    np.testing.assert_array_equal(np.array(outs[2]), 2 * np.arange(5).reshape(5, 1))
    assert outs[3].shape() == [1] and float(np.array(outs[3])[0]) == 10.0
    # another LoD in the next run of the same plan; a plain array has none
    t.set_recursive_sequence_lengths([[1, 1, 3]])
    out, = exe.run(fresh, {"words": t}, [act], return_numpy=False)
    assert out.lod() == [[0, 1, 2, 5]]
    out, = exe.run(fresh, {"words": np.ones((5, 1), np.float32)}, [act], return_numpy=False)
    assert out.lod() == [] and out.shape() == [5, 1]
    # a fetched LoDTensor feeds back, LoD and all
    again, = exe.run(fresh, {"words": outs[2]}, [scaled], return_numpy=False)
    assert again.lod() == [[0, 2, 5]]
    np.testing.assert_array_equal(np.array(again), 4 * np.arange(5).reshape(5, 1))


def test_lod_of_a_fed_lod_tensor_on_a_lod_level_0_variable_is_kept(fresh):
    x = fluid.data("x", [None, 1], "float32")  # fluid keeps what was fed, LoD included
    y = fluid.layers.scale(x, 3.0)            # lod_level 0: no LoD shared
    t = fluid.create_lod_tensor(np.ones((3, 1), np.float32), [[1, 2]], fluid.CPUPlace())
    fx, fy = fluid.Executor().run(fresh, {"x": t}, [x, y], return_numpy=False)
    assert fx.lod() == [[0, 1, 3]] and fy.lod() == []


def test_the_dataloader_feeds_lod_tensors(fresh):
    words, scaled, _, _ = _lod_program()

    def reader():
        yield fluid.create_lod_tensor(np.ones((3, 1), np.float32), [[1, 2]], fluid.CPUPlace()),

    loader = fluid.io.DataLoader.from_generator(feed_list=[words], capacity=2)
    loader.set_batch_generator(reader, fluid.cpu_places())
    exe = fluid.Executor()
    outs = [exe.run(fresh, feed=d, fetch_list=[scaled], return_numpy=False)[0]
            for d in loader()]
    assert [o.lod() for o in outs] == [[[0, 1, 3]]]
