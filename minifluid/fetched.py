"""What `Executor.run` returns: fetched values as fluid 1.8 returned them.

With `return_numpy=True` (the default) a fetched tensor is a `FetchedArray`: a numpy
ndarray subclass that differs from ndarray in one thing only. Under NumPy 1.x, `float(v)`,
`int(v)` and `"%f" % v` worked on any one-element array, and fluid 1.x scripts do that to
their shape-[1] losses everywhere (`print("loss %f" % loss)`). NumPy 2 allows it for 0-d
arrays only (NumPy 2.4: "TypeError: only 0-dimensional arrays can be converted to Python
scalars"), so those scripts would stop at their first print. A FetchedArray converts any
size-1 array to a Python number, as NumPy 1.x did, and formats it as one (`"{:.2}".format(v)`,
which the book's word2vec prints when it gives up, failed under NumPy 1.x too); otherwise it
defers to numpy (a larger array still raises numpy's TypeError). It is an ndarray for
everything else (isinstance, arithmetic, np.save, feeding it back, repr); it pickles as a
plain ndarray, and `np.asarray(v)` gives a plain ndarray view.

With `return_numpy=False` a fetched tensor is a `fluid.LoDTensor` holding the array where it
was computed (a cupy array on a GPU place: no copy to the host) and the LoD fluid would
have given it. minifluid tracks LoD simply, after fluid's ShareLoD: a fed variable has the
LoD it was fed with (a fed LoDTensor's; none for a plain array); a computed variable
declared with lod_level > 0 (its shape rule gave it its input's LoD level, `like(x)`) has
the LoD of its producing op's first input, followed back until a fed variable; any other
has none. A SelectedRows is fetched as it is.
"""
from __future__ import annotations

import numpy as np

from .run_lod import lod_source
from .lod_tensor import LoDTensor
from .selected_rows import SelectedRows

__all__ = ["FetchedArray", "fetch_values"]


class FetchedArray(np.ndarray):
    """A numpy array whose size-1 instances convert to Python numbers, as under NumPy 1.x.

    Example:
        loss, = exe.run(feed=feed, fetch_list=[avg_loss])   # shape [1]
        print("loss %f" % loss, float(loss))
    """

    __slots__ = ()

    def __float__(self):
        return float(self.item()) if self.size == 1 else np.ndarray.__float__(self)

    def __int__(self):
        return int(self.item()) if self.size == 1 else np.ndarray.__int__(self)

    def __complex__(self):
        return complex(self.item()) if self.size == 1 else np.ndarray.__complex__(self)

    def __format__(self, spec):  # "{:.3f}".format(loss): a number's format, as float(loss)
        return format(self.item(), spec) if spec and self.size == 1 else super().__format__(spec)

    def __repr__(self):  # printed as the plain array a fluid script printed
        return repr(self.view(np.ndarray))

    def __reduce_ex__(self, protocol):  # pickled as a plain ndarray: no minifluid to load it
        return self.view(np.ndarray).__reduce_ex__(protocol)


def fetch_values(plan, env, program, feed, return_numpy) -> list:
    """The fetched values of a run of `plan` (see the module docstring)."""
    # xp.array also makes a 0-d array of a numpy scalar (what 0-d kernel results are)
    own, to_numpy, out = plan.place.xp.array, plan.place.to_numpy, []
    for i, copy in zip(plan.fetch, plan.fetch_copy):
        v = env[i]
        if v.__class__ is SelectedRows:
            out.append(v.copy() if copy else v)  # fetched as it is, sparse
        else:
            v = own(v) if copy or _is_view(v) else v
            out.append(to_numpy(v).view(FetchedArray) if return_numpy else v)
    if not return_numpy:
        sources = plan.__dict__.get("lod_sources")
        if sources is None:  # once per plan: a plan is for one version of one program
            sources = plan.lod_sources = lod_sources(program, plan.feed_names, plan.fetch_names,
                                                     plan.__dict__.get("lod_made", ()))
        given = plan.lods or {}  # LoDs kernels gave (sequence_erase's), as offsets
        out = [v if v.__class__ is SelectedRows else LoDTensor._wrap(
            v, _lengths(given[src]) if src in given else _fed_lengths(feed, src), plan.place)
            for v, src in zip(out, sources)]
    return out


def _is_view(value):
    """Whether a value is read-only or a broadcast view (reduce_*_grad returns one): the
    caller gets an array of its own instead, one it can write to without changing every
    element."""
    return not getattr(value.flags, "writeable", True) or (value.size > 1 and 0 in value.strides)


def _fed_lengths(feed, source) -> list:
    value = feed.get(source) if source is not None else None
    return value.recursive_sequence_lengths() if isinstance(value, LoDTensor) else []


def lod_sources(program, feed_names, fetch_names, made=()) -> list:
    """For each fetch, the fed variable (or one in `made`, whose LoD a kernel gives) whose
    LoD it has (None: no LoD)."""
    block = program.global_block()
    return [lod_source(block, name, feed_names, made) for name in fetch_names]


def _lengths(offsets) -> list:
    return [[b - a for a, b in zip(level, level[1:])] for level in offsets]
