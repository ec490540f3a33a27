"""Layers of the loss and the reductions."""
from __future__ import annotations

from .helper import append_layer_op, check_variable, generate_layer

__all__ = ["sigmoid_cross_entropy_with_logits", "mean", "reduce_sum", "reduce_mean"]

sigmoid_cross_entropy_with_logits = generate_layer(
    "sigmoid_cross_entropy_with_logits", "x, label, ignore_index, name, normalize")
mean = generate_layer("mean", "x, name")


def _reduce(op_type, input, dim, keep_dim, name):
    check_variable(op_type, "input", input)
    if dim is None or dim == []:
        dims = []
    elif isinstance(dim, int) and not isinstance(dim, bool):
        dims = [dim]
    elif isinstance(dim, (list, tuple)) and all(isinstance(d, int) for d in dim):
        dims = list(dim)
    else:
        raise TypeError(f"{op_type}: dim must be None, an int or a list of ints, got {dim!r}")
    rank = len(input.shape)
    for d in dims:
        if not -rank <= d < rank:
            raise ValueError(f"{op_type}: dim {d} is out of range for '{input.name}' of shape "
                             f"{list(input.shape)}")
    reduce_all = not dims or len({d % rank for d in dims}) == rank
    attrs = dict(dim=[d % rank for d in dims], keep_dim=bool(keep_dim), reduce_all=reduce_all)
    return append_layer_op(op_type, {"X": ("input", input)}, attrs, name)


def reduce_sum(input, dim=None, keep_dim=False, name=None):
    """Sum of `input` over `dim` (an int, a list, or None for all dimensions).

    With `dim=None` and `keep_dim=False` the result has shape [1], as in fluid 1.x.

    Example:
        total = fluid.layers.reduce_sum(loss)            # shape [1]
        rows = fluid.layers.reduce_sum(loss, dim=1)      # shape [-1]
    """
    return _reduce("reduce_sum", input, dim, keep_dim, name)


def reduce_mean(input, dim=None, keep_dim=False, name=None):
    """Mean of `input` over `dim`; shapes as `reduce_sum`."""
    return _reduce("reduce_mean", input, dim, keep_dim, name)
