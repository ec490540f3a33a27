"""fluid's VarDesc.VarType: the numbers framework.proto gives dtypes and variable kinds.

Paddle programs and op tests write a dtype as `core.VarDesc.VarType.FP32` (or its number,
`int(...)`, in a cast's in_dtype/out_dtype). The members are ints, so they go wherever
minifluid takes one of those numbers (checks.VARTYPES names the dtypes among them).

    from minifluid.vartype import VarDesc
    attrs = {"in_dtype": int(VarDesc.VarType.FP32), "out_dtype": VarDesc.VarType.FP64}
"""
from __future__ import annotations

import enum

__all__ = ["VarType", "VarDesc"]


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
