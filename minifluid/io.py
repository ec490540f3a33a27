"""Saving and loading: programs as JSON, variable values as .npz archives, never pickle.

Saving is all or nothing (see archive.py): every value is gathered and checked before the
directory is touched, and a save id ties __model__ to its parameters, so an interrupted save
leaves the old model loadable. Loading checks everything it reads, in bounded time and
memory: the files, the JSON's size and structure, each op's registration, attrs and shape
rule, and each array against its variable. It never unpickles and never executes anything
from a file.
"""
from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import warnings

import numpy as np

from . import archive, registry
from .checks import DTYPES, wrong_attr
from .executor import global_scope
from .framework import Parameter, Program, Variable, default_main_program

__all__ = ["save_inference_model", "load_inference_model", "save_params", "load_params",
           "save_persistables", "load_persistables", "save_vars", "load_vars", "save", "load",
           "load_program_state", "set_program_state", "is_parameter", "is_persistable",
           "is_belong_to_optimizer", "get_program_parameter", "get_program_persistable_vars",
           "batch"]

FORMAT = "minifluid.program/1"
MODEL_FILE, PARAMS_FILE, PERSISTABLES_FILE = "__model__", "__params__.npz", "__persistables__.npz"
MAX_LOD = 64
NO_VARS = ("no variable in your model, please ensure there are any variables in your model to "
           "save")  # fluid's words
# What a loaded variable may be declared as (its kernels may still be missing)
VAR_DTYPES = set(DTYPES) | {"int8", "int16", "uint16", "uint32", "uint64"}


def _clear_errors(load):
    """Our own refusals reach the user as a plain ValueError."""
    @functools.wraps(load)
    def wrapper(*args, **kwargs):
        try:
            return load(*args, **kwargs)
        except archive.Bad as e:
            raise ValueError(str(e)) from None
    return wrapper


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


def _load_vars(dirname, filename, vars_, what, model_id=False, digest=None):
    """Read arrays for `vars_` (Variables) from the .npz into the global scope. With a
    `model_id` (str or None), the archive must belong to that model: written by the same save,
    by a save that gave it no id (save_params), or holding the very values the model was
    saved with (its `digest`: a second model saved into the directory from the same network).
    If a save was cut off after its new parameters went in, the model's own are in the
    backup."""
    path = os.path.join(dirname, filename)
    backup = path + archive.BACKUP

    def read(p):
        with archive.open_archive(p, what) as (z, members, save_id, size):
            if model_id is False or save_id is None or save_id == model_id:
                return archive.read_arrays(z, members, vars_, p, what)
            if digest is not None:
                with contextlib.suppress(archive.Bad):  # say, it lacks some of vars_
                    arrays = archive.read_arrays(z, members, vars_, p, what)
                    if archive.digest(arrays) == digest:
                        return arrays
        return None

    arrays = read(path)
    if arrays is None:
        with contextlib.suppress(FileNotFoundError):
            arrays = read(backup)
    if arrays is None:
        raise ValueError(f"{what}: {path} holds other values than the model's (it was written "
                         f"by another save, id {model_id} here), and the model's own are not "
                         f"in {backup}: a save into {dirname} was cut off, or another model "
                         f"saved there replaced them; save the model again (a model of its "
                         f"own gets a params_filename or a directory of its own)")
    global_scope()._vars.update(arrays)


def _program(main_program):
    program = default_main_program() if main_program is None else main_program
    program = getattr(program, "_program", program)  # a CompiledProgram's own
    if not isinstance(program, Program):
        raise TypeError(f"The type of input main_program is invalid, expected type is "
                        f"fluid.Program, but received {type(program).__name__}")
    return program


_get_valid_program = _program  # fluid's own tests call it by this name


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
    if not params and not program_only:
        warnings.warn(NO_VARS)
    doc["params_sha256"] = None if values is None else archive.digest(values)
    archive.save(dirname, "save_inference_model", _base(params_filename, PARAMS_FILE), values,
                 _base(model_filename, MODEL_FILE), doc)
    return doc["fetch"]


