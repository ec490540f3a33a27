"""fluid 1.6-1.8's saving API beside the inference model (io.py): fluid.save/load,
load_program_state/set_program_state, save_vars/load_vars and their params/persistables
relatives, with fluid's names, defaults and file names.

What minifluid writes is its own safe format under fluid's names: model_path.pdparams and
.pdopt are .npz archives (archive.py), .pdmodel is the program as JSON; save_vars writes one
archive, `filename` or a default one per function. What it reads as well: the .pdparams/
.pdopt pickles real Paddle 1.6-2.x wrote (through safe_pickle: code is refused before it
runs), and Paddle 1.x's tensor files from save_vars (paddle_format.py).

Every load reads and checks all its values (names present, dtypes, shapes against the
program) before the scope changes. fluid.save writes its three files as a set: all go to
temporaries first; the .pdparams rename is the commit, the others keep their old file as a
backup until it is done, and a save id in each ties them, so a save cut off anywhere leaves
the old model whole.
"""
from __future__ import annotations

import contextlib
import json
import os
import types
import uuid
import warnings

import numpy as np

from . import archive, paddle_format, safe_pickle
from .executor import global_scope
from .framework import Parameter, Variable
from .io import NO_VARS, _clear_errors, _program, _scope_values, _var_json
from .vartype import VarType

__all__ = ["save", "load", "load_program_state", "set_program_state", "save_vars",
           "load_vars", "save_params", "load_params", "save_persistables",
           "load_persistables", "is_parameter", "is_persistable", "is_belong_to_optimizer",
           "get_program_parameter", "get_program_persistable_vars"]

VARS_FILE = "__vars__.npz"
DEFAULT_FILES = ("__params__.npz", "__persistables__.npz", VARS_FILE)
NOT_VALUES = ("StructuredToParameterName@@", "LR_Scheduler")  # Paddle 2's extra entries
OURS = {"__model__"}  # files in a directory that are not variables


def is_parameter(var):
    return isinstance(var, Parameter)


def is_persistable(var):
    if var.type in (VarType.FEED_MINIBATCH, VarType.FETCH_LIST, VarType.READER):
        return False
    return var.persistable


def is_belong_to_optimizer(var):
    """A persistable that is neither a parameter nor data: a learning rate, an accumulator."""
    return not (isinstance(var, Parameter) or var.need_check_feed) and is_persistable(var)


def get_program_parameter(program):
    return list(filter(is_parameter, _program(program).list_vars()))


def get_program_persistable_vars(program):
    return list(filter(is_persistable, _program(program).list_vars()))


def _selected(program, vars_, predicate, what):
    if vars_ is None:
        vars_ = [v for v in program.list_vars() if predicate is None or predicate(v)]
    vars_ = list(vars_)
    bad = [type(v).__name__ for v in vars_ if not isinstance(v, Variable)]
    if bad:
        raise TypeError(f"{what}: vars must be Variables, got {bad[:5]}")
    return list({v.name: v for v in vars_}.values())  # a name once


def _split(dirname, filename, what):
    if dirname is None:
        raise ValueError(f"{what}: dirname=None saves to memory only without a filename")
    path = os.path.join(os.fspath(dirname), filename)
    return os.path.dirname(path) or ".", os.path.basename(path)


# ---------------------------------------------------------------- save_vars and relatives

def _save(dirname, program, vars_, filename, default, what):
    if not vars_:
        warnings.warn(NO_VARS)
        return None
    values = _scope_values(sorted(v.name for v in vars_), what)
    if dirname is None and filename is None:  # fluid's save to memory: the bytes
        return archive.archive_bytes(values)
    dirname, name = _split(dirname, filename or default, what)
    archive.save(dirname, what, name, values)
    return None


