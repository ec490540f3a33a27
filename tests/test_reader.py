"""fluid 1.8's reader decorators, each against what plain Python gives."""
import random

import pytest

import minifluid as fluid
import minifluid.compat.paddle as paddle
from minifluid import reader as R


def rng_reader(n, start=0):
    def reader():
        yield from range(start, start + n)
    return reader


def test_exported_as_fluid_io_and_paddle_reader():
    for name in R.__all__:
        if name != "batch":
            assert getattr(fluid.io, name) is getattr(R, name)
            assert getattr(paddle.reader, name) is getattr(R, name)
    assert paddle.batch is fluid.io.batch is fluid.batch


def test_batch_drop_last():
    assert list(paddle.batch(rng_reader(5), 2)()) == [[0, 1], [2, 3], [4]]
    assert list(paddle.batch(rng_reader(5), 2, drop_last=True)()) == [[0, 1], [2, 3]]
    with pytest.raises(ValueError, match="batch_size"):
        paddle.batch(rng_reader(5), 0)


def test_shuffle_permutes_within_windows():
    random.seed(3)
    out = list(R.shuffle(rng_reader(10), 4)())
    assert sorted(out[:4]) == [0, 1, 2, 3] and sorted(out[4:8]) == [4, 5, 6, 7]
    assert sorted(out[8:]) == [8, 9]
    random.seed(3)
    expect = []
    for lo, hi in ((0, 4), (4, 8), (8, 10)):
        w = list(range(lo, hi))
        random.shuffle(w)
        expect += w
    assert out == expect
    assert list(R.shuffle(rng_reader(5), 0)()) == list(range(5))  # windows of one, as 1.8


def test_chain_firstn_map_cache():
    assert list(R.chain(rng_reader(2), rng_reader(3, 10))()) == [0, 1, 10, 11, 12]
    assert list(R.firstn(rng_reader(10), 3)()) == [0, 1, 2]
    assert list(R.firstn(rng_reader(2), 5)()) == [0, 1]
    assert list(R.map_readers(lambda a, b: a * b, rng_reader(3), rng_reader(4, 1))()) == \
        [0 * 1, 1 * 2, 2 * 3]
    calls = []

    def counted():
        calls.append(1)
        yield from [1, 2]
    c = R.cache(counted)
    assert list(c()) == list(c()) == [1, 2] and len(calls) == 1


def test_compose_flattens_and_checks_alignment():
    def pairs():
        yield from [(1, 2), (3, 4)]
    assert list(R.compose(pairs, rng_reader(2, 7))()) == [(1, 2, 7), (3, 4, 8)]
    with pytest.raises(R.ComposeNotAligned):
        list(R.compose(rng_reader(2), rng_reader(3))())
    assert issubclass(R.ComposeNotAligned, ValueError)
    assert list(R.compose(rng_reader(2), rng_reader(3), check_alignment=False)()) == \
        [(0, 0), (1, 1)]
    # a reader yielding None is aligned (fluid 1.8 took None for the end of a reader)
    assert list(R.compose(lambda: iter([None]), rng_reader(1))()) == [(None, 0)]


def test_buffered_keeps_order_and_raises_reader_errors():
    assert list(R.buffered(rng_reader(50), 3)()) == list(range(50))
    assert list(R.buffered(rng_reader(50), 0)()) == list(range(50))  # 0: unbounded

    def bad():
        yield 1
        raise KeyError("boom")
    with pytest.raises(KeyError, match="boom"):
        list(R.buffered(bad, 2)())


@pytest.mark.parametrize("threads", [1, 4])
def test_xmap_readers(threads):
    square = lambda x: x * x  # noqa: E731
    ordered = list(R.xmap_readers(square, rng_reader(100), threads, 8, order=True)())
    assert ordered == [x * x for x in range(100)]
    unordered = list(R.xmap_readers(square, rng_reader(100), threads, 8)())
    assert sorted(unordered) == [x * x for x in range(100)]


def test_xmap_readers_mapper_error():
    def mapper(x):
        if x == 5:
            raise ZeroDivisionError("x is 5")
        return x
    with pytest.raises(ZeroDivisionError, match="x is 5"):
        list(R.xmap_readers(mapper, rng_reader(10), 2, 4)())


def test_multiprocess_reader():
    out = list(R.multiprocess_reader([rng_reader(3), rng_reader(2, 10)])())
    assert sorted(out) == [0, 1, 2, 10, 11]

    def bad():
        yield 1
        raise RuntimeError("reader broke")
    with pytest.raises(ValueError, match="reader broke"):
        list(R.multiprocess_reader([bad])())
    with pytest.raises(ValueError, match="non-empty list"):
        R.multiprocess_reader([])


def test_multiprocess_reader_pickled_samples_and_early_stop():
    import numpy as np

    def arrays():
        for i in range(3):
            yield np.full(2, i), i
    out = list(R.multiprocess_reader([arrays], use_pipe=False)())
    assert [(a.tolist(), i) for a, i in out] == [([i, i], i) for i in range(3)]
    with pytest.raises(ValueError, match="JSON serializable"):
        list(R.multiprocess_reader([arrays])())
    first = R.firstn(R.multiprocess_reader([rng_reader(10 ** 6)]), 2)
    assert list(first()) == [0, 1]  # the child, still sending, is ended


def test_a_generator_passed_for_a_reader_is_named():
    gen = rng_reader(3)()
    for make in (lambda: R.shuffle(gen, 2), lambda: R.chain(rng_reader(1), gen),
                 lambda: R.compose(gen), lambda: R.buffered(gen, 2),
                 lambda: R.xmap_readers(abs, gen, 2, 2), lambda: paddle.batch(gen, 2)):
        with pytest.raises(TypeError, match="pass the function, not its result"):
            make()
    with pytest.raises(ValueError, match="buf_size must be an int >= 0, got -1"):
        R.shuffle(rng_reader(3), -1)
    with pytest.raises(ValueError, match="n must be an int >= 0"):
        R.firstn(rng_reader(3), -1)


def test_fluid_reader_module_names_other_attributes_clearly():
    with pytest.raises(AttributeError, match="minifluid.reader' has no attribute 'Nope'"):
        R.Nope  # noqa: B018
