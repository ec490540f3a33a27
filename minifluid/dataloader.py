"""fluid.io.DataLoader.from_generator and fluid.io.PyReader: batches read on a background
thread into a bounded queue, so that reading the next batches overlaps the run of this one.

A loader gets its data source from one of three setters; each turns what the reader yields
into one batch per item, converted in the reading thread:
    set_sample_generator(reader, batch_size, drop_last=True, places=None)   samples
    set_sample_list_generator(reader, places=None)           lists of samples (paddle.batch)
    set_batch_generator(reader, places=None)                 tuples of arrays, one per var
Samples are converted by `DataFeeder` (the feed_list's dtypes and shapes, by value where
exact); batches as `Executor.run` converts feeds (an array must have its variable's dtype).

Iterable (the default): `for data in loader():` yields per step a list with one feed dict
{name: LoDTensor} per place (with return_list, one list of LoDTensors per place), as fluid
1.8 did; `exe.run(prog, feed=data)` takes such a list of one dict. With several places, the
batches of a step go to the places in turn, and a last step with fewer batches than places
is dropped with drop_last. Not iterable: `loader.start()` starts an epoch, then each
`exe.run(program)` without a feed reads the next batch (the program must have the
feed_list's variables), and at the end of the epoch raises `fluid.core.EOFException`;
`loader.reset()` ends the epoch (also in the middle) so that `start()` can begin the next.

A reader's error is raised in the caller (the loop or exe.run), naming the reader, with the
original chained (`__cause__`, its traceback in the reader). use_double_buffer and
use_multiprocess are accepted and change nothing: the queue already reads ahead, and
fluid's multiprocess reading was for dygraph only.
"""
from __future__ import annotations

import os
import queue
import threading
import weakref

from .checks import is_int
from .data_feeder import DataFeeder, batch, to_feed_array
from .framework import Variable, default_main_program
from .lod_tensor import LoDTensor
from .place import PLACES, CPUPlace, CUDAPlace

__all__ = ["DataLoader", "PyReader", "EOFException", "cpu_places", "cuda_places",
           "get_cuda_device_count"]


class EOFException(Exception):
    """fluid.core.EOFException: a non-iterable DataLoader's epoch has ended."""


def get_cuda_device_count() -> int:
    """The number of GPUs cupy sees (0 without cupy or a GPU)."""
    try:
        import cupy
        return int(cupy.cuda.runtime.getDeviceCount())
    except Exception:  # no cupy, or cupy without a driver or GPU
        return 0


def cpu_places(device_count=None) -> list:
    """[CPUPlace()] * device_count; by default the CPU_NUM environment variable, else 1."""
    if device_count is None:
        device_count = os.environ.get("CPU_NUM", "1")
        if not device_count.isdigit() or int(device_count) < 1:
            raise ValueError(f"cpu_places: the CPU_NUM environment variable must be a positive "
                             f"int, got {device_count!r}")
        device_count = int(device_count)
    if not is_int(device_count) or device_count < 1:
        raise ValueError(f"cpu_places: device_count must be a positive int, got "
                         f"{device_count!r}")
    return [CPUPlace() for _ in range(device_count)]


def cuda_places(device_ids=None) -> list:
    """CUDAPlace(i) for each id; by default FLAGS_selected_gpus (e.g. "0,1"), else every GPU."""
    count = get_cuda_device_count()
    if count == 0:
        raise RuntimeError("cuda_places: no GPU is usable (cupy is missing or finds no GPU); "
                           "use fluid.cpu_places()")
    if device_ids is None:
        flag = os.environ.get("FLAGS_selected_gpus", "")
        device_ids = [int(s) for s in flag.split(",") if s.strip()] if flag else range(count)
    elif is_int(device_ids):
        device_ids = [device_ids]
    return [CUDAPlace(i) for i in device_ids]


def _reader_name(reader) -> str:
    code = getattr(reader, "__code__", None)
    name = getattr(reader, "__qualname__", None) or type(reader).__name__
    return f"'{name}' ({code.co_filename}:{code.co_firstlineno})" if code else f"'{name}'"


_END = object()  # the reader has ended its epoch
_KEPT_ERRORS = (ValueError, TypeError, KeyError, IndexError, ArithmeticError, OSError,
                NotImplementedError, MemoryError, RuntimeError)


class _Failure:
    __slots__ = ("error",)

    def __init__(self, error):
        self.error = error


