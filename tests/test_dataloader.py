"""fluid.io.DataLoader.from_generator and fluid.io.PyReader: every data source form, the
iterable and the start/reset forms, EOFException across epochs, reset in the middle, the
queue's bound, a reader's error, and reading overlapping compute."""
import threading
import time

import numpy as np
import pytest

import minifluid as fluid

N, BATCH = 10, 4  # samples per epoch; batch size


def _net():
    x = fluid.data("x", [None, 3], "float32")
    y = fluid.data("y", [None, 1], "int64")
    total = fluid.layers.reduce_sum(x)  # of the batch: tells which samples were fed
    return x, y, total


def _samples():
    for i in range(N):
        yield np.full(3, i, np.float64), [i]  # float64 and lists: converted as DataFeeder does


def _sample_lists():
    for b in range(0, N, BATCH):
        yield [(np.full(3, i, np.float32), [i]) for i in range(b, min(b + BATCH, N))]


def _batches():
    for b in range(0, N, BATCH):
        ids = np.arange(b, min(b + BATCH, N))
        yield np.repeat(ids[:, None], 3, 1).astype(np.float32), ids[:, None].astype(np.int64)


def _sums(upto=N):  # reduce_sum of x for each batch of BATCH ids
    return [3.0 * sum(range(b, min(b + BATCH, upto))) for b in range(0, upto, BATCH)]


def _set(loader, form, places):
    if form == "sample":
        loader.set_sample_generator(_samples, BATCH, drop_last=False, places=places)
    elif form == "sample_list":
        loader.set_sample_list_generator(_sample_lists, places)
    else:
        loader.set_batch_generator(_batches, places)


@pytest.mark.parametrize("form", ["sample", "sample_list", "batch"])
def test_iterable_yields_one_feed_dict_per_place(fresh, form):
    x, y, total = _net()
    loader = fluid.io.DataLoader.from_generator(feed_list=[x, y], capacity=2)
    _set(loader, form, fluid.cpu_places())
    exe = fluid.Executor()
    for _ in range(2):  # two epochs, each from the start
        got = []
        for data in loader():
            assert isinstance(data, list) and len(data) == 1 and set(data[0]) == {"x", "y"}
            assert isinstance(data[0]["x"], fluid.LoDTensor)
            assert np.array(data[0]["x"]).dtype == np.float32
            assert np.array(data[0]["y"]).dtype == np.int64
            s, = exe.run(fresh, feed=data, fetch_list=[total])
            got.append(float(s))
        assert got == _sums()


def test_return_list_yields_a_list_of_tensors_per_place(fresh):
    x, y, total = _net()
    loader = fluid.io.DataLoader.from_generator(feed_list=[x, y], capacity=2, return_list=True)
    loader.set_batch_generator(_batches, fluid.CPUPlace())
    steps = list(loader())
    assert len(steps) == 3 and all(len(s) == 1 and len(s[0]) == 2 for s in steps)
    xs, ys = steps[-1][0]
    np.testing.assert_array_equal(np.array(ys), [[8], [9]])
    assert np.array(xs).shape == (2, 3)


def test_sample_generator_drops_the_short_last_batch(fresh):
    x, y, _ = _net()
    loader = fluid.io.DataLoader.from_generator(feed_list=[x, y], capacity=2)
    loader.set_sample_generator(_samples, BATCH, drop_last=True, places=fluid.cpu_places(1))
    assert [np.array(d[0]["y"]).ravel().tolist() for d in loader()] == [[0, 1, 2, 3],
                                                                     [4, 5, 6, 7]]


