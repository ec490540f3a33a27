"""Feeding helpers: DataFeeder turns a minibatch of samples into a feed dict, and batch()
groups a sample reader into minibatches."""
from __future__ import annotations

import numpy as np

from .framework import Variable, default_main_program

__all__ = ["DataFeeder", "batch"]


class DataFeeder:
    """Example:
        feeder = fluid.DataFeeder(feed_list=[image, label], place=fluid.CPUPlace())
        for minibatch in train_reader():           # a list of (image, label) samples
            exe.run(feed=feeder.feed(minibatch), fetch_list=[loss])
    """

    def __init__(self, feed_list, place, program=None):
        program = program or default_main_program()
        self.vars = []
        for v in feed_list:
            if isinstance(v, str):
                v = program.global_block().var(v)
            if not isinstance(v, Variable):
                raise TypeError(f"DataFeeder: feed_list items must be Variables or names, got "
                                f"{type(v).__name__}")
            self.vars.append(v)
        self.place = place

    def feed(self, iterable) -> dict:
        """{name: array}: sample field i of every sample, stacked, with variable i's dtype
        and reshaped to its shape (batch dimension first)."""
        samples = list(iterable)
        for k, s in enumerate(samples):
            if len(s) != len(self.vars):
                raise ValueError(f"DataFeeder: sample {k} has {len(s)} fields, expected "
                                 f"{len(self.vars)} ({', '.join(v.name for v in self.vars)})")
        out = {}
        for i, v in enumerate(self.vars):
            tail = v.shape[1:] if v.shape and v.shape[0] == -1 else v.shape
            fields = []
            for k, s in enumerate(samples):
                try:
                    a = np.asarray(s[i], dtype=v.dtype)
                except (TypeError, ValueError) as e:
                    raise ValueError(f"DataFeeder: field {i} ('{v.name}') of sample {k} is not "
                                     f"an array of {v.dtype}: {e}") from None
                if -1 not in tail and a.shape != tuple(tail):
                    if a.size != int(np.prod(tail)):
                        raise ValueError(f"DataFeeder: field {i} ('{v.name}') of sample {k} "
                                         f"has {a.size} values; the variable's shape "
                                         f"{list(tail)} needs {int(np.prod(tail))}")
                    a = a.reshape(tail)
                fields.append(a)
            try:
                out[v.name] = np.stack(fields) if fields else np.zeros(
                    (0,) + tuple(max(d, 0) for d in tail), v.dtype)
            except ValueError:
                raise ValueError(f"DataFeeder: the samples' '{v.name}' fields have different "
                                 f"shapes: {sorted({f.shape for f in fields})}") from None
        return out


def batch(reader, batch_size: int, drop_last: bool = False):
    """A reader of lists of `batch_size` samples from a reader of samples (a function that
    returns an iterator); the last, shorter list is dropped with drop_last."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(f"batch: batch_size must be a positive int, got {batch_size!r}")

    def batch_reader():
        b = []
        for sample in reader():
            b.append(sample)
            if len(b) == batch_size:
                yield b
                b = []
        if b and not drop_last:
            yield b
    return batch_reader
