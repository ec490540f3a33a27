"""edit_distance: the Levenshtein distance (insertions, deletions, substitutions of one id
each) from each hypothesis in Hyps to its reference in Refs.

    Out[i]      = d(hyp_i, ref_i), divided by len(ref_i) when `normalized`   float32 [N, 1]
    SequenceNum = N                                                         int64 [1]
    d(a, "") = len(a); d("", b) = len(b); otherwise the usual dynamic program

The sequences are the LoD of Hyps and Refs ([T, 1] LoDTensors, one level each) or, with
HypsLength and RefsLength, the first lengths[i] ids of row i of padded [N, T] tensors.
`normalized` needs every reference non-empty. A metric: no gradient. It runs on the host
(a read of the device on GPU); a row of the dynamic program is vectorised: the insertion
chain d[i, j] = min_k (t[k] + j - k) is one minimum.accumulate.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import register_op

op = register_op("edit_distance", inputs=["Hyps", "Refs", "HypsLength?", "RefsLength?"],
                 outputs=["Out", "SequenceNum"], attrs={"normalized": False}, doc=__doc__,
                 no_grad="a metric: fluid has no edit_distance_grad", lod=("Hyps", "Refs"))


@op.shape_rule
def _(op):
    hyps, refs = op.in_var("Hyps"), op.in_var("Refs")
    for slot, v in (("Hyps", hyps), ("Refs", refs)):
        if v.dtype.name not in ("int32", "int64"):
            raise TypeError(f"{slot} ('{v.name}') must be an int64 tensor of "
                            f"ids, got {v.dtype}")
    if op.input("HypsLength") and op.input("RefsLength"):
        lens = [op.in_var("HypsLength"), op.in_var("RefsLength")]
        firsts = {d for d in (hyps.shape[:1] + refs.shape[:1] + lens[0].shape[:1]
                              + lens[1].shape[:1]) if d != -1}
        if len(hyps.shape) != 2 or len(refs.shape) != 2 or len(firsts) > 1:
            raise ValueError(f"with HypsLength and RefsLength, Hyps and Refs "
                             f"must be padded 2-D [N, T] and the lengths [N], one N; got "
                             f"{list(hyps.shape)}, {list(refs.shape)}, "
                             f"{list(lens[0].shape)}, {list(lens[1].shape)}")
    else:
        for slot, v in (("Hyps", hyps), ("Refs", refs)):
            if len(v.shape) != 2 or v.shape[1] not in (1, -1):
                raise ValueError(f"{slot} ('{v.name}') must be a [T, 1] "
                                 f"LoDTensor (or give input_length and label_length for "
                                 f"padded [N, T] input), got shape {list(v.shape)}")
    return {"Out": ((-1, 1), np.float32), "SequenceNum": ((1,), np.int64)}


def levenshtein(a, b) -> int:
    """The edit distance of id arrays a and b (numpy), one vectorised row per id of a."""
    if len(a) == 0 or len(b) == 0:
        return len(a) + len(b)
    steps = np.arange(len(b) + 1)
    row = steps
    for i, x in enumerate(a, 1):
        t = np.empty_like(row)
        t[0] = i
        # deletion from the row above, or a substitution (free where the ids agree)
        t[1:] = np.minimum(row[1:] + 1, row[:-1] + (b != x))
        row = np.minimum.accumulate(t - steps) + steps  # then insertions along the row
    return int(row[-1])


def _pairs(hyps, refs, hyp_len, ref_len, lod):
    """(hypothesis, reference) id arrays per sequence."""
    if hyp_len is not None and ref_len is not None:
        h, r = hyp_len.reshape(-1).tolist(), ref_len.reshape(-1).tolist()
        for name, lens, a in (("HypsLength", h, hyps), ("RefsLength", r, refs)):
            if len(lens) != len(a) or any(n < 0 or n > a.shape[1] for n in lens):
                raise ValueError(f"edit_distance: {name} {lens} does not fit {len(a)} padded "
                                 f"rows of {a.shape[1]} ids")
        return [(hyps[i, :h[i]], refs[i, :r[i]]) for i in range(len(h))]
    for name, level in zip(("Hyps", "Refs"), lod):
        if not level:
            raise ValueError(f"edit_distance: {name} must be a LoDTensor (or give "
                             f"HypsLength and RefsLength for padded input)")
    (h,), (r,) = [level[-1:] for level in lod]
    if len(h) != len(r):
        raise ValueError(f"edit_distance: Hyps has {len(h) - 1} sequences and Refs "
                         f"{len(r) - 1}; they must pair up")
    hyps, refs = hyps.reshape(-1), refs.reshape(-1)
    return [(hyps[h[i]:h[i + 1]], refs[r[i]:r[i + 1]]) for i in range(len(h) - 1)]


@op.kernel("float32", "float64", "int32", "int64")
def edit_distance(hyps, refs, hyps_length, refs_length, *, normalized, lod):
    xp = get_array_module(hyps)
    host = [None if a is None else (a.get() if hasattr(a, "get") else np.asarray(a))
            for a in (hyps, refs, hyps_length, refs_length)]
    pairs = _pairs(*host, lod)
    out = np.zeros((len(pairs), 1), np.float32)
    for i, (a, b) in enumerate(pairs):
        if normalized and len(b) == 0:
            raise ValueError(f"edit_distance: reference {i} is empty, which normalized=True "
                             f"cannot divide by")
        d = levenshtein(a, b)
        out[i] = d / len(b) if normalized else d
    return xp.asarray(out), xp.asarray([len(pairs)], np.int64)
