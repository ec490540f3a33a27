"""fluid 1.8's reader decorators (`fluid.io.shuffle`, `paddle.reader.compose`, ...).

A reader is a function of no arguments that returns an iterator of samples; a decorator takes
readers and returns a new reader. They behave as fluid 1.8's: `shuffle` shuffles within
windows of `buf_size` samples, `compose` flattens tuples and raises ComposeNotAligned when
the readers' lengths differ (unless check_alignment=False, which stops at the shortest),
`xmap_readers` maps in `process_num` threads (in the input's order with order=True), and
`multiprocess_reader` reads each reader in its own process. (fluid 1.8's paddle.fluid.reader
also held DataLoader and PyReader: they are looked up in minifluid.dataloader.)
"""
from __future__ import annotations

import itertools
import json
import multiprocessing
import queue
import random
import threading

from .data_feeder import batch

__all__ = ["cache", "map_readers", "buffered", "compose", "chain", "shuffle",
           "ComposeNotAligned", "firstn", "xmap_readers", "multiprocess_reader", "batch"]


def _int_at_least(name, what, value, least=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"{name}: {what} must be an int >= {least}, got {value!r}")


def _readers(name, *readers):
    """Check that each of `readers` is a reader (a function returning an iterator): passing
    reader() instead of reader is the usual slip, and would fail later, far from here."""
    for r in readers:
        if not callable(r):
            raise TypeError(f"{name}: a reader is a function that returns an iterator of "
                            f"samples, got {type(r).__name__} {r!r:.60}" +
                            ("; pass the function, not its result" if hasattr(r, "__next__")
                             else ""))


def cache(reader):
    """A reader of the samples `reader` yields, read once now and kept in memory."""
    _readers("cache", reader)
    samples = tuple(reader())

    def cached():
        yield from samples
    return cached


def map_readers(func, *readers):
    """A reader of func(a, b, ...) for the samples a, b, ... that `readers` yield together
    (stopping at the shortest)."""
    _readers("map_readers", func, *readers)
    def mapped():
        yield from map(func, *[r() for r in readers])
    return mapped


def shuffle(reader, buf_size):
    """A reader of `reader`'s samples shuffled within consecutive windows of buf_size."""
    _readers("shuffle", reader)
    _int_at_least("shuffle", "buf_size", buf_size, least=0)  # 0: no shuffling (1.8)
    def shuffled():
        buf = []
        for sample in reader():
            buf.append(sample)
            if len(buf) >= buf_size:
                random.shuffle(buf)
                yield from buf
                buf = []
        random.shuffle(buf)
        yield from buf
    return shuffled


def chain(*readers):
    """A reader of the first reader's samples, then the second's, and so on."""
    _readers("chain", *readers)
    def chained():
        for r in readers:
            yield from r()
    return chained


class ComposeNotAligned(ValueError):
    """compose's readers yielded different numbers of samples."""


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def compose(*readers, check_alignment=True):
    """A reader of flat tuples joining the samples `readers` yield together: (1, 2), 3 and
    (4, 5) give (1, 2, 3, 4, 5). Readers of different lengths raise ComposeNotAligned, or,
    with check_alignment=False, stop at the shortest."""
    _readers("compose", *readers)
    def composed():
        its = [r() for r in readers]
        if not check_alignment:
            for outputs in zip(*its):
                yield sum(map(_as_tuple, outputs), ())
            return
        end = object()
        for outputs in itertools.zip_longest(*its, fillvalue=end):
            if any(o is end for o in outputs):
                raise ComposeNotAligned("compose: the readers' outputs are not aligned (they "
                                        "yield different numbers of samples)")
            yield sum(map(_as_tuple, outputs), ())
    return composed


class _End:
    """Marks the end of a worker's samples in a queue."""


class _Failed:
    """A worker's exception, to raise in the reading thread."""

    def __init__(self, error):
        self.error = error


def _pump(samples, q, wrap=lambda i, s: s):
    """Put `samples` (an iterable) into q, then the end mark (or the exception it raised)."""
    try:
        for i, sample in enumerate(samples):
            q.put(wrap(i, sample))
        q.put(_End())
    except BaseException as e:  # noqa: BLE001 - re-raised by the reader that drains q
        q.put(_Failed(e))


def _drain(q, ends=1):
    """Yield what q holds until `ends` end marks came; a worker's exception is raised."""
    while ends:
        item = q.get()
        if isinstance(item, _End):
            ends -= 1
        elif isinstance(item, _Failed):
            raise item.error
        else:
            yield item


def _thread(target, *args):
    t = threading.Thread(target=target, args=args, daemon=True)
    t.start()
    return t


