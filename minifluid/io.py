"""Saving and loading: programs as JSON, variable values as .npz, never pickle.

Loading checks everything it reads: the JSON's structure, that each op is registered and
passes its shape rule, that each array has the declared shape and dtype. It never unpickles
(`allow_pickle=False`) and never executes anything from a file.
"""
from __future__ import annotations

import json
import math
import os
import zipfile

import numpy as np

from . import registry
from .executor import global_scope
from .framework import Parameter, Program, Variable, default_main_program

__all__ = ["save_inference_model", "load_inference_model", "save_params", "load_params",
           "save_persistables", "load_persistables", "batch"]

FORMAT = "minifluid.program/1"
MODEL_FILE, PARAMS_FILE, PERSISTABLES_FILE = "__model__", "__params__.npz", "__persistables__.npz"


def _scope_values(names, what):
    values = global_scope()._vars
    missing = [n for n in names if values.get(n) is None]
    if missing:
        raise RuntimeError(f"{what}: {missing} have no value in the scope; run the startup "
                           f"program (and train) before saving")
    return {n: np.asarray(values[n].get() if hasattr(values[n], "get") else values[n])
            for n in names}


def _write(path, write):
    """Write a file whole or not at all: a crash midway leaves no truncated file."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            write(f)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _save_vars(dirname, filename, names, what):
    os.makedirs(dirname, exist_ok=True)
    path = os.path.join(dirname, filename)
    values = _scope_values(names, what)
    _write(path, lambda f: np.savez(f, **values))
    return path


def _load_vars(dirname, filename, vars_, what):
    """Read arrays for `vars_` (Variables) from the .npz into the global scope, checking each
    array's header against its variable before reading its data."""
    path = os.path.join(dirname, filename)
    arrays = {}
    try:
        with zipfile.ZipFile(path) as z:
            members = {m[:-len(".npy")]: m for m in z.namelist() if m.endswith(".npy")}
            missing = [v.name for v in vars_ if v.name not in members]
            if missing:
                raise ValueError(f"{what}: {path} lacks {missing}")
            for v in vars_:
                with z.open(members[v.name]) as f:
                    version = np.lib.format.read_magic(f)
                    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                                   else np.lib.format.read_array_header_2_0)
                    shape, fortran, dtype = read_header(f)
                    if dtype != v.dtype or len(shape) != len(v.shape) or any(
                            d not in (-1, n) for d, n in zip(v.shape, shape)):
                        raise ValueError(f"{what}: '{v.name}' in {path} is {dtype}"
                                         f"{list(shape)}, the program declares {v.dtype}"
                                         f"{list(v.shape)}")
                    a = np.frombuffer(f.read(math.prod(shape) * dtype.itemsize), dtype)
                    if a.size != math.prod(shape):
                        raise ValueError(f"{what}: '{v.name}' in {path} is truncated")
                    arrays[v.name] = a.reshape(shape, order="F" if fortran else "C").copy()
    except FileNotFoundError:
        raise FileNotFoundError(f"{what}: no file {path}") from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as e:
        raise ValueError(f"{what}: {path} is not a readable .npz of arrays ({e})") from None
    except ValueError as e:
        if str(e).startswith(what):
            raise
        raise ValueError(f"{what}: {path} is not a readable .npz of arrays ({e})") from None
    global_scope()._vars.update(arrays)


def _program(main_program):
    program = main_program or default_main_program()
    if not isinstance(program, Program):
        raise TypeError(f"main_program must be a Program, got {type(program).__name__}")
    return program


def save_params(executor, dirname, main_program=None, filename=None):
    """Save the values of the program's parameters to dirname/filename (.npz)."""
    names = [p.name for p in _program(main_program).all_parameters()]
    return _save_vars(dirname, filename or PARAMS_FILE, names, "save_params")


def save_persistables(executor, dirname, main_program=None, filename=None):
    """Save every persistable variable (parameters, optimizer accumulators, ...)."""
    names = [v.name for v in _program(main_program).list_vars() if v.persistable]
    return _save_vars(dirname, filename or PERSISTABLES_FILE, names, "save_persistables")


def load_params(executor, dirname, main_program=None, filename=None):
    _load_vars(dirname, filename or PARAMS_FILE, _program(main_program).all_parameters(),
               "load_params")


