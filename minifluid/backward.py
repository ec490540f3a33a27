"""Reverse-mode differentiation of a block: append_backward and gradients.

Walks the ops that lead to the targets in reverse, asks each op's grad maker for its grad
ops, and appends them. A variable read by several ops gets one gradient per reader, summed
by a `sum` op into `name@GRAD`. Variables with `stop_gradient=True` or in `no_grad_set`
get no gradient and stop it flowing further back.
"""
from __future__ import annotations

import math

from . import registry
from .checks import DTYPES
from .framework import (EMPTY, GRAD_SUFFIX, Parameter, Variable, all_or_nothing, grad_var_name,
                        same_shape, unique_name)

__all__ = ["append_backward", "gradients"]


def append_backward(loss: Variable, parameter_list=None, no_grad_set=None, callbacks=None):
    """Append the ops computing d(loss)/d(parameter) and return [(parameter, gradient)].

    Args:
        loss: a Variable with exactly one element (the output of `layers.mean`, say).
        parameter_list: parameters (or their names) to differentiate; all trainable ones
            when None.
        no_grad_set: variables (or names) that get no gradient.

    Example:
        loss = fluid.layers.mean(cost)
        params_grads = fluid.backward.append_backward(loss)
    """
    if callbacks is not None and not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"append_backward: argument 'callbacks' must be None or a list, got "
                        f"{type(callbacks).__name__}")
    if callbacks:
        raise NotImplementedError("append_backward: callbacks are not supported")
    return _append_backward("append_backward", loss, parameter_list, no_grad_set)


def _append_backward(where, loss, parameter_list, no_grad_set):
    if not isinstance(loss, Variable):
        raise TypeError(f"{where}: argument 'loss' must be a Variable, got "
                        f"{type(loss).__name__}")
    if math.prod(loss.shape) != 1:
        raise ValueError(f"{where}: the loss must have exactly one element, but "
                         f"'{loss.name}' has shape {list(loss.shape)}; reduce it first, e.g. "
                         f"with fluid.layers.mean (argument 'loss')")
    block = loss.block
    if parameter_list is None:
        params = [p for p in block.all_parameters() if p.trainable]
    else:
        params = [_parameter(where, block, p) for p in
                  _sequence(where, "parameter_list", parameter_list, (list, tuple))]
    no_grad = _names(where, block, no_grad_set)
    with all_or_nothing(block.program):
        grads = _backward(block, [loss], None, [], no_grad)
    return [(p, block.var(grads[p.name])) for p in params if p.name in grads]


def gradients(targets, inputs, target_gradients=None, no_grad_set=None):
    """Append the ops computing the gradients of sum(targets) with respect to `inputs`.

    Args:
        targets: a Variable or a list of Variables.
        inputs: a Variable or a list; data variables included. Their gradients are computed
            whatever their `stop_gradient`.
        target_gradients: optional Variables, one per target, holding d(output)/d(target);
            ones when None. Each has its target's shape; where either has a dimension known
            only at run time (-1), the two are compared when the program runs.
        no_grad_set: variables (or names) that get no gradient.

    Returns:
        A list with one gradient Variable per input (None where no path leads to it).
    """
    targets, inputs = _variables("targets", targets), _variables("inputs", inputs)
    block = targets[0].block
    for what, vs in (("targets", targets), ("inputs", inputs)):
        for v in vs:
            if v.block is not block:
                raise ValueError(f"gradients: '{v.name}' (argument '{what}') belongs to another "
                                 f"program than '{targets[0].name}' (argument 'targets'); "
                                 f"nothing was appended")
    if target_gradients is not None:
        target_gradients = _sequence("gradients", "target_gradients", target_gradients,
                                     (list, tuple), one=Variable)
        if len(target_gradients) != len(targets):
            raise ValueError(f"gradients: {len(targets)} targets but {len(target_gradients)} "
                             f"target_gradients (argument 'target_gradients')")
        for t, g in zip(targets, target_gradients):
            if g is None:
                continue
            if not isinstance(g, Variable) or g.block is not block:
                raise TypeError(f"gradients: argument 'target_gradients' must hold Variables "
                                f"of the targets' program or None, got {type(g).__name__}")
            if not same_shape(g.shape, t.shape):
                raise ValueError(f"gradients: target_gradient '{g.name}' has shape "
                                 f"{list(g.shape)}, target '{t.name}' has {list(t.shape)} "
                                 f"(argument 'target_gradients')")
    no_grad = _names("gradients", block, no_grad_set)
    with all_or_nothing(block.program):
        grads = _backward(block, targets, target_gradients, [v.name for v in inputs], no_grad)
    return [block.var(grads[v.name]) if v.name in grads else None for v in inputs]