def save_vars(executor, dirname, main_program=None, vars=None, predicate=None, filename=None):
    """Save `vars` (or the program's variables that `predicate` selects) into one archive:
    dirname/filename, or dirname/__vars__.npz."""
    program = _program(main_program)
    return _save(dirname, program, _selected(program, vars, predicate, "save_vars"), filename,
                 VARS_FILE, "save_vars")


def save_params(executor, dirname, main_program=None, filename=None):
    program = _program(main_program)
    return _save(dirname, program, _selected(program, None, is_parameter, "save_params"),
                 filename, DEFAULT_FILES[0], "save_params")


def save_persistables(executor, dirname, main_program=None, filename=None):
    """Every persistable variable (parameters, optimizer accumulators, ...)."""
    program = _program(main_program)
    vars_ = _selected(program, None, is_persistable, "save_persistables")
    return _save(dirname, program, vars_, filename, DEFAULT_FILES[1], "save_persistables")


def _sniff(path, what):
    f, _ = archive._open_regular(path, what)
    with f:
        head = f.read(4)
    return ("archive" if head[:4] == b"PK\x03\x04" else "pickle" if head[:1] == b"\x80"
            else "tensors")


def _header_var(z, info, name, path, what):
    """A stand-in variable of the dtype and shape the member's .npy header declares."""
    def bad(why):
        return archive.Bad(f"{what}: '{name}' in {path} {why}")

    with archive._readable(path, what), z.open(info) as m:
        _, shape, _, dtype = archive._npy_header(m, bad)
    if dtype.hasobject or dtype.kind not in "biuf":
        raise bad(f"is of dtype {dtype}; only numeric and bool arrays are read")
    return types.SimpleNamespace(name=name, dtype=dtype, shape=shape)


def _read_archive(path, vars_, what, partial=False):
    """({name: array}, save id) of the archive; vars_=None: all it holds; partial: those of
    vars_ it holds."""
    with archive.open_archive(path, what) as (z, members, save_id, size):
        if vars_ is None:
            vars_ = [_header_var(z, i, n, path, what) for n, i in members.items()]
        elif partial:
            vars_ = [v for v in vars_ if v.name in members]
        return archive.read_arrays(z, members, vars_, path, what), save_id


def _checked(state, vars_, path, what):
    """The values of a pickled {name: ndarray} for `vars_` (None: all), each checked."""
    if not isinstance(state, dict):
        raise archive.Bad(f"{what}: {path} holds a {type(state).__name__}, not a dict of "
                          f"arrays")
    state = {k: v for k, v in state.items() if k not in NOT_VALUES}
    if vars_ is None:
        vars_ = [types.SimpleNamespace(name=k, dtype=None, shape=None) for k in state]
    missing = [v.name for v in vars_ if v.name not in state]
    if missing:
        raise archive.Bad(f"{what}: {path} lacks {missing}")
    out = {}
    for v in vars_:
        a = state[v.name]
        if not isinstance(a, np.ndarray) or a.dtype.hasobject or a.dtype.kind not in "biuf":
            raise archive.Bad(f"{what}: '{v.name}' in {path} is a {type(a).__name__} "
                              f"({getattr(a, 'dtype', '')}), not a numeric array")
        if v.dtype is not None and (a.dtype != v.dtype or len(a.shape) != len(v.shape) or any(
                d not in (-1, n) for d, n in zip(v.shape, a.shape))):
            raise archive.Bad(f"{what}: '{v.name}' in {path} is {a.dtype}{list(a.shape)}, the "
                              f"program declares {v.dtype}{list(v.shape)}")
        out[v.name] = a
    return out


def _read_state(path, vars_, what):
    """({name: array}, save id or None) of a .pdparams/.pdopt/save_vars file of any format
    minifluid reads; vars_=None: all it holds (not for a save_combine file)."""
    kind = _sniff(path, what)
    if kind == "archive":
        return _read_archive(path, vars_, what)
    if kind == "pickle":
        return _checked(safe_pickle.load(path, what), vars_, path, what), None
    if vars_ is None:
        raise ValueError(f"{what}: {path} is not a minifluid archive or a pickle; as one of "
                         f"Paddle's save_combine files it is read with var_list given")
    return paddle_format.read_tensors(path, sorted(vars_, key=lambda v: v.name), what), None