def load_persistables(executor, dirname, main_program=None, filename=None):
    vars_ = [v for v in _program(main_program).list_vars() if v.persistable]
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
    os.makedirs(dirname, exist_ok=True)
    text = json.dumps(doc, indent=1).encode()
    _write(os.path.join(dirname, model_filename or MODEL_FILE), lambda f: f.write(text))
    if not program_only:
        params = [n for n in block.vars if n in names and block.var(n).persistable]
        _save_vars(dirname, params_filename or PARAMS_FILE, params, "save_inference_model")
    return doc["fetch"]


def _var_json(v):
    return {"name": v.name, "shape": list(v.shape), "dtype": v.dtype.name,
            "lod_level": v.lod_level, "persistable": v.persistable,
            "parameter": isinstance(v, Parameter), "is_data": v.is_data,
            "need_check_feed": v.need_check_feed}


def load_inference_model(dirname, executor, model_filename=None, params_filename=None):
    """Returns [program, feed names, fetch Variables]; loads the parameters into the global
    scope."""
    path = os.path.join(dirname, model_filename or MODEL_FILE)
    try:
        with open(path) as f:
            doc = json.load(f)
    except FileNotFoundError:
        raise FileNotFoundError(f"load_inference_model: no model file {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise ValueError(f"load_inference_model: {path} is not a minifluid model (invalid "
                         f"JSON: {type(e).__name__}: {e})") from None
    program = _program_from_json(doc, path)
    block = program.global_block()
    if not any(op for op in block.ops) and not doc["fetch"]:
        raise ValueError(f"load_inference_model: {path} holds no ops")
    params = [v for v in block.vars.values() if v.persistable]
    if params:
        _load_vars(dirname, params_filename or PARAMS_FILE, params, "load_inference_model")
    return [program, list(doc["feed"]), [block.var(n) for n in doc["fetch"]]]


def _program_from_json(doc, path) -> Program:
    def bad(what):
        return ValueError(f"load_inference_model: {path} is not a valid minifluid model: {what}")

    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise bad(f"expected a JSON object with \"format\": \"{FORMAT}\"")
    for key, kind in (("feed", list), ("fetch", list), ("vars", list), ("ops", list)):
        if not isinstance(doc.get(key), kind):
            raise bad(f"'{key}' must be a list")
    program = Program()
    block = program.global_block()
    for v in doc["vars"]:
        try:
            name, shape, dtype = v["name"], v["shape"], np.dtype(v["dtype"])
            ok = (isinstance(name, str) and isinstance(shape, list)
                  and all(isinstance(d, int) and d >= -1 for d in shape)
                  and dtype.kind in "fiub" and isinstance(v.get("lod_level", 0), int))
        except (KeyError, TypeError):
            ok = False
        if not ok or name in block.vars:
            raise bad(f"bad or repeated variable entry {str(v)[:200]}")
        kw = dict(lod_level=v.get("lod_level", 0), is_data=bool(v.get("is_data")),
                  need_check_feed=bool(v.get("need_check_feed")))
        if v.get("parameter"):
            block.create_parameter(name, shape, dtype, trainable=False, **kw)
        else:
            block.create_var(name, shape, dtype, persistable=bool(v.get("persistable")), **kw)
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


def _is_slots(d):
    return isinstance(d, dict) and all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(n, str) for n in v)
        for k, v in d.items())


DTYPE_NAMES = {"float16", "float32", "float64", "int32", "int64", "bool", "uint8"}


def _wrong_attr(defaults, attrs):
    """What is wrong with `attrs` for an op whose attrs default to `defaults`, or ''. Each
    value must have its default's type (an int may stand for a float), dtypes be plain."""
    def fits(default, v):
        if isinstance(default, bool):
            return isinstance(v, bool)
        if isinstance(default, (int, float)):
            return isinstance(v, (int, float)) and not isinstance(v, bool) and (
                isinstance(default, float) or isinstance(v, int))
        if isinstance(default, list):
            return isinstance(v, list) and all(isinstance(i, int) and not isinstance(i, bool)
                                               for i in v)
        return isinstance(v, type(default))
    for k, v in attrs.items():
        if k not in defaults or not fits(defaults[k], v):
            return f"attr {k!r} = {str(v)[:50]} does not fit (expected like {defaults.get(k)!r})"
        if k in ("dtype", "out_dtype") and v not in DTYPE_NAMES:
            return f"attr {k!r} = {v!r} is not one of {sorted(DTYPE_NAMES)}"
    return ""


from .data_feeder import batch  # noqa: E402  (fluid.io.batch, as old scripts import it)
