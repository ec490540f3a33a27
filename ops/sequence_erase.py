"""sequence_erase: X ([T, 1] ids, a LoDTensor) with every id in `tokens` taken out of
each sequence of its last LoD level; Out's last level counts what each sequence kept
(the higher levels are X's). layers.edit_distance uses it for ignored_tokens.

    Out = [x for x in X if x not in tokens]        LoD: the lengths left per sequence

Ids only (no gradient); X must carry LoD, as in fluid.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import register_op

from .rules import like

op = register_op("sequence_erase", inputs=["X"], outputs=["Out"], attrs={"tokens": []},
                 doc=__doc__, no_grad="it selects ids: fluid has no sequence_erase_grad",
                 lod=("X",), lod_out=("Out",))


@op.shape_rule
def _(op):
    x = op.in_var("X")
    if len(x.shape) != 2 or x.shape[1] not in (1, -1):
        raise ValueError(f"X ('{x.name}') must be a [T, 1] LoDTensor of ids, "
                         f"got shape {list(x.shape)}")
    return like(x, shape=(-1, 1))


@op.kernel("float32", "float64", "int32", "int64")
def sequence_erase(x, *, tokens, lod):
    xp = get_array_module(x)
    lod, = lod
    if not lod or lod[-1][-1] != x.size:
        raise ValueError(f"sequence_erase: X must be a LoDTensor whose last LoD level covers "
                         f"its {x.size} ids, got LoD {lod}")
    keep = ~xp.isin(x.reshape(-1), xp.asarray(tokens, x.dtype))
    kept = np.concatenate([[0], np.cumsum(keep.get() if hasattr(keep, "get") else keep)])
    last = [int(kept[o]) for o in lod[-1]]  # ids kept before each offset
    return x.reshape(-1)[keep].reshape(-1, 1), [lod[:-1] + [last]]