class _Epoch:
    """One epoch's reading thread and its queue of at most `capacity` batches."""

    def __init__(self, batches, capacity: int, name: str):
        self.queue: queue.Queue = queue.Queue(capacity)
        self.stop = threading.Event()
        self.ended = False
        self.thread = threading.Thread(target=self._read, args=(batches,), daemon=True,
                                       name=f"minifluid DataLoader {name}")
        self.thread.start()

    def _read(self, batches):
        items = None
        try:
            items = iter(batches())
            for item in items:
                if not self._put(item):
                    return
            self._put(_END)
        except BaseException as e:  # given to the caller, who raises it naming the reader
            self._put(_Failure(e))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a generator stopped in the middle releases its files now

    def _put(self, item) -> bool:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.05)  # the timeout lets reset() stop a full queue
                return True
            except queue.Full:
                pass
        return False

    def get(self):
        """The next batch, or _END (again, once ended), or a _Failure."""
        if self.ended:
            return _END
        item = self.queue.get()
        if item is _END or item.__class__ is _Failure:
            self.ended = True
            try:  # for a thread already waiting: the reader has stopped and puts no more
                self.queue.put_nowait(_END)
            except queue.Full:
                pass
        return item

    def close(self):
        self.stop.set()
        while self.thread.is_alive():
            try:
                while True:
                    self.queue.get_nowait()  # unblocks a put waiting for room
            except queue.Empty:
                pass
            self.thread.join(0.01)


_NON_ITERABLE: "weakref.WeakSet[GeneratorLoader]" = weakref.WeakSet()


