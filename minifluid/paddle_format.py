"""Reading the tensor files Paddle 1.x wrote with its save/save_combine ops (fluid.io.save_vars
and relatives: one file per variable without `filename`, all of them in name order with one).

The layout (Paddle 1.8's lod_tensor.cc and tensor_util.cc), all little-endian: uint32 version
(0); uint64 lod levels, each a uint64 byte count and that many bytes of uint64 offsets; uint32
tensor version (0); int32 size of a VarType.TensorDesc protobuf (field 1: the dtype's enum,
field 2: the dims as int64), the protobuf; the data, numel * itemsize bytes. Every length is
checked against what is left of the file before anything is allocated.
"""
from __future__ import annotations

import math
import struct

import numpy as np

from .archive import MAX_RANK, Bad, _open_regular

# framework.proto's VarType.Type numbers of the dtypes a tensor file may hold
DTYPES = {0: "bool", 1: "int16", 2: "int32", 3: "int64", 4: "float16", 5: "float32",
          6: "float64", 20: "uint8", 21: "int8"}
MAX_DESC = 4096  # a TensorDesc of MAX_RANK dims is < 700 bytes
MAX_LOD = 64


def _varint(buf, pos, bad):
    value = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise bad("has a malformed tensor description")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def _tensor_desc(buf, bad):
    """(dtype, dims) of a serialized TensorDesc; dims may come packed or one by one."""
    code, dims, pos = None, [], 0
    while pos < len(buf):
        key, pos = _varint(buf, pos, bad)
        if key == 0x08:  # field 1, varint
            code, pos = _varint(buf, pos, bad)
        elif key == 0x10:  # field 2, varint
            d, pos = _varint(buf, pos, bad)
            dims.append(d)
        elif key == 0x12:  # field 2, packed
            n, pos = _varint(buf, pos, bad)
            end = pos + n
            while pos < min(end, len(buf)):
                d, pos = _varint(buf, pos, bad)
                dims.append(d)
        else:
            raise bad(f"has an unknown field (key {key}) in its tensor description")
        if len(dims) > MAX_RANK:
            raise bad(f"has more than {MAX_RANK} dims")
    if code not in DTYPES:
        raise bad(f"holds dtype number {code}; only {sorted(DTYPES)} (numeric tensors) are read")
    if any(d >= 1 << 63 for d in dims):  # a negative int64: not a saved tensor's dim
        raise bad("has a negative dim")
    return np.dtype(DTYPES[code]), tuple(dims)


class _Reader:
    def __init__(self, f, size, bad):
        self.f, self.left, self.bad = f, size, bad

    def take(self, n):
        if n > self.left:
            raise self.bad(f"is truncated (needs {n} more bytes, {self.left} are left)")
        data = self.f.read(n)
        if len(data) != n:
            raise self.bad("is truncated")
        self.left -= n
        return data

    def uint(self, fmt):
        return struct.unpack("<" + fmt, self.take(struct.calcsize(fmt)))[0]


def _tensor(r, v):
    """The next tensor of the stream, checked against variable `v` (None: any)."""
    if r.uint("I") != 0:
        raise r.bad("is not a Paddle tensor file (its version is not 0)")
    levels = r.uint("Q")
    if levels > MAX_LOD:
        raise r.bad(f"declares {levels} LoD levels")
    for _ in range(levels):
        if r.uint("Q"):
            raise r.bad("holds a LoD; minifluid loads the values of LoD-free tensors only")
    if r.uint("I") != 0:
        raise r.bad("is not a Paddle tensor (its tensor version is not 0)")
    size = r.uint("i")
    if not 0 <= size <= MAX_DESC:
        raise r.bad(f"declares a tensor description of {size} bytes")
    dtype, dims = _tensor_desc(r.take(size), r.bad)
    if v is not None and (dtype != v.dtype or len(dims) != len(v.shape) or any(
            d not in (-1, n) for d, n in zip(v.shape, dims))):
        raise r.bad(f"is {dtype}{list(dims)}, the program declares {v.dtype}{list(v.shape)}")
    nbytes = math.prod(dims) * dtype.itemsize
    if nbytes > r.left:
        raise r.bad(f"is truncated: it declares {nbytes} bytes of data, {r.left} are left")
    a = np.empty(math.prod(dims), dtype)
    memoryview(a).cast("B")[:] = r.take(nbytes)
    return a.reshape(dims)


def read_tensors(path, vars_, what, names=None):
    """The tensors of the file at `path`: one per variable of `vars_`, in that order (a
    save_combine file holds them sorted by name), each checked against its variable. With
    vars_=None, the file holds one tensor for the name `names[0]`, of any dtype and shape."""
    f, size = _open_regular(path, what)
    names = names or [v.name for v in vars_]
    with f:
        out = {}
        for i, name in enumerate(names):
            def bad(why, name=name):
                return Bad(f"{what}: {path}, read as Paddle's tensor for '{name}', {why}")
            r = _Reader(f, size, bad)
            out[name] = _tensor(r, None if vars_ is None else vars_[i])
            size = r.left
        if size:
            raise Bad(f"{what}: {path} holds {size} more bytes after the {len(names)} tensors "
                      f"asked for ({names[:5]}...): not the variables it was saved with")
    return out
