"""Saving and loading: programs as JSON, variable values as .npz, never pickle.

Saving is all or nothing: every value is gathered and checked before the directory is
touched, each file is written under a fresh temporary name, synced, and renamed into place
last, and saves into one directory take turns. A random save id in both __model__ and its
parameters file ties the pair together, so a save cut off between its two renames is seen
and the old model is loaded whole from the backup kept for the purpose.

Loading checks everything it reads, in bounded time and memory: only regular files are
opened, the JSON's size and structure, each op's registration and shape rule, and each
array's header, size and dtype against its variable before its data is read. It never
unpickles and never executes anything from a file.
"""
from __future__ import annotations

import contextlib
import functools
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

from . import registry
from .executor import global_scope
from .framework import Parameter, Program, Variable, default_main_program

try:
    import fcntl
except ImportError:  # Windows: saves in one process still take turns (_THREAD_LOCK)
    fcntl = None

__all__ = ["save_inference_model", "load_inference_model", "save_params", "load_params",
           "save_persistables", "load_persistables", "batch"]

FORMAT, ARCHIVE_FORMAT = "minifluid.program/1", "minifluid.params/1"
MODEL_FILE, PARAMS_FILE, PERSISTABLES_FILE = "__model__", "__params__.npz", "__persistables__.npz"
INDEX = "index.json"  # the archive's member naming each array member; arrays are 0.npy, 1.npy...
BACKUP = ".minifluid-backup"  # suffix of the parameters a model keeps while a save replaces them
MAX_JSON = 64 << 20
MAX_RANK = MAX_LOD = 64
MAX_HEADER = 65535  # a .npy header of a plain array is ~100 bytes
CHUNK = 1 << 20
DEFLATE_RATIO = 1032  # zlib's most: a member claiming more than this per input byte lies
_THREAD_LOCK = threading.Lock()


class _Bad(ValueError):
    """A file refused by our own checks (its message is complete)."""


def _clear_errors(load):
    """Our own refusals reach the user as a plain ValueError."""
    @functools.wraps(load)
    def wrapper(*args, **kwargs):
        try:
            return load(*args, **kwargs)
        except _Bad as e:
            raise ValueError(str(e)) from None
    return wrapper


# ---------------------------------------------------------------- saving


def _scope_values(names, what):
    values = global_scope()._vars
    missing = [n for n in names if values.get(n) is None]
    if missing:
        raise RuntimeError(f"{what}: {missing} have no value in the scope; run the startup "
                           f"program (and train) before saving")
    out = {n: np.asarray(values[n].get() if hasattr(values[n], "get") else values[n])
           for n in names}
    odd = {n: str(a.dtype) for n, a in out.items() if a.dtype.kind not in "fiub"}
    if odd:
        raise TypeError(f"{what}: {odd} are not numeric or bool arrays; only those are saved")
    return out


def _write_archive(f, values, save_id):
    """A zip of one .npy per value, named by index (np.savez takes names as keywords, so it
    drops `allow_pickle`, fails on `file` and cuts names at a NUL) plus an index of names."""
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as z:
        for i, a in enumerate(values.values()):
            with z.open(f"{i}.npy", "w", force_zip64=a.nbytes > 1 << 30) as m:
                np.lib.format.write_array(m, a, allow_pickle=False)
        z.writestr(INDEX, json.dumps({"format": ARCHIVE_FORMAT, "save_id": save_id,
                                      "names": list(values)}))


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
def _locked(dirname, shared=False):
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


def _save(dirname, what, params_name, values=None, model_name=None, doc=None):
    """Write the archive of `values` and/or the model `doc` into dirname, all or nothing.

    Order: (a) write both temporaries; (b) if the parameters in place belong to the model in
    place, keep them as the backup; (c) rename the parameters in; (d) rename the model in
    (the commit); (e) drop the backup. A crash before (d) leaves the old model, which the
    loader pairs with the backup; after (d), the new pair."""
    os.makedirs(dirname, exist_ok=True)
    params = os.path.join(dirname, params_name)
    model = model_name and os.path.join(dirname, model_name)
    with _locked(dirname):
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
        doc = json.loads(_read_regular(model, "save", MAX_JSON))
        model_id = doc.get("save_id") if isinstance(doc, dict) else None
    except (OSError, ValueError, RecursionError):
        return True  # no model, or not one we can read: keep the parameters regardless
    archive_id = _archive_id(params)
    return archive_id is None or archive_id == model_id