def _base(filename, default):
    """fluid keeps a model's files in its directory: only a given name's last part counts."""
    return os.path.basename(filename) if filename else default


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
    if dirname is None:  # the model and its parameters are bytes
        return _from_memory(model_filename, params_filename, what)
    if not os.path.isdir(dirname):
        raise ValueError(f"{what}: there is no directory named '{dirname}'")
    path = os.path.join(dirname, _base(model_filename, MODEL_FILE))
    with archive.locked(dirname, shared=True):
        doc = archive.read_json(path, what)
        program = _program_from_json(doc, path)
        block = program.global_block()
        if not any(op for op in block.ops) and not doc["fetch"]:
            raise ValueError(f"{what}: {path} holds no ops")
        params = [v for v in block.vars.values() if v.persistable]
        if params:
            _load_vars(dirname, _base(params_filename, PARAMS_FILE), params, what,
                       doc.get("save_id"), doc.get("params_sha256"))
    return [program, list(doc["feed"]), [block.var(n) for n in doc["fetch"]]]


def _from_memory(model, params, what):
    if not isinstance(params, (bytes, bytearray)) or not isinstance(model, (bytes, bytearray)):
        raise ValueError(f"{what}: with dirname=None, model_filename and params_filename must "
                         f"be the model's and the parameters' bytes (save_persistables(exe, "
                         f"None, ...) returns those), got {type(model).__name__} and "
                         f"{type(params).__name__}")
    if len(model) > archive.MAX_JSON:
        raise ValueError(f"{what}: the model given is {len(model)} bytes")
    program = _program_from_json(archive._json(model, "the model given", what), "the model")
    block = program.global_block()
    params_ = [v for v in block.vars.values() if v.persistable]
    with archive.open_archive(params, what) as (z, members, save_id, size):
        global_scope()._vars.update(archive.read_arrays(z, members, params_, "the bytes", what))
    doc = json.loads(model)
    return [program, list(doc["feed"]), [block.var(n) for n in doc["fetch"]]]


def _program_from_json(doc, path) -> Program:
    def bad(what):
        return ValueError(f"load_inference_model: {path} is not a valid minifluid model: {what}")

    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise bad(f"expected a JSON object with \"format\": \"{FORMAT}\"")
    for key in ("feed", "fetch", "vars", "ops"):
        if not isinstance(doc.get(key), list):
            raise bad(f"'{key}' must be a list")
    if not archive.is_id_or_none(doc.get("save_id")):
        raise bad(f"'save_id' must be 32 hex digits, got {str(doc['save_id'])[:50]}")
    if not archive.is_id_or_none(doc.get("params_sha256"), 64):
        raise bad(f"'params_sha256' must be 64 hex digits, got {str(doc['params_sha256'])[:80]}")
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
        opdef = registry.OPS[op["type"]]  # fluid's universal attrs are ignored, as built
        wrong = wrong_attr(opdef.attrs, opdef.drop_ignored(op["attrs"]))
        if wrong:
            raise bad(f"op '{op['type']}': {wrong}")
        try:
            block.append_op(op["type"], op["inputs"], op["outputs"], op["attrs"])
        except (ValueError, TypeError) as e:
            raise bad(f"op '{op['type']}' does not fit its variables: {e}") from None
    return program


def _var_ok(v):
    """Whether a variable entry has the types and bounds a saved one has: a name, a shape of
    at most archive.MAX_RANK dims >= -1 whose size fits in int64 bytes, a plain numeric
    dtype, a small lod_level, bool flags."""
    if not (isinstance(v, dict) and isinstance(v.get("name"), str) and v["name"]
            and isinstance(v.get("shape"), list) and len(v["shape"]) <= archive.MAX_RANK
            and all(type(d) is int and d >= -1 for d in v["shape"])
            and type(v.get("lod_level", 0)) is int and 0 <= v.get("lod_level", 0) <= MAX_LOD
            and all(type(v.get(k, False)) is bool for k in
                    ("persistable", "parameter", "is_data", "need_check_feed"))
            and isinstance(v.get("dtype"), str) and v["dtype"] in VAR_DTYPES):
        return False
    return math.prod(abs(d) for d in v["shape"]) * 8 < 2 ** 63


def _is_slots(d):
    return isinstance(d, dict) and all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(n, str) for n in v)
        for k, v in d.items())


from .data_feeder import batch  # noqa: E402  (fluid.io.batch, as old scripts import it)
from .reader import (ComposeNotAligned, buffered, cache, chain, compose, firstn,  # noqa: E402,F401
                     map_readers, multiprocess_reader, shuffle, xmap_readers)
from .io_fluid import (get_program_parameter, get_program_persistable_vars,  # noqa: E402,F401
                       is_belong_to_optimizer, is_parameter, is_persistable, load,
                       load_params, load_persistables, load_program_state, load_vars, save,
                       save_params, save_persistables, save_vars, set_program_state)
from .dataloader import DataLoader, PyReader  # noqa: E402,F401  (fluid.io.DataLoader)
