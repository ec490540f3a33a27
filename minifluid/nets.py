"""fluid.nets: small networks composed of layers (fluid 1.8's nets.py): glu and
scaled_dot_product_attention."""
from __future__ import annotations

from . import layers
from .checks import check_float, check_int, check_var_dtype
from .framework import Variable
from .layers.helper import building

__all__ = ["glu", "scaled_dot_product_attention"]


def glu(input, dim=-1) -> Variable:
    """The gated linear unit: input split in two halves a, b along `dim` (whose size must be
    even), then a * sigmoid(b).

    Example:
        out = fluid.nets.glu(x, dim=1)       # x [N, 6, 3] -> [N, 3, 3]
    """
    where = "glu"
    check_var_dtype(where, "input", input, ("float16", "float32", "float64"))
    rank = len(input.shape)
    dim = check_int(where, "dim", dim, lo=-rank, hi=rank - 1)
    size = input.shape[dim]
    if size >= 0 and size % 2:
        raise ValueError(f"{where}: argument 'dim' ({dim}) must name a dimension of even size "
                         f"(to split in halves) of input '{input.name}', of shape "
                         f"{list(input.shape)}")
    with building():
        a, b = layers.split(input, num_or_sections=2, dim=dim)
        return layers.elementwise_mul(a, layers.sigmoid(b))


def scaled_dot_product_attention(queries, keys, values, num_heads=1,
                                 dropout_rate=0.0) -> Variable:
    """Attention: softmax(Q K^T / sqrt(d)) V with Q, K, V [batch, length, hidden] and d the
    keys' hidden size per head. With num_heads > 1, Q, K and V first go through an fc each
    (no activation, their own width) and are split into heads along the hidden dimension;
    the heads' results are concatenated back. With dropout_rate, the attention weights go
    through dropout (always, as in fluid 1.8: is_test=False).

    Example:
        q = fluid.data("q", [None, 5, 8], "float32")
        kv = fluid.data("kv", [None, 7, 8], "float32")
        ctx = fluid.nets.scaled_dot_product_attention(q, kv, kv, num_heads=2)  # [N, 5, 8]
    """
    where = "scaled_dot_product_attention"
    for arg, v in (("queries", queries), ("keys", keys), ("values", values)):
        check_var_dtype(where, arg, v, ("float32", "float64"))
        if len(v.shape) != 3:
            raise ValueError(f"{where}: argument '{arg}' must be 3-D [batch, length, hidden], "
                             f"got '{v.name}' of shape {list(v.shape)}")
        if v.shape[-1] < 0:
            raise ValueError(f"{where}: the hidden size of '{arg}' ('{v.name}', shape "
                             f"{list(v.shape)}) must be known")
    if not queries.dtype == keys.dtype == values.dtype:
        raise TypeError(f"{where}: arguments 'queries', 'keys' and 'values' must have one "
                        f"dtype, got {queries.dtype}, {keys.dtype} and {values.dtype}")
    num_heads = check_int(where, "num_heads", num_heads, lo=1)
    dropout_rate = check_float(where, "dropout_rate", dropout_rate, lo=0, hi=1)
    if queries.shape[-1] != keys.shape[-1]:
        raise ValueError(f"{where}: 'queries' and 'keys' must have one hidden size, got "
                         f"{queries.shape[-1]} and {keys.shape[-1]}")
    if -1 not in (keys.shape[-2], values.shape[-2]) and keys.shape[-2] != values.shape[-2]:
        raise ValueError(f"{where}: 'keys' and 'values' must have one length, got "
                         f"{keys.shape[-2]} and {values.shape[-2]}")
    for arg, v in (("keys", keys), ("values", values)):
        if v.shape[-1] % num_heads:
            raise ValueError(f"{where}: the hidden size of '{arg}' ({v.shape[-1]}) must be "
                             f"divisible by argument 'num_heads' ({num_heads})")
    with building():
        q, k, v = queries, keys, values
        if num_heads > 1:
            q, k, v = (layers.fc(t, size=t.shape[-1], num_flatten_dims=2) for t in (q, k, v))
            # [batch, length, hidden] -> [batch, heads, length, hidden / heads]
            q, k, v = (layers.transpose(layers.reshape(t, [0, 0, num_heads,
                                                           t.shape[-1] // num_heads]),
                                        [0, 2, 1, 3]) for t in (q, k, v))
        scaled = layers.scale(q, scale=(keys.shape[-1] // num_heads) ** -0.5)
        weights = layers.softmax(layers.matmul(scaled, k, transpose_y=True))
        if dropout_rate:
            weights = layers.dropout(weights, dropout_prob=dropout_rate, is_test=False)
        out = layers.matmul(weights, v)
        if num_heads > 1:  # the heads side by side again: [batch, length, hidden]
            out = layers.reshape(layers.transpose(out, [0, 2, 1, 3]),
                                 [0, 0, out.shape[1] * out.shape[3]])
        return out