def _archive_id(params):
    """The save id the archive at `params` was written with; None if none or unreadable."""
    try:
        with _archive(params, "save") as (z, members, save_id, size):
            return save_id
    except (OSError, ValueError):
        return None


# ---------------------------------------------------------------- reading files


def _open_regular(path, what):
    """Open `path` for reading if it is a regular file (a symlink to one is fine); returns
    (file, size). A FIFO, device, socket or directory is refused before any read blocks or
    runs on forever: O_NONBLOCK so that even a FIFO swapped in after the stat opens at once."""
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise _Bad(f"{what}: {path} is {_kind(mode)}, not a regular file")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(f"{what}: no file {path}") from None
    except _Bad:
        raise
    except OSError as e:
        raise OSError(e.errno, f"{what}: cannot open {path} ({e.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _Bad(f"{what}: {path} is {_kind(st.st_mode)}, not a regular file")
        if hasattr(os, "set_blocking") and hasattr(os, "O_NONBLOCK"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb"), st.st_size
    except BaseException:
        os.close(fd)
        raise


def _kind(mode):
    return ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "a device")


def _read_regular(path, what, limit):
    f, size = _open_regular(path, what)
    with f:
        if size > limit:
            raise _Bad(f"{what}: {path} is {size} bytes, more than the {limit} a model may be")
        data = f.read(size + 1)  # a read of n bytes allocates n first: never the limit
    if len(data) > size:
        raise _Bad(f"{what}: {path} grew while being read")
    return data


def _json(data, path, what):
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as e:  # ValueError: also an int of > 4300 digits
        raise _Bad(f"{what}: {path} is not a minifluid model (invalid JSON: "
                   f"{type(e).__name__}: {str(e)[:200]})") from None


@contextlib.contextmanager
def _archive(path, what):
    """Open the .npz at path after checking its directory; yields (zipfile, {variable name:
    member}, save id or None, file size). Reads the archives minifluid wrote before the index
    (members `<name>.npy`) as well."""
    f, size = _open_regular(path, what)

    def bad(why):
        return _Bad(f"{what}: {path} is not a valid parameters file: {why}")

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
                and _is_id_or_none(doc.get("save_id")) and isinstance(doc.get("names"), list)
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
    except _Bad:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, struct.error, OSError, ValueError,
            OverflowError, NotImplementedError, RuntimeError, KeyError, IndexError,
            RecursionError) as e:
        raise _Bad(f"{what}: {path} is not a readable .npz of arrays ({type(e).__name__}: "
                   f"{str(e)[:200]})") from None


def _is_id_or_none(v):
    return v is None or (isinstance(v, str) and len(v) == 32
                         and all(c in "0123456789abcdef" for c in v))


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
        return _Bad(f"{what}: '{v.name}' in {path} {why}")

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


def _load_vars(dirname, filename, vars_, what, model_id=False):
    """Read arrays for `vars_` (Variables) from the .npz into the global scope. With a
    `model_id` (str or None), the archive must belong to that model (or to none): if a save
    was cut off after its new parameters went in, the model's own are in the backup."""
    path = os.path.join(dirname, filename)
    with _archive(path, what) as (z, members, save_id, size):
        if model_id is False or save_id is None or save_id == model_id:
            arrays = _read_vars(z, members, vars_, path, what)
        else:
            arrays = None
    if arrays is None:
        backup = path + BACKUP
        with contextlib.suppress(FileNotFoundError):
            with _archive(backup, what) as (z, members, backup_id, size):
                if backup_id is None or backup_id == model_id:
                    arrays = _read_vars(z, members, vars_, backup, what)
    if arrays is None:
        raise ValueError(f"{what}: {path} was written by another save (id {save_id}) than the "
                         f"model (id {model_id}), and the model's own parameters are not in "
                         f"{backup}; a save into {dirname} was cut off: save the model again")
    global_scope()._vars.update(arrays)


def _read_vars(z, members, vars_, path, what):
    missing = [v.name for v in vars_ if v.name not in members]
    if missing:
        raise _Bad(f"{what}: {path} lacks {missing}")
    with _readable(path, what):
        return {v.name: _read_array(z, members[v.name], v, path, what) for v in vars_}


def _program(main_program):
    program = main_program or default_main_program()
    if not isinstance(program, Program):
        raise TypeError(f"main_program must be a Program, got {type(program).__name__}")
    return program


def _save_vars(dirname, filename, names, what):
    values = _scope_values(names, what)
    _save(dirname, what, filename, values)
    return os.path.join(dirname, filename)


