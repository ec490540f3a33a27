"""The files of a saved model: written whole or not at all, read within bounds.

Writing: each file goes under a fresh temporary name (O_EXCL, so a planted file or symlink
is never written through), is synced, and is renamed into place last; saves into one
directory take turns (flock on the directory). `save` puts a parameters archive and a model
in place as a pair: a random save id in both ties them, and while the pair is replaced the
old parameters are kept as a backup, so a save cut off between its renames leaves the old
model loadable.

Reading: only regular files are opened (a FIFO or a device is refused before a read can
block or run on); a file's size is bounded before it is read; an archive's members are
checked (compression, encryption, repeated names, sizes against the file) and each array's
.npy header against its variable before its data is read, straight into the array.

The parameters archive is a zip of 0.npy, 1.npy, ... (never pickled) and index.json, which
names the variables (so any name is stored) and holds the save id. The archives minifluid
wrote before the index (np.savez: members `<name>.npy`) are read too.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import shutil
import stat
import struct
import threading
import uuid
import zipfile
import zlib

import numpy as np

try:
    import fcntl
except ImportError:  # Windows: saves in one process still take turns (_THREAD_LOCK)
    fcntl = None

ARCHIVE_FORMAT = "minifluid.params/1"
INDEX = "index.json"  # the archive's member naming each array member; arrays are 0.npy, 1.npy...
BACKUP = ".minifluid-backup"  # suffix of the parameters a model keeps while a save replaces them
MAX_JSON = 64 << 20
MAX_RANK = 64
MAX_HEADER = 65535  # a .npy header of a plain array is ~100 bytes
CHUNK = 1 << 20
DEFLATE_RATIO = 1032  # zlib's most: a member claiming more than this per input byte lies
_THREAD_LOCK = threading.Lock()


class Bad(ValueError):
    """A file refused by our own checks (its message is complete)."""


def _write_archive(f, values, save_id):
    """A zip of one .npy per value, named by index (np.savez takes names as keywords, so it
    drops `allow_pickle`, fails on `file` and cuts names at a NUL) plus an index of names."""
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as z:
        for i, a in enumerate(values.values()):
            with z.open(f"{i}.npy", "w", force_zip64=a.nbytes > 1 << 30) as m:
                np.lib.format.write_array(m, a, allow_pickle=False)
        z.writestr(INDEX, json.dumps({"format": ARCHIVE_FORMAT, "save_id": save_id,
                                      "names": list(values)}))


def archive_bytes(values):
    """The archive of `values` as bytes (fluid's save to memory)."""
    f = io.BytesIO()
    _write_archive(f, values, None)
    return f.getvalue()


def _temp(dirname, write, what):
    """Write a new file with `write` under a fresh name in dirname; returns its path. O_EXCL:
    a file or symlink already at the name is never written through."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    path = _fresh_name(dirname)
    try:
        fd = os.open(path, flags, 0o666)  # 0o666: the user's umask decides, as for open()
    except OSError as e:
        raise OSError(e.errno, f"{what}: could not create a file in {dirname} ({e.strerror}); "
                               f"the files there are unchanged") from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
    except BaseException as e:
        _remove(path)
        if isinstance(e, OSError):
            raise OSError(e.errno, f"{what}: could not write into {dirname} ({e.strerror}); "
                                   f"the files there are unchanged") from e
        raise
    return path


def _fresh_name(dirname):
    return os.path.join(dirname, f".minifluid-{uuid.uuid4().hex}.tmp")


def _remove(path):
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def _fsync_dir(dirname):
    """Make the renames durable; some systems (Windows) cannot open a directory."""
    try:
        fd = os.open(dirname, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(dirname, shared=False):
    """Saves into one directory take turns, and loads wait for a save to finish: flock on the
    directory itself leaves no file behind and is released when the process dies."""
    fd = None
    if fcntl is not None:
        with contextlib.suppress(OSError):
            fd = os.open(dirname, os.O_RDONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
            except OSError:
                os.close(fd)
                fd = None
    if fd is None:
        with _THREAD_LOCK:
            yield
        return
    try:
        yield
    finally:
        os.close(fd)


def save(dirname, what, params_name, values=None, model_name=None, doc=None):
    """Write the archive of `values` and/or the model `doc` into dirname, all or nothing.

    Order: (a) write both temporaries; (b) if the parameters in place belong to the model in
    place, keep them as the backup; (c) rename the parameters in; (d) rename the model in
    (the commit); (e) drop the backup. A crash before (d) leaves the old model, which the
    loader pairs with the backup; after (d), the new pair."""
    os.makedirs(dirname, exist_ok=True)
    params = os.path.join(dirname, params_name)
    model = model_name and os.path.join(dirname, model_name)
    with locked(dirname):
        if doc is not None:
            # a program alone pairs with the parameters already there
            doc["save_id"] = uuid.uuid4().hex if values is not None else _archive_id(params)
        temps = []
        try:
            if values is not None:
                save_id = doc and doc["save_id"]
                temps.append((_temp(dirname, lambda f: _write_archive(f, values, save_id),
                                    what), params))
            if doc is not None:
                text = json.dumps(doc, indent=1).encode()
                temps.append((_temp(dirname, lambda f: f.write(text), what), model))
            if values is not None and doc is not None and _paired(model, params):
                _keep(params, dirname, what)
            while temps:
                os.replace(*temps[0])
                temps.pop(0)
        finally:
            for tmp, _ in temps:
                _remove(tmp)
        _fsync_dir(dirname)
        if values is not None:
            _remove(params + BACKUP)


def _keep(params, dirname, what):
    """Keep the parameters in place as the backup: a hard link under a fresh name (never
    through a planted one), renamed over any older backup; a copy where links are refused."""
    link = _fresh_name(dirname)
    try:
        os.link(params, link)
    except OSError:
        with open(params, "rb") as src:
            link = _temp(dirname, lambda f: shutil.copyfileobj(src, f), what)
    try:
        os.replace(link, params + BACKUP)
    except BaseException:
        _remove(link)
        raise


def _paired(model, params):
    """Whether the parameters in place belong to the model in place (or there is none)."""
    if not os.path.exists(params):
        return False
    try:
        doc = json.loads(read_regular(model, "save", MAX_JSON))
        model_id = doc.get("save_id") if isinstance(doc, dict) else None
    except (OSError, ValueError, RecursionError):
        return True  # no model, or not one we can read: keep the parameters regardless
    archive_id = _archive_id(params)
    return archive_id is None or archive_id == model_id


def _archive_id(params):
    """The save id the archive at `params` was written with; None if none or unreadable."""
    try:
        with open_archive(params, "save") as (z, members, save_id, size):
            return save_id
    except (OSError, ValueError):
        return None


def _open_regular(path, what):
    """Open `path` for reading if it is a regular file (a symlink to one is fine); returns
    (file, size). A FIFO, device, socket or directory is refused before any read blocks or
    runs on forever: O_NONBLOCK so that even a FIFO swapped in after the stat opens at once."""
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise Bad(f"{what}: {path} is {_kind(mode)}, not a regular file")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(f"{what}: no file {path}") from None
    except Bad:
        raise
    except OSError as e:
        raise OSError(e.errno, f"{what}: cannot open {path} ({e.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Bad(f"{what}: {path} is {_kind(st.st_mode)}, not a regular file")
        if hasattr(os, "set_blocking") and hasattr(os, "O_NONBLOCK"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb"), st.st_size
    except BaseException:
        os.close(fd)
        raise


def _kind(mode):
    return ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "a device")


def read_regular(path, what, limit):
    f, size = _open_regular(path, what)
    with f:
        if size > limit:
            raise Bad(f"{what}: {path} is {size} bytes, more than the {limit} a model may be")
        data = f.read(size + 1)  # a read of n bytes allocates n first: never the limit
    if len(data) > size:
        raise Bad(f"{what}: {path} grew while being read")
    return data


def _json(data, path, what):
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as e:  # ValueError: also an int of > 4300 digits
        raise Bad(f"{what}: {path} is not a minifluid model (invalid JSON: "
                   f"{type(e).__name__}: {str(e)[:200]})") from None


@contextlib.contextmanager
def open_archive(path, what):
    """Open the .npz at path after checking its directory; yields (zipfile, {variable name:
    member}, save id or None, file size). Reads the archives minifluid wrote before the index
    (members `<name>.npy`) as well."""
    if isinstance(path, (bytes, bytearray)):  # an archive in memory (save_vars(dirname=None))
        f, size, path = io.BytesIO(path), len(path), "the bytes given"
    else:
        f, size = _open_regular(path, what)

    def bad(why):
        return Bad(f"{what}: {path} is not a valid parameters file: {why}")

    with f, _readable(path, what):
        z = zipfile.ZipFile(f)
        infos = z.infolist()
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            raise bad("a member name is repeated")
        for i in infos:
            if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise bad(f"member {i.filename!r} uses compression {i.compress_type}; only "
                          f"stored and deflated members are read")
            if i.flag_bits & 1:
                raise bad(f"member {i.filename!r} is encrypted")
            if i.header_offset + i.compress_size > size or (
                    i.compress_type == zipfile.ZIP_STORED and i.file_size != i.compress_size) or (
                    i.file_size > DEFLATE_RATIO * i.compress_size + 1024):
                raise bad(f"member {i.filename!r} declares sizes the file cannot hold")
        by_name = dict(zip(names, infos))
        if INDEX not in by_name:
            members = {n[:-len(".npy")]: i for n, i in by_name.items() if n.endswith(".npy")}
            yield z, members, None, size
            return
        index = by_name[INDEX]
        if index.file_size > MAX_JSON:
            raise bad(f"its index is {index.file_size} bytes")
        with z.open(index) as m:
            doc = _json(bytes(_fill(m, bytearray(index.file_size), bad)), path, what)
        if not (isinstance(doc, dict) and doc.get("format") == ARCHIVE_FORMAT
                and is_id_or_none(doc.get("save_id")) and isinstance(doc.get("names"), list)
                and all(isinstance(n, str) and n for n in doc["names"])
                and len(set(doc["names"])) == len(doc["names"])):
            raise bad(f"its index is not a {ARCHIVE_FORMAT} index")
        expected = {f"{k}.npy" for k in range(len(doc["names"]))} | {INDEX}
        if set(names) != expected:
            raise bad(f"its members do not match its index ({len(names)} members for "
                      f"{len(doc['names'])} names)")
        members = {n: by_name[f"{k}.npy"] for k, n in enumerate(doc["names"])}
        yield z, members, doc["save_id"], size


@contextlib.contextmanager
def _readable(path, what):
    """What zipfile, zlib and numpy raise on a damaged file becomes one clear ValueError."""
    try:
        yield
    except Bad:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, struct.error, OSError, ValueError,
            OverflowError, NotImplementedError, RuntimeError, KeyError, IndexError,
            RecursionError) as e:
        raise Bad(f"{what}: {path} is not a readable .npz of arrays ({type(e).__name__}: "
                   f"{str(e)[:200]})") from None


def is_id_or_none(v, digits=32):
    """None, or a str of `digits` lowercase hex digits (a save id; 64: a sha256)."""
    return v is None or (isinstance(v, str) and len(v) == digits
                         and all(c in "0123456789abcdef" for c in v))


def digest(arrays: dict) -> str:
    """sha256 of the variables' names, dtypes, shapes and values, in name order: what a
    model records of the parameters it was saved with."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(json.dumps([name, a.dtype.str, a.shape]).encode())
        h.update(memoryview(a).cast("B"))
    return h.hexdigest()


def _fill(m, buf, bad):
    """Fill `buf` (a bytearray or array) from the member stream `m` a chunk at a time, so
    the data is never held twice, and never read past len(buf)."""
    view = memoryview(buf).cast("B")
    pos = 0
    while pos < len(view):
        chunk = m.read(min(CHUNK, len(view) - pos))
        if not chunk:
            raise bad("is truncated")
        view[pos:pos + len(chunk)] = chunk
        pos += len(chunk)
    return buf


def _npy_header(m, bad):
    """(header length, shape, fortran order, dtype) of the .npy stream `m`, read with a bound
    on the header's length (numpy reads whatever length the file claims)."""
    magic = m.read(8)
    if magic[:6] != b"\x93NUMPY" or magic[6:] not in (b"\x01\x00", b"\x02\x00"):
        raise bad("is not a .npy array of version 1.0 or 2.0")
    width = 2 if magic[6] == 1 else 4
    raw = m.read(width)
    length = int.from_bytes(raw, "little")
    if len(raw) != width or length > MAX_HEADER:
        raise bad(f"has a header of {length} bytes")
    header = m.read(length)
    if len(header) != length:
        raise bad("is truncated in its header")
    shape, fortran, dtype = np.lib.format.read_array_header_1_0(
        io.BytesIO(length.to_bytes(2, "little") + header))
    if len(shape) > MAX_RANK or not all(type(d) is int and d >= 0 for d in shape):
        raise bad(f"has shape {str(shape)[:100]}")
    return 8 + width + length, shape, fortran, dtype


def _read_array(z, info, v, path, what):
    """The array of variable `v` from member `info`, its header and size checked against `v`
    before its data is read straight into the array."""
    def bad(why):
        return Bad(f"{what}: '{v.name}' in {path} {why}")

    with z.open(info) as m:
        header, shape, fortran, dtype = _npy_header(m, bad)
        if dtype != v.dtype or len(shape) != len(v.shape) or any(
                d not in (-1, n) for d, n in zip(v.shape, shape)):
            raise bad(f"is {dtype}{list(shape)}, the program declares {v.dtype}"
                      f"{list(v.shape)}")
        nbytes = math.prod(shape) * dtype.itemsize
        if info.file_size != header + nbytes:
            raise bad(f"holds {info.file_size - header} bytes after its header, which "
                      f"declares {nbytes}")
        a = _fill(m, np.empty(math.prod(shape), dtype), bad)
    return a.reshape(shape[::-1]).T if fortran else a.reshape(shape)


def read_arrays(z, members, vars_, path, what):
    missing = [v.name for v in vars_ if v.name not in members]
    if missing:
        raise Bad(f"{what}: {path} lacks {missing}")
    with _readable(path, what):
        return {v.name: _read_array(z, members[v.name], v, path, what) for v in vars_}


def read_json(path, what):
    """The JSON document in the regular file `path`, of at most MAX_JSON bytes."""
    return _json(read_regular(path, what, MAX_JSON), path, what)