def _safe_name(name):
    return name not in OURS and os.path.basename(name) == name and not name.startswith(".")


def _read_dir(dirname, vars_, what, partial=False):
    """Values for `vars_` (None: every one saved there) from a directory: the archives the
    save functions write without a filename, the newest first (as the last save of a
    variable's file wins in fluid), then Paddle's one-file-per-variable tensors."""
    sources = []
    for name in DEFAULT_FILES:
        with contextlib.suppress(OSError):
            sources.append((os.stat(os.path.join(dirname, name)).st_mtime_ns, name))
    arrays = {}
    for _, name in sorted(sources, reverse=True):
        left = None if vars_ is None else [v for v in vars_ if v.name not in arrays]
        got, _ = _read_archive(os.path.join(dirname, name), left, what, partial=True)
        arrays.update({k: a for k, a in got.items() if k not in arrays})
    if vars_ is None:
        names = [n for n in sorted(os.listdir(dirname)) if _safe_name(n) and n not in arrays
                 and n not in DEFAULT_FILES and not n.endswith(archive.BACKUP)
                 and os.path.isfile(os.path.join(dirname, n))]
        for n in names:  # Paddle's tensor files, and archives save_vars wrote with a filename
            path = os.path.join(dirname, n)
            arrays.update(_read_archive(path, None, what)[0] if _sniff(path, what) == "archive"
                          else paddle_format.read_tensors(path, None, what, [n]))
        return arrays
    for v in vars_:
        path = os.path.join(dirname, v.name)
        if v.name not in arrays and _safe_name(v.name) and os.path.isfile(path):
            arrays.update(paddle_format.read_tensors(path, [v], what))
    missing = [v.name for v in vars_ if v.name not in arrays]
    if missing and not partial:
        raise archive.Bad(f"{what}: no saved value of {missing} in {dirname} (looked in "
                          f"{', '.join(DEFAULT_FILES)} and for files of those names)")
    return arrays


def _read_vars(dirname, filename, vars_, what):
    if dirname is None:  # fluid's load from memory: filename holds the bytes
        if not isinstance(filename, (bytes, bytearray)):
            raise ValueError(f"{what}: with dirname=None, filename must be the bytes "
                             f"save_vars(executor, None, ...) returned, got "
                             f"{type(filename).__name__}")
        return _read_archive(filename, vars_, what)[0]
    dirname, name = _split(dirname, filename or "", what)
    if not os.path.isdir(dirname):
        raise ValueError(f"{what}: there is no directory named '{dirname}'")
    with archive.locked(dirname, shared=True):
        if filename:
            return _read_state(os.path.join(dirname, name), vars_, what)[0]
        return _read_dir(os.path.join(dirname, name), vars_, what)


@_clear_errors
def load_vars(executor, dirname, main_program=None, vars=None, predicate=None, filename=None):
    """Load `vars` (or those `predicate` selects) from dirname/filename, or without a
    filename from the directory's archives and Paddle's per-variable files; all are read and
    checked before any enters the scope."""
    program = _program(main_program)
    vars_ = _selected(program, vars, predicate, "load_vars")
    if vars_:
        global_scope()._vars.update(_read_vars(dirname, filename, vars_, "load_vars"))


def load_params(executor, dirname, main_program=None, filename=None):
    load_vars(executor, dirname, main_program, None, is_parameter, filename)


def load_persistables(executor, dirname, main_program=None, filename=None):
    load_vars(executor, dirname, main_program, None, is_persistable, filename)


# ---------------------------------------------------------------- fluid.save and fluid.load

def _prefix(model_path):
    model_path = os.fspath(model_path)
    for suffix in (".pdparams", ".pdopt", ".pdmodel"):
        if model_path.endswith(suffix):
            return model_path[:-len(suffix)]
    return model_path