# fluid 1.8's module also has calc_gradient (outside __all__), what its gradients calls;
# the signature is the same
calc_gradient = gradients


def _sequence(where, what, value, kinds, one=None) -> list:
    """`value` as a list: a list or tuple (kinds), or a single `one`."""
    if one is not None and isinstance(value, one):
        return [value]
    if not isinstance(value, kinds):
        names = " or ".join(k.__name__ for k in ((one,) if one else ()) + tuple(kinds))
        raise TypeError(f"{where}: argument '{what}' must be a {names}, got "
                        f"{type(value).__name__}")
    return list(value)


def _variables(what, value) -> list:
    """A Variable or a non-empty list of Variables of one block."""
    vs = _sequence("gradients", what, value, (list, tuple), one=Variable)
    if not vs:
        raise ValueError(f"gradients: argument '{what}' must not be empty")
    for v in vs:
        if not isinstance(v, Variable):
            raise TypeError(f"gradients: argument '{what}' must hold Variables, got "
                            f"{type(v).__name__}")
    return vs


def _parameter(where, block, p):
    name = p if isinstance(p, str) else p.name if isinstance(p, Variable) else None
    if name is None:
        raise TypeError(f"{where}: argument 'parameter_list' must hold Parameters or their "
                        f"names, got {type(p).__name__}")
    v = block.vars.get(name)
    if not isinstance(v, Parameter) or (isinstance(p, Variable) and p is not v):
        raise ValueError(f"{where}: argument 'parameter_list' holds '{name}', which is not a "
                         f"parameter of the loss's program")
    return v


def _names(where, block, vs) -> set:
    """The names in no_grad_set: None, or a list, tuple or set of Variables or names."""
    if vs is None:
        return set()
    if not isinstance(vs, (list, tuple, set, frozenset)):
        raise TypeError(f"{where}: argument 'no_grad_set' must be None or a set or list of "
                        f"Variables or names, got {type(vs).__name__}")
    names = set()
    for v in vs:
        if isinstance(v, Variable) and v.block is block:
            names.add(v.name)
        elif isinstance(v, str):
            names.add(v)
        else:
            raise TypeError(f"{where}: argument 'no_grad_set' must hold Variables of the "
                            f"loss's program or names, got {type(v).__name__}")
    return names


def _backward(block, targets, target_grads, wanted, no_grad) -> dict:
    """Append grad ops to `block`; return {var name: its gradient's name}."""
    producer = {n: k for k, op in enumerate(block.ops) for n in op.output_arg_names}
    for t in targets:
        if t.name in producer and block.ops[producer[t.name]].role != "forward":
            raise NotImplementedError(f"backward: '{t.name}' is made by a "
                                      f"{block.ops[producer[t.name]].role} op; gradients of "
                                      f"gradients (or of updates) are not supported")
    end = max((producer.get(t.name, -1) for t in targets), default=-1) + 1
    # Earlier backward and optimizer ops are not differentiated (an update writes its
    # parameter, which is still a leaf of the forward pass).
    ops = [op for op in block.ops[:end] if op.role == "forward"]
    produced = {n for op in ops for n in op.output_arg_names}

    # Which variables carry a gradient: leaves that do not stop it, and what they reach.
    carries = {n for n in wanted if n not in no_grad}
    carries |= {v.name for v in block.vars.values()
                if not v.stop_gradient and v.name not in no_grad and v.name not in produced}
    for op in ops:
        if registry.OPS[op.type].grad and any(n in carries for n in op.input_arg_names):
            carries |= {n for n in op.output_arg_names
                        if not block.var(n).stop_gradient and n not in no_grad}

    grads = _Grads(block)
    descs = []
    for i, t in enumerate(targets):
        given = target_grads[i] if target_grads else None
        # The seed of t's gradient: ones, or a copy of the given target gradient, through
        # a check of the two shapes when the program was built without knowing them all.
        if given is None:
            seed = dict(type="fill_any_like", inputs={"X": [t.name]}, outputs={"Out": [""]},
                        attrs={"value": 1.0})
        elif given.shape == t.shape:
            seed = dict(type="sum", inputs={"X": [given.name]}, outputs={"Out": [""]})
        else:
            seed = dict(type=SEED_OP, inputs={"Gradient": [given.name], "Target": [t.name]},
                        outputs={"Out": [""]},
                        attrs={"target_name": t.name, "gradient_name": given.name})
        grads.add(t.name, seed, "Out", 0)
        descs.append(seed)
    done = {}
    for op in reversed(ops):
        outs = [n for n in op.output_arg_names if n in grads.parts]
        if (not outs or registry.OPS[op.type].grad is None
                or not any(n in carries for n in op.input_arg_names)):
            continue
        for n in outs:
            done[n] = grads.finish(n, descs)
        _zero_unused_outputs(op, block, done, descs)
        for desc in registry.OPS[op.type].grad(op):
            for slot, names in desc["inputs"].items():  # name the gradients this pass made
                desc["inputs"][slot] = [done.get(n[:-len(GRAD_SUFFIX)], n)
                                        if n.endswith(GRAD_SUFFIX) else n for n in names]
            keep = False
            for slot, names in desc["outputs"].items():
                names = desc["outputs"][slot] = list(names)
                for i, name in enumerate(names):
                    var = name[:-len(GRAD_SUFFIX)]
                    if name.endswith(GRAD_SUFFIX) and var in carries:
                        grads.add(var, desc, slot, i)
                        keep = True
                    else:
                        names[i] = EMPTY
                if all(n == EMPTY for n in names) and slot not in \
                        registry.OPS[desc["type"]].duplicable:
                    desc["outputs"][slot] = []
            if keep:
                descs.append(desc)
    for n in list(grads.parts):
        if n not in done:
            done[n] = grads.finish(n, descs)

    for desc in descs:
        for names in desc["inputs"].values():
            for name in names:
                if name.endswith(GRAD_SUFFIX) and not block.has_var(name):
                    raise NotImplementedError(
                        f"backward: '{desc['type']}' needs '{name}', which no op produced")
        block.append_op(desc["type"], desc["inputs"], desc["outputs"], desc.get("attrs"),
                        role="backward")
    return done