def buffered(reader, size):
    """A reader of `reader`'s samples read ahead by a thread into a buffer of `size`."""
    _readers("buffered", reader)
    _int_at_least("buffered", "size", size, least=0)  # 0: unbounded (1.8)
    def buffered_reader():
        q = queue.Queue(maxsize=size)
        _thread(_pump, reader(), q)
        yield from _drain(q)
    return buffered_reader


def firstn(reader, n):
    """A reader of at most the first n samples of `reader`."""
    _readers("firstn", reader)
    _int_at_least("firstn", "n", n, least=0)
    def first():
        yield from itertools.islice(reader(), n)
    return first


def xmap_readers(mapper, reader, process_num, buffer_size, order=False):
    """A reader of mapper(sample) for `reader`'s samples, mapped by `process_num` threads
    through queues of `buffer_size`; with order=True in the samples' order, else in the
    order the threads finish."""
    _int_at_least("xmap_readers", "process_num", process_num)
    _readers("xmap_readers", mapper, reader)
    _int_at_least("xmap_readers", "buffer_size", buffer_size, least=0)

    def xreader():
        in_q, out_q = queue.Queue(buffer_size), queue.Queue(buffer_size)
        _thread(_pump, reader(), in_q, lambda i, s: (i, s))
        turn = threading.Condition()
        next_out = [0]

        def work():
            try:
                while True:
                    item = in_q.get()
                    if not isinstance(item, tuple):  # the end mark or the reader's error
                        in_q.put(item)  # for the other threads
                        out_q.put(item if isinstance(item, _Failed) else _End())
                        return
                    i, sample = item
                    result = mapper(sample)
                    if order:  # wait for sample i's turn, so results leave in order
                        with turn:
                            turn.wait_for(lambda: next_out[0] == i)
                            out_q.put(result)
                            next_out[0] += 1
                            turn.notify_all()
                    else:
                        out_q.put(result)
            except BaseException as e:  # noqa: BLE001 - raised by the reading thread
                out_q.put(_Failed(e))

        for _ in range(process_num):
            _thread(work)
        yield from _drain(out_q, ends=process_num)
    return xreader


_ERROR = "__minifluid_reader_error__"


def _send(reader, conn, as_json):
    """Send `reader`'s samples through conn (as JSON, or pickled), then None."""
    encode = json.dumps if as_json else (lambda x: x)
    try:
        for sample in reader():
            if sample is None:
                raise ValueError("multiprocess_reader: a reader yielded None")
            conn.send(encode(sample))
        conn.send(encode(None))
    except BaseException as e:  # noqa: BLE001 - the parent raises it by name
        conn.send(encode({_ERROR: f"{type(e).__name__}: {e}"}))
    finally:
        conn.close()


def multiprocess_reader(readers, use_pipe=True, queue_size=1000):
    """A reader of the samples of `readers` (a list), each read in its own (forked) process,
    taken one from each reader in turn. With use_pipe (fluid 1.8's default) samples cross as
    JSON, so they must be lists, numbers and strings (tuples arrive as lists); with
    use_pipe=False they cross pickled, so numpy arrays pass too (fluid 1.8 used a
    multiprocessing queue; minifluid uses pipes both ways, and ignores queue_size)."""
    if not isinstance(readers, (list, tuple)) or not readers:
        raise ValueError(f"multiprocess_reader: readers must be a non-empty list of readers, "
                         f"got {readers!r}")
    _readers("multiprocess_reader", *readers)

    def mp_reader():
        ctx = multiprocessing.get_context("fork")
        conns, procs = [], []
        for r in readers:
            parent, child = ctx.Pipe(duplex=False)
            p = ctx.Process(target=_send, args=(r, child, use_pipe), daemon=True)
            p.start()
            child.close()
            conns.append(parent)
            procs.append(p)
        try:
            while conns:  # round-robin, one sample from each live reader in turn
                for conn in list(conns):
                    sample = conn.recv()
                    sample = json.loads(sample) if use_pipe else sample
                    if sample is None:
                        conns.remove(conn)
                    elif isinstance(sample, dict) and _ERROR in sample:
                        raise ValueError(f"multiprocess_reader: a reader raised {sample[_ERROR]}")
                    else:
                        yield sample
        finally:
            stopped_early = bool(conns)  # children may be blocked sending: end them
            for conn in conns:
                conn.close()
            for p in procs:
                if stopped_early:
                    p.terminate()
                p.join(timeout=1)
    return mp_reader


def __getattr__(name):
    # fluid 1.8's paddle.fluid.reader module also held DataLoader and PyReader: a ported
    # `from minifluid.reader import DataLoader` finds them in minifluid.dataloader.
    import importlib
    try:
        loaders = importlib.import_module(f"{__package__}.dataloader")
    except ImportError:
        loaders = None
    if loaders is not None and hasattr(loaders, name):
        return getattr(loaders, name)
    raise AttributeError(f"module 'minifluid.reader' has no attribute '{name}'")