def save_params(executor, dirname, main_program=None, filename=None):
    """Save the values of the program's parameters to dirname/filename (.npz)."""
    names = [p.name for p in _program(main_program).all_parameters()]
    return _save_vars(dirname, filename or PARAMS_FILE, names, "save_params")


def save_persistables(executor, dirname, main_program=None, filename=None):
    """Save every persistable variable (parameters, optimizer accumulators, ...)."""
    names = [v.name for v in _program(main_program).list_vars() if v.persistable]
    return _save_vars(dirname, filename or PERSISTABLES_FILE, names, "save_persistables")


@_clear_errors
def load_params(executor, dirname, main_program=None, filename=None):
    with _locked(dirname, shared=True):
        _load_vars(dirname, filename or PARAMS_FILE, _program(main_program).all_parameters(),
                   "load_params")


@_clear_errors
def load_persistables(executor, dirname, main_program=None, filename=None):
    vars_ = [v for v in _program(main_program).list_vars() if v.persistable]
    with _locked(dirname, shared=True):
        _load_vars(dirname, filename or PERSISTABLES_FILE, vars_, "load_persistables")


def save_inference_model(dirname, feeded_var_names, target_vars, executor, main_program=None,
                         model_filename=None, params_filename=None,
                         export_for_deployment=True, program_only=False):
    """Save the part of the program that computes `target_vars` from the feeds, as a test
    program (dropout off), and the parameters it reads.

    Example:
        fluid.io.save_inference_model("model", ["x"], [prediction], exe)
        program, feeds, fetches = fluid.io.load_inference_model("model", exe)
    """
    if isinstance(feeded_var_names, str):
        feeded_var_names = [feeded_var_names]
    if isinstance(target_vars, Variable):
        target_vars = [target_vars]
    if not all(isinstance(v, Variable) for v in target_vars):
        raise TypeError("save_inference_model: target_vars must be Variables")
    program = _program(main_program).clone(for_test=True)
    block = program.global_block()
    for n in feeded_var_names:
        block.var(n)  # ValueError naming it if it is not in the program
    needed, ops = {v.name for v in target_vars}, []
    for op in reversed(block.ops):
        if any(n in needed for n in op.output_arg_names):
            ops.append(op)
            needed.update(n for n in op.input_arg_names if n not in feeded_var_names)
    ops.reverse()
    unfed = [n for n in needed if not block.var(n).persistable and n not in feeded_var_names
             and not any(n in op.output_arg_names for op in ops)]
    if unfed:
        raise ValueError(f"save_inference_model: the targets need {unfed}, which are neither "
                         f"fed nor computed")
    names = set(feeded_var_names) | {n for op in ops for n in op.input_arg_names +
                                     op.output_arg_names}
    doc = {
        "format": FORMAT,
        "feed": list(feeded_var_names),
        "fetch": [v.name for v in target_vars],
        "vars": [_var_json(block.var(n)) for n in block.vars if n in names],
        "ops": [{"type": op.type, "inputs": op.inputs, "outputs": op.outputs,
                 "attrs": op.attrs} for op in ops],
    }
    params = [n for n in block.vars if n in names and block.var(n).persistable]
    values = None if program_only else _scope_values(params, "save_inference_model")
    _save(dirname, "save_inference_model", params_filename or PARAMS_FILE, values,
          model_filename or MODEL_FILE, doc)
    return doc["fetch"]


def _var_json(v):
    return {"name": v.name, "shape": list(v.shape), "dtype": v.dtype.name,
            "lod_level": v.lod_level, "persistable": v.persistable,
            "parameter": isinstance(v, Parameter), "is_data": v.is_data,
            "need_check_feed": v.need_check_feed}


@_clear_errors
def load_inference_model(dirname, executor, model_filename=None, params_filename=None):
    """Returns [program, feed names, fetch Variables]; loads the parameters into the global
    scope."""
    what = "load_inference_model"
    path = os.path.join(dirname, model_filename or MODEL_FILE)
    with _locked(dirname, shared=True):
        doc = _json(_read_regular(path, what, MAX_JSON), path, what)
        program = _program_from_json(doc, path)
        block = program.global_block()
        if not any(op for op in block.ops) and not doc["fetch"]:
            raise ValueError(f"{what}: {path} holds no ops")
        params = [v for v in block.vars.values() if v.persistable]
        if params:
            _load_vars(dirname, params_filename or PARAMS_FILE, params, what,
                       doc.get("save_id"))
    return [program, list(doc["feed"]), [block.var(n) for n in doc["fetch"]]]