def test_several_places_get_batches_in_turn_and_drop_last(fresh, monkeypatch):
    x, y, _ = _net()
    monkeypatch.setenv("CPU_NUM", "2")
    places = fluid.cpu_places()
    assert places == [fluid.CPUPlace(), fluid.CPUPlace()]
    for drop_last, steps in ((True, 1), (False, 2)):
        loader = fluid.io.DataLoader.from_generator(feed_list=[x, y], capacity=4,
                                                    drop_last=drop_last)
        loader.set_batch_generator(_batches, places)
        got = list(loader())
        assert len(got) == steps and len(got[0]) == 2 and len(got[-1]) == (2 if drop_last else 1)
        assert np.array(got[0][1]["y"]).ravel().tolist() == [4, 5, 6, 7]
    with pytest.raises(ValueError, match="one place"):
        fluid.Executor().run(fresh, feed=got[0], fetch_list=[x])


def _train_epochs(exe, program, loader, total, epochs=2, stop_after=None):
    epochs_seen = []
    for _ in range(epochs):
        loader.start()
        got = []
        try:
            while True:
                s, = exe.run(program, fetch_list=[total])
                got.append(float(s))
                if stop_after is not None and len(got) == stop_after:
                    stop_after = None
                    break
        except fluid.core.EOFException:
            pass
        loader.reset()
        epochs_seen.append(got)
    return epochs_seen


@pytest.mark.parametrize("form", ["sample", "sample_list", "batch"])
def test_non_iterable_feeds_exe_run_and_raises_eof_each_epoch(fresh, form):
    x, y, total = _net()
    loader = fluid.io.DataLoader.from_generator(feed_list=[x, y], capacity=2, iterable=False)
    _set(loader, form, None)
    exe = fluid.Executor()
    assert _train_epochs(exe, fresh, loader, total) == [_sums(), _sums()]
    # a clone (an evaluation program) reads from the same started loader, as in fluid, and
    # so does a CompiledProgram of the program
    test_program = fresh.clone(for_test=True)
    loader.start()
    assert float(exe.run(test_program, fetch_list=[total])[0]) == _sums()[0]
    compiled = fluid.CompiledProgram(fresh).with_data_parallel(places=fluid.cpu_places(1))
    assert float(exe.run(compiled, fetch_list=[total])[0]) == _sums()[1]
    loader.reset()


def test_eof_again_until_reset_and_a_run_before_start_is_refused(fresh):
    x, y, total = _net()
    loader = fluid.io.DataLoader.from_generator(feed_list=[x, y], capacity=2, iterable=False)
    loader.set_batch_generator(_batches)
    exe = fluid.Executor()
    with pytest.raises(RuntimeError, match="not started: call loader.start"):
        exe.run(fresh, fetch_list=[total])
    loader.start()
    for _ in range(3):
        exe.run(fresh, fetch_list=[total])
    for _ in range(2):
        with pytest.raises(fluid.core.EOFException, match="call loader.reset"):
            exe.run(fresh, fetch_list=[total])
    with pytest.raises(RuntimeError, match="without reset"):
        loader.start()
    loader.reset()
    # a feed given explicitly is used instead of the loader's
    s, = exe.run(fresh, feed={"x": np.ones((1, 3), np.float32), "y": np.zeros((1, 1), np.int64)},
                 fetch_list=[total])
    assert float(s) == 3.0


