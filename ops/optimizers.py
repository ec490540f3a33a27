"""sgd, momentum, adam: parameter updates, written in place into Param and its accumulators
(ParamOut is Param, VelocityOut is Velocity, ...). LearningRate is a tensor of shape [1].

A Grad may be a SelectedRows (sparse rows, as fluid's sparse embedding gradients are): sgd
then updates only its rows (a row given twice is updated twice), also of a SelectedRows
Param; momentum, and adam without lazy_mode, update every row as if the others had a zero
gradient; adam with lazy_mode updates only the rows given (each once, repeats summed), as
fluid 1.8 does.

    sgd:      Param -= lr * Grad
    momentum: Velocity = mu * Velocity + Grad
              Param -= lr * (Grad + mu * Velocity)   (use_nesterov)
              Param -= lr * Velocity                 (otherwise)
    adam:     Moment1 = beta1 * Moment1 + (1 - beta1) * Grad
              Moment2 = beta2 * Moment2 + (1 - beta2) * Grad^2
              lr_t = lr * sqrt(1 - Beta2Pow) / (1 - Beta1Pow)
              Param -= lr_t * Moment1 / (sqrt(Moment2) + epsilon * sqrt(1 - Beta2Pow))
              Beta1Pow *= beta1; Beta2Pow *= beta2
              (epsilon scaled by sqrt(1 - Beta2Pow) as in Paddle 2.x; fluid 1.x added it plain)
"""
import numpy as np

from minifluid.framework import same_shape
from minifluid.place import get_array_module
from minifluid.registry import register_op
from minifluid.selected_rows import SelectedRows
from minifluid.vartype import VarType

from .rules import like

# one value each, broadcast over Param
SCALARS = ("LearningRate", "Beta1Pow", "Beta2Pow", "Beta1Tensor", "Beta2Tensor")


def _check(op):
    p = op.in_var("Param")
    for slot in op.inputs:
        v = op.in_var(slot)
        if v is None:
            continue
        if slot.endswith("Tensor") and v.dtype.kind != "f":
            raise TypeError(f"{slot} ('{v.name}') must be a float tensor, got {v.dtype}")
        if slot in SCALARS:
            if any(d not in (1, -1) for d in v.shape):
                raise ValueError(f"{slot} ('{v.name}') must hold one value (shape [1]), got "
                                 f"shape {list(v.shape)}")
        elif v.dtype != p.dtype or not (same_shape(v.shape, p.shape) or (
                p.type == VarType.SELECTED_ROWS and same_shape(v.shape[1:], p.shape[1:]))):
            raise ValueError(f"{slot} ('{v.name}', {v.dtype}{list(v.shape)}) does not match "
                             f"Param ('{p.name}', {p.dtype}{list(p.shape)})")
    return {slot: like(op.in_var(slot[:-len("Out")])) for slot in op.outputs}


UPDATE = "an optimizer update: it writes its parameter, nothing flows back through it"
sgd = register_op("sgd", inputs=["Param", "Grad", "LearningRate"], outputs=["ParamOut"],
                  doc=__doc__, no_grad=UPDATE, in_place=True, sparse=("Param", "Grad"))
sgd.shape_rule(_check)


@sgd.kernel("float32", "float64")
def _(param, grad, lr):
    if grad.__class__ is SelectedRows:
        return _sparse_sgd(param, grad, lr)
    param -= lr * grad
    return param


def _dense(grad, param, op):
    """A sparse Grad of a dense Param as the dense tensor it stands for, checked to be of
    the Param's shape (its height is the Param's rows)."""
    if grad.shape != tuple(param.shape):
        raise ValueError(f"{op}: Grad is a SelectedRows standing for shape {list(grad.shape)} "
                         f"(height {grad.height()}), but Param has shape {list(param.shape)}")
    return grad