def _program_from_json(doc, path) -> Program:
    def bad(what):
        return ValueError(f"load_inference_model: {path} is not a valid minifluid model: {what}")

    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise bad(f"expected a JSON object with \"format\": \"{FORMAT}\"")
    for key in ("feed", "fetch", "vars", "ops"):
        if not isinstance(doc.get(key), list):
            raise bad(f"'{key}' must be a list")
    if not _is_id_or_none(doc.get("save_id")):
        raise bad(f"'save_id' must be 32 hex digits, got {str(doc['save_id'])[:50]}")
    program = Program()
    block = program.global_block()
    for v in doc["vars"]:
        if not _var_ok(v) or v["name"] in block.vars:
            raise bad(f"bad or repeated variable entry {str(v)[:200]}")
        kw = dict(lod_level=v.get("lod_level", 0), is_data=v.get("is_data", False),
                  need_check_feed=v.get("need_check_feed", False))
        if v.get("parameter"):
            block.create_parameter(v["name"], v["shape"], v["dtype"], trainable=False, **kw)
        else:
            block.create_var(v["name"], v["shape"], v["dtype"],
                             persistable=v.get("persistable", False), **kw)
    for n in doc["feed"] + doc["fetch"]:
        if not isinstance(n, str) or n not in block.vars:
            raise bad(f"feed/fetch name {n!r} is not a variable of the model")
    for op in doc["ops"]:
        if not (isinstance(op, dict) and isinstance(op.get("type"), str)
                and op["type"] in registry.OPS and _is_slots(op.get("inputs"))
                and _is_slots(op.get("outputs")) and isinstance(op.get("attrs"), dict)):
            raise bad(f"bad op entry {str(op)[:200]}")
        wrong = _wrong_attr(registry.OPS[op["type"]].attrs, op["attrs"])
        if wrong:
            raise bad(f"op '{op['type']}': {wrong}")
        try:
            block.append_op(op["type"], op["inputs"], op["outputs"], op["attrs"])
        except (ValueError, TypeError) as e:
            raise bad(f"op '{op['type']}' does not fit its variables: {e}") from None
    return program


def _var_ok(v):
    """Whether a variable entry has the types and bounds a saved one has: a name, a shape of
    at most MAX_RANK dims >= -1 whose size fits in int64 bytes, a plain numeric dtype, a small
    lod_level, bool flags."""
    if not (isinstance(v, dict) and isinstance(v.get("name"), str) and v["name"]
            and isinstance(v.get("shape"), list) and len(v["shape"]) <= MAX_RANK
            and all(type(d) is int and d >= -1 for d in v["shape"])
            and type(v.get("lod_level", 0)) is int and 0 <= v.get("lod_level", 0) <= MAX_LOD
            and all(type(v.get(k, False)) is bool for k in
                    ("persistable", "parameter", "is_data", "need_check_feed"))
            and v.get("dtype") in VAR_DTYPES):
        return False
    return math.prod(abs(d) for d in v["shape"]) * 8 < 2 ** 63


def _is_slots(d):
    return isinstance(d, dict) and all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(n, str) for n in v)
        for k, v in d.items())


DTYPE_NAMES = {"float16", "float32", "float64", "int32", "int64", "bool", "uint8"}
VAR_DTYPES = DTYPE_NAMES | {"int8", "int16", "uint16", "uint32", "uint64"}


def _wrong_attr(defaults, attrs):
    """What is wrong with `attrs` for an op whose attrs default to `defaults`, or ''. Each
    value must have its default's type (an int may stand for a float), dtypes be plain."""
    def small_int(v):  # JSON ints are unbounded; a kernel's are int64 (or a float)
        return type(v) is int and -2 ** 63 <= v < 2 ** 63

    def fits(default, v):
        if isinstance(default, bool):
            return isinstance(v, bool)
        if isinstance(default, (int, float)):
            return small_int(v) or (isinstance(default, float) and isinstance(v, float))
        if isinstance(default, list):
            return isinstance(v, list) and all(small_int(i) for i in v)
        return isinstance(v, type(default))
    for k, v in attrs.items():
        if k not in defaults or not fits(defaults[k], v):
            return f"attr {k!r} = {str(v)[:50]} does not fit (expected like {defaults.get(k)!r})"
        if k in ("dtype", "out_dtype") and v not in DTYPE_NAMES:
            return f"attr {k!r} = {v!r} is not one of {sorted(DTYPE_NAMES)}"
    return ""


from .data_feeder import batch  # noqa: E402  (fluid.io.batch, as old scripts import it)