def test_threads_sharing_a_loader_each_see_the_end_of_the_epoch(fresh):
    x, y, total = _net()
    loader = fluid.io.DataLoader.from_generator(feed_list=[x, y], capacity=2, iterable=False)
    loader.set_batch_generator(_batches)
    exe, got, ends = fluid.Executor(), [], []

    def consume():
        try:
            while True:
                got.append(float(exe.run(fresh, fetch_list=[total])[0]))
        except fluid.core.EOFException:
            ends.append(1)

    loader.start()
    threads = [threading.Thread(target=consume) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert len(ends) == 3 and sorted(got) == sorted(_sums())
    loader.reset()


def test_reset_in_the_middle_starts_the_next_epoch_from_the_beginning(fresh):
    x, y, total = _net()
    loader = fluid.io.DataLoader.from_generator(feed_list=[x, y], capacity=1, iterable=False)
    loader.set_batch_generator(_batches)
    got = _train_epochs(fluid.Executor(), fresh, loader, total, stop_after=1)
    assert got == [_sums()[:1], _sums()]


def test_the_queue_holds_at_most_capacity_batches(fresh):
    x, y, _ = _net()
    made = []

    def reader():
        for b in range(50):
            made.append(b)
            yield np.zeros((1, 3), np.float32), np.zeros((1, 1), np.int64)

    loader = fluid.io.DataLoader.from_generator(feed_list=[x, y], capacity=3)
    loader.set_batch_generator(reader, fluid.cpu_places())
    it = iter(loader())
    for taken, want in ((1, 5), (2, 6)):
        next(it)
        deadline = time.monotonic() + 5
        while len(made) < want and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)  # time to read more, if the queue let it
        # taken, three in the queue, one made and waiting for room: the reader waits
        assert len(made) == taken + 3 + 1
    loader._reset()


@pytest.mark.parametrize("iterable", [True, False])
def test_a_reader_error_is_raised_in_the_caller_naming_the_reader(fresh, iterable):
    x, y, total = _net()

    def broken_reader():
        yield from list(_batches())[:2]
        raise ValueError("record 3 is truncated")

    loader = fluid.io.DataLoader.from_generator(feed_list=[x, y], capacity=4, iterable=iterable)
    loader.set_batch_generator(broken_reader, fluid.cpu_places() if iterable else None)
    exe = fluid.Executor()
    seen = 0
    with pytest.raises(ValueError, match=r"the reader '.*broken_reader' \(.*test_dataloader.py:"
                                         r"\d+\) raised ValueError: record 3 is truncated") as e:
        if iterable:
            for data in loader():
                exe.run(fresh, feed=data, fetch_list=[total])
                seen += 1
        else:
            loader.start()
            while True:
                exe.run(fresh, fetch_list=[total])
                seen += 1
    assert seen == 2 and isinstance(e.value.__cause__, ValueError)
    if not iterable:
        with pytest.raises(fluid.core.EOFException):
            exe.run(fresh, fetch_list=[total])
        loader.reset()


def test_a_batch_of_the_wrong_dtype_is_refused_naming_batch_and_field(fresh):
    x, y, _ = _net()

    def reader():
        yield np.zeros((2, 3)), np.zeros((2, 1), np.int64)  # float64 for a float32 variable

    loader = fluid.io.DataLoader.from_generator(feed_list=[x, y], capacity=2)
    loader.set_batch_generator(reader, fluid.cpu_places())
    with pytest.raises(ValueError, match=r"batch 0, field 0 \('x'\): the variable is declared "
                                         r"float32 but the fed array is float64"):
        list(loader())


def test_reading_overlaps_compute(fresh):
    # a reader and a step of 40 ms each over 8 batches: about 8 x 40 ms, not 8 x 80 ms
    x, y, total = _net()
    delay, n = 0.04, 8

    def slow_reader():
        for _ in range(n):
            time.sleep(delay)
            yield np.ones((2, 3), np.float32), np.zeros((2, 1), np.int64)

    loader = fluid.io.DataLoader.from_generator(feed_list=[x, y], capacity=4)
    loader.set_batch_generator(slow_reader, fluid.cpu_places())
    exe = fluid.Executor()
    start = time.perf_counter()
    for data in loader():
        exe.run(fresh, feed=data, fetch_list=[total])
        time.sleep(delay)  # the step's compute
    took = time.perf_counter() - start
    assert took < (n + 0.5 * n) * delay, f"{took:.3f}s: reading did not overlap the steps"


