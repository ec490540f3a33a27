"""Sequence metric layers with fluid 1.8 signatures (issue 15): chunk_eval, edit_distance."""
from __future__ import annotations

from ..checks import check_bool, check_int, check_ints, check_str, check_var_dtype
from .helper import LayerHelper, building

__all__ = ["chunk_eval", "edit_distance"]

SCHEMES = ("IOB", "IOE", "IOBES", "plain")


def chunk_eval(input, label, chunk_scheme, num_chunk_types, excluded_chunk_types=None,
               seq_length=None):
    """Precision, recall and F1 of the chunks tagged in `input` (predicted tag ids, int64)
    against `label`, under `chunk_scheme` ('IOB', 'IOE', 'IOBES' or 'plain') with
    `num_chunk_types` types (tag id = type * tags_per_type + tag; type num_chunk_types is
    outside). The sequences are the LoD of `input` and `label` (LoDTensors of [T, 1]) or,
    with `seq_length` (int64 [N]), the first seq_length[i] tags of the padded rows [N, T]
    (or [N, T, 1]). Chunks of `excluded_chunk_types` are not counted.

    Returns (precision, recall, f1_score, num_infer_chunks, num_label_chunks,
    num_correct_chunks): float32 [1] the first three, int64 [1] the counts (feed those to
    fluid.metrics.ChunkEvaluator to add up batches).

    Example:
        tags = fluid.data("tags", [None, 1], "int64", lod_level=1)
        gold = fluid.data("gold", [None, 1], "int64", lod_level=1)
        p, r, f1, n_infer, n_label, n_correct = fluid.layers.chunk_eval(
            tags, gold, chunk_scheme="IOB", num_chunk_types=3)
    """
    where = "chunk_eval"
    check_var_dtype(where, "input", input, ("int64",))
    check_var_dtype(where, "label", label, ("int64",))
    check_str(where, "chunk_scheme", chunk_scheme, SCHEMES)
    check_int(where, "num_chunk_types", num_chunk_types, 1)
    excluded = [] if excluded_chunk_types is None else check_ints(
        where, "excluded_chunk_types", excluded_chunk_types, 0)
    check_var_dtype(where, "seq_length", seq_length, ("int64",), none=True)
    ins = {"Inference": input, "Label": label}
    if seq_length is not None:
        ins["SeqLength"] = seq_length
    try:
        with building():
            helper = LayerHelper(where)
            outs = [helper.tmp() for _ in range(6)]
            helper.append_op(where, ins, dict(zip(
                ["Precision", "Recall", "F1-Score", "NumInferChunks", "NumLabelChunks",
                 "NumCorrectChunks"], outs)),
                {"num_chunk_types": int(num_chunk_types), "chunk_scheme": chunk_scheme,
                 "excluded_chunk_types": excluded})
    except ValueError as e:  # the op's slots are Inference and Label: name the arguments
        raise ValueError(f"{where}(input='{input.name}', label='{label.name}'): {e}") from None
    return tuple(outs)


def edit_distance(input, label, normalized=True, ignored_tokens=None, input_length=None,
                  label_length=None):
    """The Levenshtein distance from each sequence of ids in `input` (hypotheses, int64) to
    the sequence of `label` (references) it pairs with, divided by the reference's length
    when `normalized`. The sequences are the LoD of `input` and `label` ([T, 1]
    LoDTensors) or, with `input_length` and `label_length` (int64 [N]), the first ids of
    the rows of padded [N, T] tensors. Ids in `ignored_tokens` are taken out first (a
    sequence_erase op on each, which needs LoD input, as in fluid).

    Returns (distance float32 [N, 1], sequence_num int64 [1]); fluid.metrics.EditDistance
    adds them up over batches.

    Example:
        hyp = fluid.data("hyp", [None, 1], "int64", lod_level=1)
        ref = fluid.data("ref", [None, 1], "int64", lod_level=1)
        distance, seq_num = fluid.layers.edit_distance(hyp, ref, normalized=False)
    """
    where = "edit_distance"
    check_var_dtype(where, "input", input, ("int64",))
    check_var_dtype(where, "label", label, ("int64",))
    normalized = check_bool(where, "normalized", normalized)
    tokens = [] if ignored_tokens is None else check_ints(where, "ignored_tokens",
                                                          ignored_tokens)
    check_var_dtype(where, "input_length", input_length, ("int64",), none=True)
    check_var_dtype(where, "label_length", label_length, ("int64",), none=True)
    if (input_length is None) != (label_length is None):
        raise ValueError(f"{where}: give both input_length and label_length (padded input) "
                         f"or neither (LoD input), got only "
                         f"{'input_length' if label_length is None else 'label_length'}")
    names = f"input='{input.name}', label='{label.name}'"
    try:
        with building():
            helper = LayerHelper(where)
            if tokens:  # fluid 1.8 erases them with sequence_erase ops
                erased = []
                for v in (input, label):
                    out = helper.tmp()
                    helper.append_op("sequence_erase", {"X": v}, {"Out": out},
                                     {"tokens": tokens})
                    erased.append(out)
                input, label = erased
            ins = {"Hyps": input, "Refs": label}
            if input_length is not None:
                ins.update(HypsLength=input_length, RefsLength=label_length)
            distance, seq_num = helper.tmp(), helper.tmp()
            helper.append_op(where, ins, {"Out": distance, "SequenceNum": seq_num},
                             {"normalized": normalized})
    except ValueError as e:  # the op's slots are Hyps and Refs: name the arguments
        raise ValueError(f"{where}({names}): {e}") from None
    return distance, seq_num
