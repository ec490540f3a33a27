"""lookup_table, lookup_table_v2: rows of the table W picked by integer ids (embeddings).

    lookup_table:    Ids [..., 1] -> Out [..., D]     Out[i] = W[Ids[i]]
    lookup_table_v2: Ids [...]    -> Out [..., D]     (fluid.embedding: no trailing 1)
    Out[i] = 0 where Ids[i] == padding_idx (-1: no padding)
    W@GRAD[r] = sum of dOut[i] over the i with Ids[i] == r (repeats add up), 0 at padding_idx

With is_sparse the gradient is a SelectedRows of the rows looked up (one value row per id,
padding rows zero), which the optimizers apply to those rows only. W may be a SelectedRows
(fluid's op tests feed one): an id then names a row of it by its row id.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op
from minifluid.selected_rows import SelectedRows

from .rules import like

# fluid 1.8's attrs; the distributed ones (remote_prefetch and after) are kept for programs
# that carry them and have no effect here
ATTRS = {"is_sparse": False, "is_distributed": False, "padding_idx": -1, "grad_inplace": False,
         "remote_prefetch": False, "trainer_id": 0, "height_sections": [], "epmap": [],
         "table_names": []}
KERNEL_DTYPES = ("float32", "float64", "int8")  # fluid 1.8's CPU kernels (int8: inference)


def _shape_rule(v2):
    def rule(op):
        w, ids = op.in_var("W"), op.in_var("Ids")
        if len(w.shape) != 2:
            raise ValueError(f"W ('{w.name}') must be a 2-D table [rows, width], got shape "
                             f"{list(w.shape)}")
        if ids.dtype.name not in ("int32", "int64"):
            raise TypeError(f"Ids ('{ids.name}') must be int64 (or int32), got {ids.dtype}")
        if not v2 and (not ids.shape or ids.shape[-1] not in (1, -1)):
            raise ValueError(f"the last dimension of Ids ('{ids.name}') must be 1, got shape "
                             f"{list(ids.shape)} (fluid.embedding takes ids without it)")
        lead = tuple(ids.shape) if v2 else tuple(ids.shape[:-1])
        return like(ids, dtype=w.dtype, shape=lead + (w.shape[1],))
    rule.__name__ = f"lookup_table{'_v2' if v2 else ''}_shape"
    return rule


def _positions(op_type, w, ids, padding_idx):
    """Ids as a flat int64 array of row positions in W's value, and the padding mask."""
    xp = get_array_module(ids)
    flat = ids.reshape(-1).astype(np.int64)
    pad = flat == padding_idx if padding_idx != -1 else None
    height = w.height() if w.__class__ is SelectedRows else w.shape[0]
    if flat.size:
        check = flat if pad is None else flat[~pad]
        if check.size and (int(check.min()) < 0 or int(check.max()) >= height):  # a device read
            bad = check[(check < 0) | (check >= height)]
            raise ValueError(f"{op_type}: Ids hold {int(bad[0])}, outside the table's rows "
                             f"[0, {height})")
    if w.__class__ is SelectedRows:  # a row id -> where that row is in the value
        index = {r: i for i, r in enumerate(w.rows())}
        host = np.asarray(flat.get() if hasattr(flat, "get") else flat)
        missing = sorted({int(r) for r in host if int(r) not in index and r != padding_idx})
        if missing:
            raise ValueError(f"{op_type}: Ids hold rows {missing[:5]} that the SelectedRows W "
                             f"does not have")
        flat = xp.asarray([index.get(int(r), 0) for r in host], dtype=np.int64)
    return flat, pad


def _lookup(op_type, v2):
    def kernel(w, ids, *, padding_idx, **_):
        flat, pad = _positions(op_type, w, ids, padding_idx)
        table = w.value if w.__class__ is SelectedRows else w
        out = table[flat]  # a copy: fancy indexing
        if pad is not None:
            out[pad] = 0
        lead = ids.shape if v2 else ids.shape[:-1]
        return out.reshape(tuple(lead) + (table.shape[1],))
    kernel.__name__ = kernel.__qualname__ = op_type
    return kernel


def _grad_kernel(op_type):
    def kernel(w, ids, dout, *, is_sparse, padding_idx, **_):
        xp = get_array_module(dout)
        flat = ids.reshape(-1).astype(np.int64)
        rows = dout.reshape(-1, w.shape[1])
        if padding_idx != -1:
            rows = xp.where((flat == padding_idx)[:, None], rows.dtype.type(0), rows)
        if is_sparse:  # the rows looked up, repeats kept (the optimizers add them up)
            host = flat.get() if hasattr(flat, "get") else flat
            return SelectedRows(host.tolist(), w.shape[0], xp.ascontiguousarray(rows))
        dw = xp.zeros(tuple(w.shape), dout.dtype)
        if flat.size:
            xp.add.at(dw, flat, rows)
        return dw
    kernel.__name__ = kernel.__qualname__ = op_type + "_grad"
    return kernel


for _type, _v2 in (("lookup_table", False), ("lookup_table_v2", True)):
    # W first: kernels are chosen by the first input's dtype
    op = register_op(_type, inputs=["W", "Ids"], outputs=["Out"], attrs=ATTRS, doc=__doc__,
                     sparse=("W",))
    op.shape_rule(_shape_rule(_v2))
    op.kernel(*KERNEL_DTYPES)(_lookup(_type, _v2))
    op.default_grad(inputs=("W", "Ids"), grads=("W",))

    grad = register_op(_type + "_grad", inputs=["W", "Ids", grad_name("Out")],
                       outputs=[grad_name("W") + "?"], attrs=ATTRS)
    grad.kernel("float32", "float64")(_grad_kernel(_type))
