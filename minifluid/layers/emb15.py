"""Embedding and normalization layers with fluid 1.8 signatures (issue 15)."""
from __future__ import annotations

from ..checks import check_bool, check_dtype, check_int, check_ints, check_var_dtype
from ..framework import Variable
from ..param_attr import ParamAttr
from .helper import LayerHelper, building

__all__ = ["embedding"]


def _embedding(where, op_type, input, size, is_sparse, is_distributed, padding_idx, param_attr,
               dtype) -> Variable:
    check_var_dtype(where, "input", input, ("int64",))
    size = check_ints(where, "size", size, lo=1, what="a list of 2 ints >= 1 [rows, width]")
    if len(size) != 2:
        raise ValueError(f"{where}: argument 'size' must be a list of 2 ints >= 1 [rows, "
                         f"width], got {size}")
    is_sparse = check_bool(where, "is_sparse", is_sparse)
    is_distributed = check_bool(where, "is_distributed", is_distributed)
    padding_idx = check_int(where, "padding_idx", padding_idx, lo=-size[0], hi=size[0] - 1,
                            none=True)
    attr = ParamAttr.to_attr(param_attr, "param_attr", where)
    if attr is False:
        raise ValueError(f"{where}: argument 'param_attr' cannot be False: the table is a "
                         f"parameter")
    dtype = check_dtype(where, "dtype", dtype, ("float16", "float32", "float64"))
    if op_type == "lookup_table" and input.shape and input.shape[-1] not in (1, -1):
        raise ValueError(f"{where}: input '{input.name}' must end in a dimension of 1 (ids "
                         f"[..., 1]), got shape {list(input.shape)}; fluid.embedding takes "
                         f"ids without it")
    # fluid 1.8: -1 means no padding; a negative index counts from the end of the table
    pad = -1 if padding_idx is None else padding_idx if padding_idx >= 0 else size[0] + padding_idx
    with building():
        helper = LayerHelper("embedding")
        w = helper.create_parameter(attr, size, dtype)
        out = helper.tmp()
        helper.append_op(op_type, {"Ids": input, "W": w}, {"Out": out},
                         {"is_sparse": is_sparse, "is_distributed": is_distributed,
                          "remote_prefetch": is_sparse and not is_distributed,
                          "padding_idx": pad})
        return out


def embedding(input, size, is_sparse=False, is_distributed=False, padding_idx=None,
              param_attr=None, dtype="float32") -> Variable:
    """Rows of a [rows, width] parameter table picked by int64 ids of shape [..., 1]; the
    result has shape [..., width] (fluid.layers.embedding, op lookup_table).

    Rows at `padding_idx` (negative: counted from the end) read as zeros and get no gradient.
    With `is_sparse` the table's gradient is the rows looked up only (a SelectedRows), and
    sgd, momentum and adam update those rows. A table is shared by giving its ParamAttr name.

    Example:
        ids = fluid.data("ids", [None, 1], "int64")
        emb = fluid.layers.embedding(ids, size=[1000, 32], is_sparse=True)   # [N, 32]
    """
    return _embedding("fluid.layers.embedding", "lookup_table", input, size, is_sparse,
                      is_distributed, padding_idx, param_attr, dtype)


def embedding_v2(input, size, is_sparse=False, is_distributed=False, padding_idx=None,
                 param_attr=None, dtype="float32") -> Variable:
    """fluid.embedding (op lookup_table_v2): as fluid.layers.embedding, but ids of any shape
    [...] give [..., width] (no trailing dimension of 1).

    Example:
        ids = fluid.data("ids", [None, 5], "int64")
        emb = fluid.embedding(ids, size=[1000, 32])   # [N, 5, 32]
    """
    return _embedding("fluid.embedding", "lookup_table_v2", input, size, is_sparse,
                      is_distributed, padding_idx, param_attr, dtype)