def _zero_unused_outputs(op, block, done, descs):
    """For an op with zero_missing_grads (split, unstack): zeros as the gradient of each
    output nobody differentiated, so that its grad op gets one for every output."""
    if not registry.OPS[op.type].zero_missing_grads:
        return
    for n in op.output_arg_names:
        if n not in done and not block.has_var(grad_var_name(n)):
            done[n] = grad_var_name(n)
            descs.append(dict(type="fill_any_like", inputs={"X": [n]},
                              outputs={"Out": [done[n]]}, attrs={"value": 0.0}))


class _Grads:
    """The parts of each variable's gradient (grad op output slots), summed by `finish` into
    one variable: name@GRAD, or name@GRAD_<n> when an earlier backward pass took that."""

    def __init__(self, block):
        self.block, self.parts, self.name = block, {}, {}

    def add(self, var, desc, slot, i):
        parts = self.parts.setdefault(var, [])
        if not parts:
            base = grad_var_name(var)
            self.name[var] = unique_name.generate(base) if self.block.has_var(base) else base
        name = self.name[var]
        desc["outputs"][slot][i] = f"{name}@RENAME@{len(parts)}" if parts else name
        parts.append((desc, slot, i))

    def finish(self, var, descs) -> str:
        parts, target = self.parts[var], self.name[var]
        if len(parts) > 1:
            first, slot, i = parts[0]
            first["outputs"][slot][i] = f"{target}@RENAME@0"
            names = [desc["outputs"][slot][i] for desc, slot, i in parts]
            descs.append(dict(type="sum", inputs={"X": names}, outputs={"Out": [target]}))
        return target


# The seed of a target whose shape is partly known only at run time, from a target gradient
# of another declared shape that can be the same (gradients checked only that much).
SEED_OP = "target_gradient_seed"
_seed = registry.register_op(
    SEED_OP, inputs=["Gradient", "Target"], outputs=["Out"],
    attrs={"target_name": "", "gradient_name": ""},
    no_grad="it seeds a backward pass: a gradient of gradients is not supported",
    doc="Out = Gradient, once Gradient's run-time shape is seen to be Target's (gradients "
        "appends it for a target_gradient whose declared shape has -1 where its target's "
        "has not, or the reverse).")


@_seed.shape_rule
def _(op):
    g, t = op.in_var("Gradient"), op.in_var("Target")
    if not same_shape(g.shape, t.shape):
        raise ValueError(f"Gradient '{g.name}' has shape {list(g.shape)}, which cannot be "
                         f"Target '{t.name}''s {list(t.shape)}")
    return tuple(d if d != -1 else e for d, e in zip(g.shape, t.shape)), g.dtype


@_seed.kernel(*DTYPES)
def _(gradient, target, *, target_name, gradient_name):
    if gradient.shape != target.shape:
        raise ValueError(f"gradients: target_gradient '{gradient_name}' has shape "
                         f"{list(gradient.shape)} at run time, its target '{target_name}' has "
                         f"{list(target.shape)} (argument 'target_gradients')")
    return gradient.copy()