class GeneratorLoader:
    """What DataLoader.from_generator returns (see the module docstring)."""

    def __init__(self, feed_list, capacity, use_double_buffer, iterable, return_list,
                 drop_last, where="DataLoader.from_generator"):
        if not feed_list or not isinstance(feed_list, (list, tuple)) or not all(
                isinstance(v, Variable) for v in feed_list):
            raise TypeError(f"{where}: feed_list must be a non-empty list of the variables it "
                            f"feeds (fluid.data), got {feed_list!r:.80}")
        if not is_int(capacity) or capacity < 1:
            raise ValueError(f"{where}: capacity must be a positive int (the number of "
                             f"batches the queue holds), got {capacity!r}")
        for arg, value in (("use_double_buffer", use_double_buffer), ("iterable", iterable),
                           ("return_list", return_list), ("drop_last", drop_last)):
            if not isinstance(value, bool):
                raise TypeError(f"{where}: {arg} must be a bool, got {value!r}")
        self._feed_list, self._names = list(feed_list), [v.name for v in feed_list]
        self._capacity, self._iterable = capacity, iterable
        self._return_list, self._drop_last = return_list, drop_last
        self._batches = self._places = self._epoch = self._finalizer = None
        self._name = "(no data source)"
        self._where = where
        # fluid appended the non-iterable loader's read op to the default main program
        self._program = default_main_program()
        if not iterable:
            _NON_ITERABLE.add(self)

    @property
    def iterable(self) -> bool:
        return self._iterable

    def __call__(self):
        return self

    # data sources

    def set_sample_generator(self, reader, batch_size, drop_last=True, places=None):
        """`reader()` yields samples (a tuple of fields per feed variable); they are grouped
        into batches of `batch_size` (the last, shorter one dropped with drop_last)."""
        self._check_reader("set_sample_generator", reader)
        if not is_int(batch_size) or batch_size < 1:
            raise ValueError(f"{self._where}: set_sample_generator: batch_size must be a "
                             f"positive int, got {batch_size!r}")
        self.set_sample_list_generator(batch(reader, batch_size, bool(drop_last)), places)
        self._name = _reader_name(reader)
        return self

    def set_sample_list_generator(self, reader, places=None):
        """`reader()` yields lists of samples (paddle.batch(...) does), converted by
        DataFeeder with the feed_list's dtypes and shapes."""
        self._check_reader("set_sample_list_generator", reader)
        feeder, names = DataFeeder(self._feed_list, CPUPlace()), self._names

        def batches():  # holds no reference to the loader, so a dropped one stops its thread
            for samples in reader():
                feed = feeder.feed(samples)
                yield [feed[n] for n in names]
        return self._set(batches, reader, places)

    def set_batch_generator(self, reader, places=None):
        """`reader()` yields batches: a tuple (or list) of arrays or LoDTensors, one per
        feed variable, each of its variable's dtype."""
        self._check_reader("set_batch_generator", reader)
        return self._set(lambda: reader(), reader, places)

    def _check_reader(self, setter, reader):
        if not callable(reader):
            raise TypeError(f"{self._where}: {setter}: the reader must be a function that "
                            f"returns an iterator (a generator function), got "
                            f"{type(reader).__name__}")

    def _set(self, batches, reader, places):
        if self._iterable:
            if places is None:
                raise ValueError(f"{self._where}: an iterable DataLoader needs places (e.g. "
                                 f"fluid.cpu_places() or fluid.cuda_places())")
            places = list(places) if isinstance(places, (list, tuple)) else [places]
            if not places or not all(isinstance(p, tuple(PLACES.values())) for p in places):
                raise TypeError(f"{self._where}: places must be a place or a list of places "
                                f"(CPUPlace, CUDAPlace), got {places!r:.80}")
            self._places = places
        self._batches, self._name = self._converted(batches), _reader_name(reader)
        return self

    def _converted(self, batches):
        names, dtypes = self._names, [v.dtype for v in self._feed_list]

        def tensors():
            for k, fields in enumerate(batches()):
                if not isinstance(fields, (list, tuple)) or len(fields) != len(names):
                    raise TypeError(f"batch {k} is a {type(fields).__name__} of "
                                    f"{len(fields) if hasattr(fields, '__len__') else 'no'} "
                                    f"items; expected a tuple of {len(names)} (one per "
                                    f"variable of feed_list: {', '.join(names)})")
                yield [f if isinstance(f, LoDTensor) else LoDTensor._wrap(to_feed_array(
                    f, d, f"batch {k}, field {i} ('{n}')"), [], None)
                    for i, (f, n, d) in enumerate(zip(fields, names, dtypes))]
        return tensors

    # reading

    def _begin(self):
        if self._batches is None:
            raise RuntimeError(f"{self._where}: no data source: call set_sample_generator, "
                               f"set_sample_list_generator or set_batch_generator first")
        self._stop()
        self._epoch = _Epoch(self._batches, self._capacity, self._name)
        if self._finalizer is not None:
            self._finalizer.detach()
        # a loader dropped in the middle of an epoch stops its thread
        self._finalizer = weakref.finalize(self, self._epoch.stop.set)

    def _stop(self):
        epoch, self._epoch = self._epoch, None
        if epoch is not None:
            epoch.close()

    _reset = _stop  # fluid's name: ends an iterable loader's epoch early

    def _next_batch(self):
        """The next batch as a list of LoDTensors, or None at the end of the epoch."""
        item = self._epoch.get()
        if item is _END:
            return None
        if item.__class__ is _Failure:
            e = item.error
            cls = next((c for c in _KEPT_ERRORS if isinstance(e, c)), RuntimeError)
            raise cls(f"{self._where}: the reader {self._name} raised {type(e).__name__}: "
                      f"{e}") from e
        return item

    def __iter__(self):
        if not self._iterable:
            raise TypeError(f"{self._where}: this DataLoader is not iterable (iterable=False): "
                            f"call start(), then exe.run(program) until core.EOFException")
        self._begin()
        return self

    def __next__(self):
        if self._epoch is None:
            raise StopIteration
        step = []
        for _ in self._places:
            tensors = self._next_batch()
            if tensors is None:
                break
            step.append(tensors if self._return_list else dict(zip(self._names, tensors)))
        if not step or (self._drop_last and len(step) < len(self._places)):
            self._stop()
            raise StopIteration
        return step

    def start(self):
        """Begin an epoch of a non-iterable loader: exe.run(program) reads its batches."""
        if self._iterable:
            raise TypeError(f"{self._where}: start() is for a non-iterable DataLoader "
                            f"(iterable=False); iterate this one: for data in loader(): ...")
        if self._epoch is not None:
            raise RuntimeError(f"{self._where}: start() was called again without reset(); "
                               f"call reset() after core.EOFException (or to end an epoch "
                               f"early)")
        self._begin()

    def reset(self):
        """End the epoch (after core.EOFException, or in the middle) and stop the reader."""
        if self._iterable:
            raise TypeError(f"{self._where}: reset() is for a non-iterable DataLoader "
                            f"(iterable=False)")
        self._stop()

    def _feed(self) -> dict:
        if self._epoch is None:
            raise RuntimeError(f"{self._where}: the program reads {', '.join(self._names)} "
                               f"from a DataLoader that is not started: call loader.start() "
                               f"before each epoch (and loader.reset() after its "
                               f"core.EOFException), or pass a feed")
        tensors = self._next_batch()
        if tensors is None:
            raise EOFException(f"{self._where}: the reader {self._name} has no more batches "
                               f"in this epoch: call loader.reset(), then loader.start() for "
                               f"the next")
        return dict(zip(self._names, tensors))