def test_pyreader_decorators_in_both_forms(fresh):
    x, y, total = _net()
    exe = fluid.Executor()
    reader = fluid.io.PyReader(feed_list=[x, y], capacity=2, iterable=False)
    reader.decorate_sample_list_generator(fluid.batch(_samples, BATCH))
    assert _train_epochs(exe, fresh, reader, total, epochs=1) == [_sums()]
    reader = fluid.io.PyReader(feed_list=[x, y], capacity=2)
    reader.decorate_sample_generator(_samples, BATCH, drop_last=False,
                                     places=fluid.cpu_places())
    assert [float(exe.run(fresh, feed=d, fetch_list=[total])[0]) for d in reader()] == _sums()
    reader.decorate_batch_generator(_batches, fluid.cpu_places())
    assert [float(exe.run(fresh, feed=d, fetch_list=[total])[0]) for d in reader()] == _sums()


def test_a_loader_trains_a_model(fresh):
    x = fluid.data("x", [None, 2], "float32")
    y = fluid.data("y", [None, 1], "float32")
    pred = fluid.layers.fc(x, 1)
    loss = fluid.layers.mean(fluid.layers.elementwise_mul(pred - y, pred - y))
    fluid.optimizer.SGD(0.1).minimize(loss)
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(64, 2)).astype(np.float32)
    ys = xs @ np.array([[2.0], [-1.0]], np.float32) + 0.5

    def reader():
        for i in range(0, 64, 16):
            yield xs[i:i + 16], ys[i:i + 16]

    loader = fluid.io.DataLoader.from_generator(feed_list=[x, y], capacity=4, iterable=False)
    loader.set_batch_generator(reader)
    exe = fluid.Executor()
    exe.run(fluid.default_startup_program())
    losses = [_train_epochs(exe, fresh, loader, loss, epochs=1)[0][-1] for _ in range(20)]
    assert losses[-1] < 0.01 * losses[0]


def test_argument_errors(fresh):
    x, y, _ = _net()
    with pytest.raises(TypeError, match="feed_list must be a non-empty list"):
        fluid.io.DataLoader.from_generator(capacity=2)
    with pytest.raises(ValueError, match="capacity must be a positive int"):
        fluid.io.DataLoader.from_generator(feed_list=[x])
    loader = fluid.io.DataLoader.from_generator(feed_list=[x, y], capacity=2)
    with pytest.raises(ValueError, match="needs places"):
        loader.set_batch_generator(_batches)
    with pytest.raises(TypeError, match="must be a function"):
        loader.set_batch_generator(list(_batches()), fluid.cpu_places())
    with pytest.raises(RuntimeError, match="no data source"):
        iter(loader())
    with pytest.raises(TypeError, match="start\\(\\) is for a non-iterable"):
        loader.start()
    with pytest.raises(TypeError, match="not iterable"):
        iter(fluid.io.DataLoader.from_generator(feed_list=[x], capacity=2, iterable=False))
    with pytest.raises(NotImplementedError, match="from_generator"):
        fluid.io.DataLoader(None)


def test_places_helpers(monkeypatch):
    monkeypatch.delenv("CPU_NUM", raising=False)
    assert fluid.cpu_places() == [fluid.CPUPlace()] and len(fluid.cpu_places(3)) == 3
    monkeypatch.setenv("CPU_NUM", "x")
    with pytest.raises(ValueError, match="CPU_NUM"):
        fluid.cpu_places()
    count = fluid.core.get_cuda_device_count()
    assert isinstance(count, int) and count >= 0
    if count == 0:
        with pytest.raises(RuntimeError, match="no GPU"):
            fluid.cuda_places()
    else:
        assert fluid.cuda_places() == [fluid.CUDAPlace(i) for i in range(count)]
        assert fluid.cuda_places(0) == [fluid.CUDAPlace(0)]


def test_no_reading_thread_is_left_behind(fresh):
    x, y, _ = _net()
    loader = fluid.io.DataLoader.from_generator(feed_list=[x, y], capacity=1)
    loader.set_batch_generator(_batches, fluid.cpu_places())
    for _ in loader():
        break  # left in the middle: the next epoch stops the old thread
    for _ in loader():
        pass
    time.sleep(0.05)
    assert not [t for t in threading.enumerate() if t.name.startswith("minifluid DataLoader")]


