"""chunk_eval: precision, recall and F1 of the chunks (named entities, phrases) that tag
sequences Inference and Label mark, counted over a batch of sequences.

    a tag id t codes (type, tag) = (t // num_tag_types, t % num_tag_types); type
    num_chunk_types is "outside" (O). num_tag_types and the tags per scheme:
        IOB 2: B=0 I=1    IOE 2: I=0 E=1    IOBES 4: B=0 I=1 E=2 S=3    plain 1: none
    A chunk is a maximal run of one type that the scheme does not split: it starts after O,
    at a change of type, at B or S, or at I/E after E or S; it ends before O, at a change
    of type, after E or S, or before B or S.
    NumInferChunks, NumLabelChunks: the chunks of each, not counting excluded_chunk_types
    NumCorrectChunks: chunks (begin, end, type) found in both, not excluded
    Precision = correct / infer, Recall = correct / label (0 where the count is 0),
    F1-Score = 2 P R / (P + R) (0 when nothing is correct)

The sequences are Label's LoD (one level; Inference's must be the same) or, with
SeqLength, the rows of padded [N, T] (or [N, T, 1]) tensors, row i's first SeqLength[i]
tags. The rates are float32, the counts int64, as fluid's. A metric: no gradient. It runs
on the host (a read of the device on GPU): the chunks are a sequential scan.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import register_op

OUTS = ["Precision", "Recall", "F1-Score", "NumInferChunks", "NumLabelChunks",
        "NumCorrectChunks"]
# scheme -> (num_tag_types, begin, inside, end, single); -1: the scheme has no such tag
SCHEMES = {"IOB": (2, 0, 1, -1, -1), "IOE": (2, -1, 0, 1, -1), "IOBES": (4, 0, 1, 2, 3),
           "plain": (1, -1, -1, -1, -1)}

op = register_op("chunk_eval", inputs=["Inference", "Label", "SeqLength?"], outputs=OUTS,
                 attrs={"num_chunk_types": 0, "chunk_scheme": "IOB",
                        "excluded_chunk_types": []},
                 doc=__doc__, no_grad="a metric: fluid has no chunk_eval_grad",
                 lod=("Label", "Inference"))


@op.shape_rule
def _(op):
    infer, label = op.in_var("Inference"), op.in_var("Label")
    for slot, v in (("Inference", infer), ("Label", label)):
        if v.dtype.name not in ("int32", "int64"):
            raise TypeError(f"{slot} ('{v.name}') must be an int64 tensor of tag "
                            f"ids, got {v.dtype}")
    if tuple(infer.shape) != tuple(label.shape):
        raise ValueError(f"Inference ('{infer.name}') and Label ('{label.name}') "
                         f"must have one shape, got {list(infer.shape)} and "
                         f"{list(label.shape)}")
    if op.input("SeqLength"):
        s = infer.shape
        if not (len(s) == 2 or len(s) == 3 and s[2] in (1, -1)):
            raise ValueError(f"with SeqLength, Inference ('{infer.name}') must be "
                             f"padded [N, T] or [N, T, 1], got {list(s)}")
        if len(op.in_var("SeqLength").shape) > 2:
            raise ValueError(f"SeqLength must have rank 1 or 2, got shape "
                             f"{list(op.in_var('SeqLength').shape)}")
    if op.attr("chunk_scheme") not in SCHEMES:
        raise ValueError(f"chunk_scheme must be one of {sorted(SCHEMES)}, got "
                         f"{op.attr('chunk_scheme')!r}")
    if op.attr("num_chunk_types") < 1:
        raise ValueError(f"num_chunk_types must be >= 1, got "
                         f"{op.attr('num_chunk_types')}")
    return {s: ((1,), np.float32 if i < 3 else np.int64) for i, s in enumerate(OUTS)}


def _ends(prev_tag, prev_type, tag, typ, other, scheme):
    """Whether a chunk open at the previous tag ends there (before this one)."""
    _, begin, inside, end, single = scheme
    if prev_type == other:
        return False
    if typ == other or typ != prev_type or prev_tag in (end, single):
        return True
    return prev_tag in (begin, inside) and tag in (begin, single)


def _begins(prev_tag, prev_type, tag, typ, other, scheme):
    """Whether a chunk begins at this tag."""
    _, begin, inside, end, single = scheme
    if prev_type == other or typ == other:
        return typ != other
    if typ != prev_type or tag in (begin, single):
        return True
    return tag in (inside, end) and prev_tag in (end, single)


def chunks(tags, num_types, scheme):
    """The set of chunks (begin, end, type) in a sequence of tag ids (all >= 0, so a tag
    never equals a scheme's missing -1)."""
    rules = SCHEMES[scheme]
    found, start = set(), None
    prev_tag, prev_type = -1, num_types  # before the sequence: outside
    for i, t in enumerate(tags):
        tag, typ = t % rules[0], t // rules[0]
        if start is not None and _ends(prev_tag, prev_type, tag, typ, num_types, rules):
            found.add((start, i - 1, prev_type))
            start = None
        if _begins(prev_tag, prev_type, tag, typ, num_types, rules):
            start = i
        prev_tag, prev_type = tag, typ
    if start is not None:
        found.add((start, len(tags) - 1, prev_type))
    return found


def _sequences(where, infer, label, seq_length, lod):
    """(inference tags, label tags) per sequence, as host int lists."""
    if seq_length is not None:
        lengths = seq_length.reshape(-1).tolist()
        rows_i, rows_l = infer.reshape(infer.shape[:2]), label.reshape(label.shape[:2])
        if len(lengths) != len(rows_i) or any(n < 0 or n > rows_i.shape[1] for n in lengths):
            raise ValueError(f"{where}: SeqLength {lengths} does not fit {rows_i.shape[0]} "
                             f"padded rows of {rows_i.shape[1]} tags")
        return [(rows_i[k, :n].tolist(), rows_l[k, :n].tolist())
                for k, n in enumerate(lengths)]
    label_lod, infer_lod = lod
    if len(label_lod) != 1:
        raise ValueError(f"{where}: Label must be a LoDTensor with one level of LoD (or give "
                         f"SeqLength for padded input), got LoD {label_lod}")
    if infer_lod and infer_lod != label_lod:
        raise ValueError(f"{where}: Inference and Label must have the same LoD, got "
                         f"{infer_lod} and {label_lod}")
    offsets, flat_i, flat_l = label_lod[0], infer.reshape(-1), label.reshape(-1)
    return [(flat_i[a:b].tolist(), flat_l[a:b].tolist())
            for a, b in zip(offsets[:-1], offsets[1:])]


@op.kernel("float32", "float64", "int32", "int64")
def chunk_eval(infer, label, seq_length, *, num_chunk_types, chunk_scheme,
               excluded_chunk_types, lod):
    xp = get_array_module(infer)
    host = [None if a is None else (a.get() if hasattr(a, "get") else np.asarray(a))
            for a in (infer, label, seq_length)]
    top = num_chunk_types * SCHEMES[chunk_scheme][0]
    seqs = _sequences("chunk_eval", *host, lod)
    for k, pair in enumerate(seqs):  # padding past a sequence's length is not read
        for name, tags in zip(("Inference", "Label"), pair):
            if tags and (min(tags) < 0 or max(tags) > top):
                raise ValueError(f"chunk_eval: {name} holds tag ids outside [0, {top}] in "
                                 f"sequence {k} (num_chunk_types {num_chunk_types} x the "
                                 f"{chunk_scheme} scheme's tags, and {top} for outside)")
    excluded = set(excluded_chunk_types)
    n_infer = n_label = n_correct = 0
    for tags_i, tags_l in seqs:
        got = {c for c in chunks(tags_i, num_chunk_types, chunk_scheme) if c[2] not in excluded}
        want = {c for c in chunks(tags_l, num_chunk_types, chunk_scheme) if c[2] not in excluded}
        n_infer, n_label, n_correct = n_infer + len(got), n_label + len(want), \
            n_correct + len(got & want)
    p = np.float32(n_correct / n_infer if n_infer else 0)
    r = np.float32(n_correct / n_label if n_label else 0)
    f1 = np.float32(2 * p * r / (p + r) if n_correct else 0)
    return tuple(xp.asarray([v], dtype) for v, dtype in (
        (p, np.float32), (r, np.float32), (f1, np.float32), (n_infer, np.int64),
        (n_label, np.int64), (n_correct, np.int64)))
