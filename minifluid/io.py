"""Saving and loading: programs as JSON, variable values as .npz, never pickle.

Loading checks everything it reads: the JSON's structure, that each op is registered and
passes its shape rule, that each array has the declared shape and dtype. It never unpickles
(`allow_pickle=False`) and never executes anything from a file.
"""
from __future__ import annotations

import json
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


def _save_vars(dirname, filename, names, what):
    os.makedirs(dirname, exist_ok=True)
    path = os.path.join(dirname, filename)
    with open(path, "wb") as f:
        np.savez(f, **_scope_values(names, what))
    return path


def _load_vars(dirname, filename, vars_, what):
    """Read arrays for `vars_` (Variables) from the .npz into the global scope."""
    path = os.path.join(dirname, filename)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {v.name: data[v.name] for v in vars_ if v.name in data.files}
            missing = [v.name for v in vars_ if v.name not in data.files]
    except FileNotFoundError:
        raise FileNotFoundError(f"{what}: no file {path}") from None
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise ValueError(f"{what}: {path} is not a readable .npz of arrays ({e})") from None
    if missing:
        raise ValueError(f"{what}: {path} lacks {missing}")
    for v in vars_:
        a = arrays[v.name]
        if a.dtype != v.dtype or len(a.shape) != len(v.shape) or any(
                d not in (-1, n) for d, n in zip(v.shape, a.shape)):
            raise ValueError(f"{what}: '{v.name}' in {path} is {a.dtype}{list(a.shape)}, "
                             f"the program declares {v.dtype}{list(v.shape)}")
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
    with open(os.path.join(dirname, model_filename or MODEL_FILE), "w") as f:
        json.dump(doc, f, indent=1)
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
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"load_inference_model: {path} is not a minifluid model (invalid "
                         f"JSON: {e})") from None
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
                and _is_slots(op.get("outputs")) and _is_attrs(op.get("attrs"))):
            raise bad(f"bad op entry {str(op)[:200]}")
        try:
            block.append_op(op["type"], op["inputs"], op["outputs"], op["attrs"])
        except (ValueError, TypeError) as e:
            raise bad(f"op '{op['type']}' does not fit its variables: {e}") from None
    return program


def _is_slots(d):
    return isinstance(d, dict) and all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(n, str) for n in v)
        for k, v in d.items())


def _is_attrs(d):
    def plain(x):
        if isinstance(x, list):
            return all(plain(i) for i in x)
        return x is None or isinstance(x, (bool, int, float, str))
    return isinstance(d, dict) and all(isinstance(k, str) and plain(v) for k, v in d.items())


from .data_feeder import batch  # noqa: E402  (fluid.io.batch, as old scripts import it)