@pytest.mark.parametrize("setter", ["set_batch_generator", "set_sample_list_generator"])
def test_a_loader_dropped_in_the_middle_of_an_epoch_stops_its_thread(fresh, setter):
    import gc
    x, y, _ = _net()
    for _ in range(3):
        loader = fluid.io.DataLoader.from_generator(feed_list=[x, y], capacity=1)
        if setter == "set_batch_generator":
            loader.set_batch_generator(_batches, fluid.cpu_places())
        else:
            loader.set_sample_list_generator(
                lambda: ([(np.ones(3, "float32"), np.ones(1, "float32"))] * 2 for _ in range(50)),
                fluid.cpu_places())
        for _ in loader():
            break
        del loader
        gc.collect()
    deadline = time.time() + 2
    while time.time() < deadline and [t for t in threading.enumerate()
                                      if t.name.startswith("minifluid DataLoader")]:
        time.sleep(0.02)
    assert not [t for t in threading.enumerate() if t.name.startswith("minifluid DataLoader")]


def test_datafeeder_makes_lod_tensors_for_sequences_as_fluid(fresh):
    words = fluid.layers.data("words", [1], "int64", lod_level=1)
    label = fluid.layers.data("label", [1], "int64")
    boxes = fluid.layers.data("boxes", [2], "float32", lod_level=2)
    feeder = fluid.DataFeeder([words, label, boxes], fluid.CPUPlace())
    feed = feeder.feed([([1, 2, 3], [0], [[[1, 2]], [[3, 4], [5, 6]]]),
                        ([4, 5], [1], [[[7, 8]]])])
    assert feed["words"].recursive_sequence_lengths() == [[3, 2]]
    np.testing.assert_array_equal(np.array(feed["words"]), [[1], [2], [3], [4], [5]])
    assert np.array(feed["words"]).dtype == np.int64 and feed["label"].shape == (2, 1)
    assert feed["boxes"].recursive_sequence_lengths() == [[2, 1], [1, 2, 1]]
    assert np.array(feed["boxes"]).tolist() == [[1, 2], [3, 4], [5, 6], [7, 8]]
    with pytest.raises(TypeError, match=r"field 0 \('words'\) of sample 0 must be a sequence "
                                        r"nested 1 deep"):
        feeder.feed([(7, [0], [[[1, 2]]])])
    # a DataLoader's sample generator goes through it: the batch's LoD reaches the fetch
    scaled = fluid.layers.scale(fluid.layers.cast(words, "float32"), 2.0)

    def samples():
        for n in (1, 2, 3):
            yield list(range(n)), [n], [[[0.0, 1.0]]]

    loader = fluid.io.DataLoader.from_generator(feed_list=[words, label, boxes], capacity=2)
    loader.set_sample_generator(samples, 3, places=fluid.cpu_places())
    out, = [fluid.Executor().run(fresh, feed=d, fetch_list=[scaled], return_numpy=False)[0]
            for d in loader()]
    assert out.recursive_sequence_lengths() == [[1, 2, 3]]
    assert np.array(out).ravel().tolist() == [0, 0, 2, 0, 2, 4]


def test_the_names_ported_scripts_reach_for():
    import minifluid.compat.paddle as paddle
    from minifluid.compat.paddle.fluid.io import DataLoader, PyReader
    assert DataLoader is fluid.io.DataLoader and PyReader is fluid.io.PyReader
    assert paddle.fluid.core.EOFException is fluid.core.EOFException
    assert issubclass(fluid.core.EOFException, Exception)
    assert callable(fluid.cpu_places) and callable(fluid.cuda_places)
    assert callable(fluid.core.get_cuda_device_count)