def feed_of(program, feed) -> dict:
    """The feed dict for Executor.run: `feed` itself; the one dict of a list (what an
    iterable DataLoader yields on one place); with no feed, the next batch of the started
    non-iterable loader that feeds `program` ({} if none does)."""
    if feed is None or (feed.__class__ is dict and not feed):
        return _loader_feed(program) if _NON_ITERABLE else {}
    if isinstance(feed, dict):
        return feed
    if isinstance(feed, (list, tuple)) and feed and all(isinstance(f, dict) for f in feed):
        if len(feed) == 1:
            return feed[0]
        raise ValueError(f"Executor.run: feed is a list of {len(feed)} feed dicts, one per "
                         f"place, but minifluid runs a program on one place: give the "
                         f"DataLoader one place (fluid.cpu_places(1), or CPU_NUM=1)")
    raise TypeError(f"Executor.run: feed must be a dict of name -> array, got "
                    f"{type(feed).__name__}")


def _loader_feed(program) -> dict:
    block = program.global_block()
    feeding = [ld for ld in list(_NON_ITERABLE) if all(block.has_var(n) for n in ld._names)]
    # the program's own loaders first (created under it); else a started one of another
    # program with these variables (the program is a clone of that one)
    pool = [ld for ld in feeding if ld._program is program] or [
        ld for ld in feeding if ld._epoch is not None]
    if not pool:
        return {}
    started = [ld for ld in pool if ld._epoch is not None]
    if len(started) > 1:
        raise RuntimeError(f"Executor.run: {len(started)} started DataLoaders feed this "
                           f"program (variables {[ld._names for ld in started]}); reset all "
                           f"but one, or pass a feed")
    return (started or pool)[0]._feed()


class DataLoader:
    """fluid.io.DataLoader: `DataLoader.from_generator(...)` (see the module docstring).

    Example:
        loader = fluid.io.DataLoader.from_generator(feed_list=[x, y], capacity=8)
        loader.set_sample_list_generator(paddle.batch(reader, 32), fluid.cpu_places())
        for data in loader():
            exe.run(main, feed=data, fetch_list=[loss])
    """

    def __init__(self, *args, **kwargs):
        raise NotImplementedError("DataLoader(dataset, ...) is Paddle 2's dygraph loader; "
                                  "minifluid has fluid 1.8's DataLoader.from_generator(...)")

    @staticmethod
    def from_generator(feed_list=None, capacity=None, use_double_buffer=True, iterable=True,
                       return_list=False, use_multiprocess=False, drop_last=True):
        return GeneratorLoader(feed_list, capacity, use_double_buffer, iterable, return_list,
                                drop_last)

    @staticmethod
    def from_dataset(dataset, places, drop_last=True):
        raise NotImplementedError("DataLoader.from_dataset reads fluid's C++ Dataset "
                                  "(InMemoryDataset, QueueDataset), which minifluid does not "
                                  "have; use DataLoader.from_generator")


class PyReader(GeneratorLoader):
    """fluid.io.PyReader(feed_list, capacity, use_double_buffer=True, iterable=True,
    return_list=False): a DataLoader with fluid 1.5's method names.

    Example:
        reader = fluid.io.PyReader(feed_list=[image], capacity=4, iterable=False)
        reader.decorate_sample_list_generator(paddle.batch(samples, batch_size=10))
        reader.start()
        try:
            while True:
                exe.run(fetch_list=[loss])
        except fluid.core.EOFException:
            reader.reset()
    """

    def __init__(self, feed_list=None, capacity=None, use_double_buffer=True, iterable=True,
                 return_list=False):
        super().__init__(feed_list, capacity, use_double_buffer, iterable, return_list, True,
                         where="PyReader")

    @property
    def _loader(self):  # fluid's PyReader wrapped a DataLoader; this one is its own
        return self

    def decorate_sample_generator(self, sample_generator, batch_size, drop_last=True,
                                  places=None):
        return self.set_sample_generator(sample_generator, batch_size, drop_last, places)

    def decorate_sample_list_generator(self, reader, places=None):
        return self.set_sample_list_generator(reader, places)

    def decorate_batch_generator(self, reader, places=None):
        return self.set_batch_generator(reader, places)