def _program_json(program, save_id):
    block = program.global_block()
    doc = {"format": "minifluid.program/1", "feed": [], "fetch": [], "save_id": save_id,
           "vars": [_var_json(v) for v in block.vars.values()],
           "ops": [{"type": op.type, "inputs": op.inputs, "outputs": op.outputs,
                    "attrs": op.attrs} for op in block.ops]}
    return json.dumps(doc, indent=1, default=repr).encode()  # for reading; not loaded back


def _file_id(path):
    """The save id of a file fluid.save wrote (None: none, or not one of ours)."""
    with contextlib.suppress(OSError, ValueError, RecursionError):
        if _sniff(path, "save") == "archive":
            return archive._archive_id(path)
        doc = archive.read_json(path, "save")
        return doc.get("save_id") if isinstance(doc, dict) else None
    return None


def _save_set(dirname, parts, what):
    """Put `parts` ([(path, write)]) in place as one set: temporaries first; each but the
    last kept as a backup (if it pairs with the last in place) and replaced; the last
    replaced (the commit); the backups dropped."""
    os.makedirs(dirname, exist_ok=True)
    with archive.locked(dirname):
        temps = []
        try:
            for path, write in parts:
                temps.append((archive._temp(dirname, write, what), path))
            commit_id = _file_id(parts[-1][0]) if os.path.exists(parts[-1][0]) else None
            for tmp, path in temps[:-1]:
                if os.path.exists(path) and _file_id(path) == commit_id:
                    archive._keep(path, dirname, what)
            while temps:
                os.replace(*temps[0])
                temps.pop(0)
        finally:
            for tmp, _ in temps:
                archive._remove(tmp)
        archive._fsync_dir(dirname)
        for path, _ in parts[:-1]:
            archive._remove(path + archive.BACKUP)


def save(program, model_path):
    """Write model_path.pdparams (the parameters), .pdopt (the other persistables: learning
    rates, optimizer accumulators) and .pdmodel (the program, as JSON), as one set."""
    program = _program(program)
    model_path = os.fspath(model_path)
    if not os.path.basename(model_path):
        raise ValueError(f"fluid.save: model_path must be dirname/file_prefix, got "
                         f"{model_path!r} (no file prefix)")
    params = _scope_values([v.name for v in get_program_parameter(program)], "fluid.save")
    opt = _scope_values([v.name for v in program.list_vars() if is_belong_to_optimizer(v)],
                        "fluid.save")
    save_id = uuid.uuid4().hex
    parts = [(model_path + ".pdopt", lambda f: archive._write_archive(f, opt, save_id)),
             (model_path + ".pdmodel", lambda f: f.write(_program_json(program, save_id))),
             (model_path + ".pdparams", lambda f: archive._write_archive(f, params, save_id))]
    _save_set(os.path.dirname(model_path) or ".", parts, "fluid.save")


def _read_pair(prefix, params, opt, what):
    """Values of `params` from prefix.pdparams and of `opt` from prefix.pdopt (or its backup,
    when a save was cut off after replacing it); opt=None: all of both files."""
    values, save_id = _read_state(prefix + ".pdparams", params, what)
    path = prefix + ".pdopt"
    if opt == [] or (opt is None and not os.path.exists(path)):
        return values
    if not os.path.exists(path):
        raise ValueError(f"{what}: the program has optimizer variables, and there is no "
                         f"optimizer file {path}")
    for p in (path, path + archive.BACKUP):
        with contextlib.suppress(FileNotFoundError):
            more, opt_id = _read_state(p, opt, what)
            if None in (save_id, opt_id) or opt_id == save_id:
                return {**values, **more}
    raise ValueError(f"{what}: {path} was written by another save than {prefix}.pdparams "
                     f"(a save was cut off, or files were copied); save the model again")