def _sparse_sgd(param, grad, lr):
    xp, rows = get_array_module(grad.value), grad.rows()
    if param.__class__ is not SelectedRows:
        _dense(grad, param, "sgd")
    elif tuple(grad.value.shape[1:]) != tuple(param.value.shape[1:]):
        raise ValueError(f"sgd: Grad's rows have shape {list(grad.value.shape[1:])}, the "
                         f"SelectedRows Param's {list(param.value.shape[1:])}")
    if param.__class__ is SelectedRows:  # rows of the Param's own rows
        where = {r: i for i, r in enumerate(param.rows())}
        missing = [r for r in rows if r not in where]
        if missing:
            raise ValueError(f"sgd: Grad has rows {missing} that the SelectedRows Param does "
                             f"not hold (its rows: {param.rows()})")
        target, rows = param.value, [where[r] for r in rows]
    else:
        target = param
    xp.subtract.at(target, xp.asarray(rows, dtype=np.int64), lr * grad.value[:len(rows)])
    return param


momentum = register_op("momentum", inputs=["Param", "Grad", "Velocity", "LearningRate"],
                       outputs=["ParamOut", "VelocityOut"],
                       attrs={"mu": 0.9, "use_nesterov": False}, doc=__doc__, no_grad=UPDATE,
                       in_place=True, sparse=("Grad",))
momentum.shape_rule(_check)


@momentum.kernel("float32", "float64")
def _(param, grad, velocity, lr, *, mu, use_nesterov):
    if grad.__class__ is SelectedRows:
        grad = _dense(grad, param, "momentum").to_dense()
    velocity *= velocity.dtype.type(mu)
    velocity += grad
    param -= lr * (grad + velocity.dtype.type(mu) * velocity if use_nesterov else velocity)
    return param, velocity


# Beta1Tensor / Beta2Tensor (fluid 1.8): 1-element tensors that win over beta1 / beta2.
# lazy_mode and min_row_size_to_use_multithread only matter for sparse gradients in fluid;
# they are declared so that fluid's programs and tests load, and change nothing here.
adam = register_op("adam", inputs=["Param", "Grad", "LearningRate", "Moment1", "Moment2",
                                   "Beta1Pow", "Beta2Pow", "Beta1Tensor?", "Beta2Tensor?"],
                   outputs=["ParamOut", "Moment1Out", "Moment2Out", "Beta1PowOut",
                            "Beta2PowOut"],
                   attrs={"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "lazy_mode": False,
                          "min_row_size_to_use_multithread": 1000}, doc=__doc__,
                   no_grad=UPDATE, in_place=True, sparse=("Grad",))
adam.shape_rule(_check)


def _beta(beta_t, beta, t):
    if beta_t is None:
        return t(beta)
    if beta_t.size != 1:  # a -1 dim fed with more than one value
        raise ValueError(f"adam: Beta1Tensor/Beta2Tensor must hold 1 value, got shape "
                         f"{list(beta_t.shape)}")
    return beta_t.reshape(()).astype(t)  # a 0-d array: stays on the device


@adam.kernel("float32", "float64")
def _(param, grad, lr, m1, m2, b1p, b2p, b1_t, b2_t, *, beta1, beta2, epsilon, lazy_mode,
      min_row_size_to_use_multithread):
    xp, t = get_array_module(param), param.dtype.type
    beta1, beta2 = _beta(b1_t, beta1, t), _beta(b2_t, beta2, t)
    if grad.__class__ is SelectedRows and lazy_mode:  # the rows given only, each once
        grad = _dense(grad, param, "adam").merged()
        rows = grad.row_ids()
        param[rows], m1[rows], m2[rows] = _adam(xp, t, param[rows], grad.value, lr, m1[rows],
                                                m2[rows], b1p, b2p, beta1, beta2, epsilon)
    else:
        grad = _dense(grad, param, "adam").to_dense() if grad.__class__ is SelectedRows \
            else grad
        _adam(xp, t, param, grad, lr, m1, m2, b1p, b2p, beta1, beta2, epsilon)
    b1p *= beta1
    b2p *= beta2
    return param, m1, m2, b1p, b2p


def _adam(xp, t, param, grad, lr, m1, m2, b1p, b2p, beta1, beta2, epsilon):
    """One Adam step of param, m1 and m2 in place (b1p and b2p are left alone)."""
    m1 *= beta1
    m1 += (1 - beta1) * grad
    m2 *= beta2
    m2 += (1 - beta2) * grad * grad
    root = xp.sqrt(1 - b2p)
    lr_t = lr * root / (1 - b1p)
    param -= lr_t * m1 / (xp.sqrt(m2) + t(epsilon) * root)
    return param, m1, m2
