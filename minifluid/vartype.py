"""fluid's VarDesc.VarType: the numbers framework.proto gives dtypes and variable kinds.

Paddle programs and op tests write a dtype as `core.VarDesc.VarType.FP32` (or its number,
`int(...)`, in a cast's in_dtype/out_dtype). The members are ints, so they go wherever
minifluid takes one of those numbers (checks.VARTYPES names the dtypes among them).

    from minifluid.vartype import VarDesc
    attrs = {"in_dtype": int(VarDesc.VarType.FP32), "out_dtype": VarDesc.VarType.FP64}
    convert_np_dtype_to_dtype_(np.float32) is VarType.FP32   # fluid.framework's name
"""
from __future__ import annotations

import enum

import numpy as np

__all__ = ["VarType", "VarDesc", "convert_np_dtype_to_dtype_"]


class VarType(enum.IntEnum):
    """framework.proto's VarType.Type of Paddle 1.8 (16, once CHANNEL, is unused)."""
    # dtypes
    BOOL = 0
    INT16 = 1
    INT32 = 2
    INT64 = 3
    FP16 = 4
    FP32 = 5
    FP64 = 6
    SIZE_T = 19
    UINT8 = 20
    INT8 = 21
    # kinds of variable
    LOD_TENSOR = 7
    SELECTED_ROWS = 8
    FEED_MINIBATCH = 9
    FETCH_LIST = 10
    STEP_SCOPES = 11
    LOD_RANK_TABLE = 12
    LOD_TENSOR_ARRAY = 13
    PLACE_LIST = 14
    READER = 15
    RAW = 17
    TUPLE = 18


class VarDesc:
    """Only as the namespace of `VarDesc.VarType`: minifluid keeps no variable descs."""
    VarType = VarType


# numpy's dtypes by the VarType fluid 1.8 gives them (uint16 stood in for bfloat16 as INT16)
_OF_NUMPY = {"float32": VarType.FP32, "float64": VarType.FP64, "float16": VarType.FP16,
             "int32": VarType.INT32, "int16": VarType.INT16, "int64": VarType.INT64,
             "bool": VarType.BOOL, "uint16": VarType.INT16, "uint8": VarType.UINT8,
             "int8": VarType.INT8}


def convert_np_dtype_to_dtype_(np_dtype) -> VarType:
    """The VarType of a numpy dtype (a name, np.dtype or numpy type): `int()` of it is
    Paddle's number, as an op's in_dtype/out_dtype attr takes it."""
    name = np.dtype(np_dtype).name
    if name not in _OF_NUMPY:
        raise ValueError(f"convert_np_dtype_to_dtype_: numpy dtype {name} has no VarType; "
                         f"supported: {sorted(_OF_NUMPY)}")
    return _OF_NUMPY[name]