@_clear_errors
def load(program, model_path, executor=None, var_list=None):
    """Load what fluid.save wrote (minifluid's files or real Paddle's pickles) into the
    scope; without model_path.pdparams, what save_vars and relatives wrote: a directory, or
    one file with var_list."""
    program, what = _program(program), "fluid.load"
    prefix = _prefix(model_path)
    if os.path.exists(prefix + ".pdparams"):
        opt = [v for v in program.list_vars() if is_belong_to_optimizer(v)]
        with archive.locked(os.path.dirname(prefix) or ".", shared=True):
            values = _read_pair(prefix, get_program_parameter(program), opt, what)
    elif executor is None:
        raise ValueError(f"{what}: no {prefix}.pdparams; executor is required when loading "
                         f"model file saved with [ save_params, save_persistables, save_vars ]")
    elif os.path.isdir(model_path):
        with archive.locked(model_path, shared=True):  # fluid loads the variables there
            values = _read_dir(model_path, list(filter(is_persistable, program.list_vars())),
                               what, partial=True)
        if not values:
            raise ValueError(f"{what}: {model_path} holds no saved variable of the program")
    elif os.path.isfile(model_path):
        if var_list is None:
            raise ValueError(f"{what}: var_list is required when loading model file saved "
                             f"with [ save_params, save_persistables, save_vars ]")
        names = {v.name for v in program.list_vars()}
        for v in var_list:
            if getattr(v, "name", None) not in names:
                raise LookupError(f"{what}: loaded var [{getattr(v, 'name', v)}] is not in "
                                  f"program variable list")
        values = _read_vars(*os.path.split(model_path), list(var_list), what)
    else:
        raise ValueError(f"{what}: no {prefix}.pdparams, and {model_path} is no file or "
                         f"directory")
    global_scope()._vars.update(values)


@_clear_errors
def load_program_state(model_path, var_list=None):
    """{name: ndarray} of what fluid.save (or save_vars and relatives) wrote."""
    what, prefix = "load_program_state", _prefix(model_path)
    if os.path.exists(prefix + ".pdparams"):
        with archive.locked(os.path.dirname(prefix) or ".", shared=True):
            return _read_pair(prefix, None, None, what)
    if os.path.isfile(model_path):
        if var_list is None:
            raise ValueError(f"{what}: var_list can not be None when model_path is a file")
        return _read_vars(*os.path.split(model_path), list(var_list), what)
    if not os.path.isdir(model_path):
        raise ValueError(f"{what}: no {prefix}.pdparams, and {model_path} is no file or "
                         f"directory")
    return _read_dir(model_path, None if var_list is None else list(var_list), what)


def set_program_state(program, state_dict):
    """Set the program's persistables from state_dict ({name: array}); each value is checked
    against the one the scope holds (shape, dtype) before any is set."""
    program, what = _program(program), "set_program_state"
    if not isinstance(state_dict, dict):
        raise TypeError(f"{what}: state_dict must be a dict, got {type(state_dict).__name__}")
    scope, new, used = global_scope()._vars, {}, set()
    for v in filter(is_persistable, program.list_vars()):
        if scope.get(v.name) is None:
            raise ValueError(f"{what}: Variable [ {v.name} ] Not found, Please make sure run "
                             f"startup program")
        if v.name not in state_dict:
            continue
        old, a = scope[v.name], state_dict[v.name]
        a = np.asarray(a.get() if hasattr(a, "get") and not isinstance(a, np.ndarray) else a)
        if a.dtype.hasobject or a.shape != tuple(old.shape) or a.dtype != old.dtype:
            raise ValueError(f"{what}: '{v.name}' is {a.dtype}{list(a.shape)}, the program "
                             f"requires {old.dtype}{list(old.shape)}")
        new[v.name] = a
        used.add(v.name)
    unused = [k for k in state_dict if k not in used]
    if unused:
        warnings.warn(f"{what}: not set, not persistables of the program: {unused}")
    scope.update(new)
