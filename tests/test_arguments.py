"""A fuzzer over the public entry points: every argument of every callable in TABLE gets every
value of POOL. Which values are valid is written here, independently of minifluid, from
fluid 1.8's documented signatures: a valid value must build (and the program run); an
invalid one must raise TypeError or ValueError whose message names the callable and the
argument, and leave the programs as they were. All failures are reported at once.
"""
from __future__ import annotations

import math
import re
import os
from collections import Counter

import numpy as np

import minifluid as fluid
from minifluid import layers
from minifluid.compat import tf
from minifluid.initializer import MSRA, Constant, Normal, TruncatedNormal, Uniform, Xavier
from minifluid.optimizer import SGD, Adagrad, Adam, Momentum
from minifluid.regularizer import L2Decay

DTYPES = ("float16", "float32", "float64", "int32", "int64", "bool", "uint8")
ACTS = ("sigmoid", "relu", "tanh", "softmax")


class Ctx:
    """One trial's programs and the Variables the pool and the valid calls use."""

    def __init__(self):
        self.main, self.startup = fluid.Program(), fluid.Program()
        self.other_main = fluid.Program()
        with fluid.program_guard(self.other_main, fluid.Program()):
            self.other = fluid.data("other", [3, 3], "float32")
        self._guard = fluid.program_guard(self.main, self.startup)
        self._guard.__enter__()
        self.x = fluid.data("x", [3, 3], "float32")
        self.lr = layers.create_global_var([1], 0.1, "float32", persistable=True, name="lr")
        self._loss = None

    @property
    def loss(self):
        if self._loss is None:
            self._loss = layers.mean(layers.fc(self.x, 1))
        return self._loss

    def close(self):
        self._guard.__exit__(None, None, None)

    def state(self):
        return [(len(b.ops), tuple(b.vars)) for p in (self.main, self.startup, self.other_main)
                for b in p.blocks]


# The pool: (label, factory of the value in a trial's Ctx).
POOL = [(repr(v), (lambda c, v=v: v)) for v in (
    None, True, False, np.bool_(True), np.bool_(False), 0, 1, -1, 3, np.int64(3),
    np.int32(-2), 2 ** 70, 0.5, -0.5, 1.0, np.float32(0.5), np.float64(2.0), math.nan,
    math.inf, -math.inf, "1", "", b"x", "float32", "int64", "relu", "mean",
    "upscale_in_train", [], [1], (1, 2), [0, -1], [3, 3], {}, np.ones(2))]
POOL += [
    ("object()", lambda c: object()),
    ("np.float64 (type)", lambda c: np.float64),
    ("np.dtype('int32')", lambda c: np.dtype("int32")),
    ("Variable x [3, 3]", lambda c: c.x),
    ("[x]", lambda c: [c.x]),
    ("Variable lr [1]", lambda c: c.lr),
    ("Variable loss", lambda c: c.loss),
    ("Variable of another Program", lambda c: c.other),
    ("[Variable of another Program]", lambda c: [c.other]),
    ("Program()", lambda c: fluid.Program()),
    ("ParamAttr()", lambda c: fluid.ParamAttr()),
    ("Constant(0.5)", lambda c: Constant(0.5)),
    ("L2Decay(0.1)", lambda c: L2Decay(0.1)),
]

UNSUPPORTED = "unsupported"  # a spec's answer for a value that may raise NotImplementedError


# Kinds, written here from fluid's documentation (not from minifluid's checks).
def is_bool(v):
    return isinstance(v, (bool, np.bool_))


def is_int(v):
    return isinstance(v, (int, np.integer)) and not is_bool(v)


def is_real(v):
    return is_int(v) or isinstance(v, (float, np.floating))


def is_var(v, c):
    return v is c.x or v is c.lr or (c._loss is not None and v is c._loss)


def NONE(v, c):
    return v is None


def BOOL(v, c):
    return is_bool(v)


def STR(v, c):
    return isinstance(v, str)


def NONEMPTY_STR(v, c):
    return isinstance(v, str) and v != ""


def NEVER(v, c):
    return False


def X(v, c):
    return v is c.x


def VAR(v, c):
    return is_var(v, c)


def LR(v, c):  # a one-element Variable of the program
    return v is c.lr or (c._loss is not None and v is c._loss)


LOSS = LR


def PROGRAM(v, c):
    return isinstance(v, fluid.Program)


def INT(lo=None, hi=2 ** 63 - 1):  # ints go into attrs and shapes: int64 at most
    return lambda v, c: is_int(v) and (lo is None or v >= lo) and (hi is None or v <= hi)


def FLOAT(lo=-math.inf, hi=math.inf, open_lo=False, open_hi=False, finite=True, ints=True):
    def ok(v, c):
        if not (is_real(v) and (ints or not is_int(v))):
            return False
        f = float(v)
        if math.isnan(f):
            return not finite
        if finite and math.isinf(f):
            return False
        return (f > lo if open_lo else f >= lo) and (f < hi if open_hi else f <= hi)
    return ok


def ONE_OF(*choices):
    return lambda v, c: isinstance(v, str) and v in choices


def LIST_OF(item, nonempty=False):
    return lambda v, c: (isinstance(v, (list, tuple)) and (len(v) > 0 or not nonempty)
                         and all(item(i, c) for i in v))


def ANY(*preds):
    return lambda v, c: any(p(v, c) for p in preds)


def INSTANCE(cls):
    return lambda v, c: isinstance(v, cls)


def DTYPE(v, c):
    if isinstance(v, str):
        return v in DTYPES
    if isinstance(v, np.dtype):
        return v.name in DTYPES
    return isinstance(v, type) and issubclass(v, np.generic) and np.dtype(v).name in DTYPES


def FLOAT_DTYPE(*names):
    return lambda v, c: DTYPE(v, c) and np.dtype(v).name in names


def like_shape(v, c):
    """A batch_size_like shape with output_dim_idx 0: an int >= -1 there, ints >= 0 after."""
    return LIST_OF(INT(-1), nonempty=True)(v, c) and all(d >= 0 for d in v[1:])


SEED32 = INT(0, 2 ** 31 - 1)  # the random layers' seed: fluid's seed attr is an int32
NAME = ANY(NONE, STR)
ACT = ANY(NONE, ONE_OF(*ACTS))
VARS = ANY(X, LIST_OF(X, nonempty=True))
ATTR = ANY(NONE, BOOL, STR, INSTANCE(fluid.ParamAttr), INSTANCE(Constant))
NO_GRAD = ANY(NONE, lambda v, c: isinstance(v, (list, tuple, set))
              and all(is_var(i, c) or isinstance(i, str) for i in v))


def reshapes_x(v, c):
    """Whether `v` is a shape that [3, 3] can take: 0 copies, one -1 is inferred."""
    if not isinstance(v, (list, tuple)) or not all(is_int(d) for d in v):
        return False
    if sum(d == -1 for d in v) > 1 or any(d < -1 for d in v):
        return False
    if any(d == 0 and i >= 2 for i, d in enumerate(v)):
        return False
    dims = [3 if d == 0 else d for d in v]
    known = math.prod(d for d in dims if d != -1)
    return known == 9 if -1 not in dims else known > 0 and 9 % known == 0


def callbacks(v, c):
    if v is None or (isinstance(v, (list, tuple)) and not v):
        return True
    return UNSUPPORTED if isinstance(v, (list, tuple)) else False


def target_grads(v, c):
    vs = v if isinstance(v, (list, tuple)) else [v]
    return v is None or (len(vs) == 1 and is_var(vs[0], c) and vs[0].shape == c.loss.shape)


def fill_value(v, c):
    return is_real(v)  # the table's dtype is float32: any number, nan and inf included


class Entry:
    def __init__(self, label, where, call, valid, specs, run=True):
        self.label, self.where, self.call, self.valid = label, where, call, valid
        self.specs, self.run = specs, run


def with_block(c, **kw):
    blk = c.main.global_block()
    return blk.append_op(kw.pop("type"), kw.pop("inputs"), kw.pop("outputs"), kw)


TABLE = [
    Entry("fc", "fc", lambda c, **k: layers.fc(**k), lambda c: dict(input=c.x, size=2),
          dict(input=VARS, size=INT(1), num_flatten_dims=INT(1, 1),
               param_attr=ANY(NONE, STR, INSTANCE(fluid.ParamAttr), INSTANCE(Constant),
                              lambda v, c: v is True or v is np.bool_(True),
                              LIST_OF(INSTANCE(fluid.ParamAttr), nonempty=True)),
               bias_attr=ATTR, act=ACT, name=NAME)),
]
for _r in ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod"):
    TABLE.append(Entry(_r, _r, lambda c, _r=_r, **k: getattr(layers, _r)(**k),
                       lambda c: dict(input=c.x),
                       dict(input=VAR, dim=ANY(NONE, INT(-2, 1), LIST_OF(INT(-2, 1))),
                            keep_dim=BOOL, name=NAME)))
for _r in ("reduce_all", "reduce_any"):  # bool input: the pool's Variables are float
    TABLE.append(Entry(_r, _r, lambda c, _r=_r, **k: getattr(layers, _r)(**k),
                       lambda c: dict(input=layers.cast(c.x, "bool")),
                       dict(input=NEVER, dim=ANY(NONE, INT(-2, 1), LIST_OF(INT(-2, 1))),
                            keep_dim=BOOL, name=NAME)))
TABLE.append(Entry("softmax", "softmax", lambda c, **k: layers.softmax(**k),
                   lambda c: dict(input=c.x),
                   dict(input=VAR, use_cudnn=BOOL, name=NAME, axis=INT(-2, 1))))
for _e in ("elementwise_add", "elementwise_sub", "elementwise_mul", "elementwise_div"):
    TABLE.append(Entry(_e, _e, lambda c, _e=_e, **k: getattr(layers, _e)(**k),
                       lambda c: dict(x=c.x, y=c.x),
                       dict(x=VAR, y=VAR, axis=ANY(INT(-1, -1), INT(0, 0)), act=ACT, name=NAME)))
# The compare layers: x and y float32/float64/int32/int64 Variables, y broadcasting to x
# (the pool's [1] Variables do as y, not as x); cond a bool Variable (the pool has none).
for _c in ("less_than", "less_equal", "greater_than", "greater_equal", "equal", "not_equal"):
    TABLE.append(Entry(_c, _c, lambda c, _c=_c, **k: getattr(layers, _c)(**k),
                       lambda c: dict(x=c.x, y=c.x),
                       dict(x=X, y=VAR, cond=NONE,
                            **({"force_cpu": ANY(NONE, BOOL)} if _c == "less_than" else {}))))
TABLE.append(Entry("elementwise_equal", "elementwise_equal",
                   lambda c, **k: layers.elementwise_equal(**k), lambda c: dict(x=c.x, y=c.x),
                   dict(x=X, y=VAR, name=NAME)))
for _e in ("elementwise_max", "elementwise_min", "elementwise_pow", "elementwise_mod"):
    TABLE.append(Entry(_e, _e, lambda c, _e=_e, **k: getattr(layers, _e)(**k),
                       lambda c: dict(x=c.x, y=c.x),
                       dict(x=VAR, y=VAR, axis=ANY(INT(-1, -1), INT(0, 0)), act=ACT, name=NAME)))
# int32/int64 only (the pool's Variables are float); an activation of ints is refused
TABLE.append(Entry("elementwise_floordiv", "elementwise_floordiv",
                   lambda c, **k: layers.elementwise_floordiv(**k),
                   lambda c: dict(x=layers.cast(c.x, "int64"), y=layers.cast(c.x, "int64")),
                   dict(x=NEVER, y=NEVER, axis=ANY(INT(-1, -1), INT(0, 0)), act=NONE,
                        name=NAME)))
for _f in ("has_inf", "has_nan", "isfinite"):
    TABLE.append(Entry(_f, _f, lambda c, _f=_f, **k: getattr(layers, _f)(**k),
                       lambda c: dict(x=c.x), dict(x=VAR)))
TABLE += [
    Entry("clip", "clip", lambda c, **k: layers.clip(**k),
          lambda c: dict(x=c.x, min=-1.0, max=1.0),
          dict(x=VAR, min=FLOAT(hi=1.0, open_hi=True), max=FLOAT(lo=-1.0, open_lo=True),
               name=NAME)),
    Entry("clip_by_norm", "clip_by_norm", lambda c, **k: layers.clip_by_norm(**k),
          lambda c: dict(x=c.x, max_norm=1.0),
          dict(x=VAR, max_norm=FLOAT(0, open_lo=True), name=NAME)),
]
TABLE.append(Entry("cumsum", "cumsum", lambda c, **k: layers.cumsum(**k), lambda c: dict(x=c.x),
                   dict(x=VAR, axis=ANY(NONE, INT(-2, 1)), exclusive=ANY(NONE, BOOL),
                        reverse=ANY(NONE, BOOL))))
TABLE.append(Entry("where", "where", lambda c, **k: layers.where(**k),  # a bool condition
                   lambda c: dict(condition=layers.cast(c.x, "bool")), dict(condition=NEVER)))
# The logical layers: bool Variables (the pool's are float), out a bool Variable
for _l in ("logical_and", "logical_or", "logical_xor", "logical_not"):
    TABLE.append(Entry(_l, _l, lambda c, _l=_l, **k: getattr(layers, _l)(**k),
                       (lambda c: dict(x=layers.cast(c.x, "bool"))) if _l == "logical_not" else
                       (lambda c: dict(x=layers.cast(c.x, "bool"), y=layers.cast(c.x, "bool"))),
                       dict(x=NEVER, out=NONE, name=NAME,
                            **({} if _l == "logical_not" else {"y": NEVER}))))
TABLE += [
    Entry("matmul", "matmul", lambda c, **k: layers.matmul(**k), lambda c: dict(x=c.x, y=c.x),
          dict(x=X, y=X, transpose_x=BOOL, transpose_y=BOOL, alpha=FLOAT(), name=NAME)),
    Entry("mul", "mul", lambda c, **k: layers.mul(**k), lambda c: dict(x=c.x, y=c.x),
          dict(x=X, y=X, x_num_col_dims=INT(1, 1), y_num_col_dims=INT(1, 1), name=NAME)),
    Entry("reshape", "reshape", lambda c, **k: layers.reshape(**k),
          lambda c: dict(x=c.x, shape=[9]),
          dict(x=X, shape=reshapes_x,
               actual_shape=NONE,  # or a 1-D int Variable: the pool's are float
               act=ACT, inplace=BOOL, name=NAME)),
    Entry("concat", "concat", lambda c, **k: layers.concat(**k),
          lambda c: dict(input=[c.x, c.x]),
          # a single Variable stands for a list of one, as in fluid 1.8
          dict(input=ANY(VAR, LIST_OF(X, nonempty=True)), axis=INT(-2, 1), name=NAME)),
    Entry("cast", "cast", lambda c, **k: layers.cast(**k),
          lambda c: dict(x=c.x, dtype="float64"), dict(x=VAR, dtype=DTYPE)),
    Entry("scale", "scale", lambda c, **k: layers.scale(**k), lambda c: dict(x=c.x),
          dict(x=VAR, scale=ANY(FLOAT(), LR), bias=FLOAT(), bias_after_scale=BOOL, act=ACT,
               name=NAME)),  # a one-element float Variable is the op's ScaleTensor
    Entry("dropout", "dropout", lambda c, **k: layers.dropout(**k),
          lambda c: dict(x=c.x, dropout_prob=0.5),
          dict(x=VAR, dropout_prob=FLOAT(0, 1), is_test=BOOL, seed=ANY(NONE, INT(0)), name=NAME,
               dropout_implementation=ONE_OF("downgrade_in_infer", "upscale_in_train"))),
    Entry("fill_constant", "fill_constant", lambda c, **k: layers.fill_constant(**k),
          lambda c: dict(shape=[2], dtype="float32", value=1.0),
          dict(shape=LIST_OF(INT(0), nonempty=True),  # fluid 1.8 asserts a non-empty shape
               dtype=DTYPE, value=ANY(fill_value, LR), force_cpu=BOOL, out=ANY(NONE, VAR))),
    # fluid 1.8's random layers: shape a non-empty list of ints (or of ints and 1-element
    # int Variables, or a 1-D int Variable: the pool's Variables are float); float dtypes.
    # minifluid allows min == max (a constant), which fluid's op refuses.
    Entry("uniform_random", "uniform_random", lambda c, **k: layers.uniform_random(**k),
          lambda c: dict(shape=[2, 3]),
          dict(shape=LIST_OF(INT(0), nonempty=True), dtype=FLOAT_DTYPE("float32", "float64"),
               min=FLOAT(hi=1.0), max=FLOAT(lo=-1.0), seed=SEED32)),
    Entry("gaussian_random", "gaussian_random", lambda c, **k: layers.gaussian_random(**k),
          lambda c: dict(shape=[2, 3]),
          dict(shape=LIST_OF(INT(0), nonempty=True), mean=FLOAT(), std=FLOAT(0), seed=SEED32,
               dtype=FLOAT_DTYPE("float32", "float64"))),
    # shape[output_dim_idx] is replaced by input's dim input_dim_idx; the other dims are >= 0
    Entry("uniform_random_batch_size_like", "uniform_random_batch_size_like",
          lambda c, **k: layers.uniform_random_batch_size_like(**k),
          lambda c: dict(input=c.x, shape=[2, 2]),
          dict(input=VAR, shape=like_shape, dtype=FLOAT_DTYPE("float32", "float64"),
               input_dim_idx=INT(0, 1), output_dim_idx=INT(0, 1), min=FLOAT(hi=1.0),
               max=FLOAT(lo=-1.0), seed=SEED32)),
    Entry("gaussian_random_batch_size_like", "gaussian_random_batch_size_like",
          lambda c, **k: layers.gaussian_random_batch_size_like(**k),
          lambda c: dict(input=c.x, shape=[2, 2]),
          dict(input=VAR, shape=like_shape, input_dim_idx=INT(0, 1), output_dim_idx=INT(0, 1),
               mean=FLOAT(), std=FLOAT(0), seed=SEED32,
               dtype=FLOAT_DTYPE("float16", "float32", "float64"))),
    # fluid 1.8's full_like: fill_any_like with the input's dtype, or `dtype`
    Entry("full_like", "full_like", lambda c, **k: layers.full_like(**k),
          lambda c: dict(input=c.x, fill_value=2.0),
          # out: another Variable of input's shape and dtype (none in the pool); the fill
          # value 2.0 fits every dtype but bool; a float one must be finite and fit float32
          dict(input=VAR, fill_value=lambda v, c: is_real(v) and abs(v) <= 3.4e38,
               out=NONE, dtype=ANY(NONE, FLOAT_DTYPE("float16", "float32", "float64", "int32",
                                                     "int64")),
               device=ANY(NONE, ONE_OF("cpu", "gpu")), stop_gradient=BOOL, name=NAME)),
    # fluid 1.8's fill_constant_batch_size_like: the op's kernels are float16 (CUDA), float,
    # double, int32, int64 and bool; shape as the *_batch_size_like layers take it
    Entry("fill_constant_batch_size_like", "fill_constant_batch_size_like",
          lambda c, **k: layers.fill_constant_batch_size_like(**k),
          lambda c: dict(input=c.x, shape=[2, 2], dtype="float32", value=1.0),
          dict(input=VAR, shape=like_shape,
               dtype=FLOAT_DTYPE("float16", "float32", "float64", "int32", "int64", "bool"),
               value=fill_value, input_dim_idx=INT(0, 1), output_dim_idx=INT(0, 1),
               force_cpu=BOOL)),
    # fluid 1.8's Print: int attrs first_n and summarize, a str message (None: ""), bools,
    # print_phase 'forward', 'backward' or 'both' in any case (the layer upper-cases it)
    Entry("Print", "Print", lambda c, **k: layers.Print(**k), lambda c: dict(input=c.x),
          dict(input=VAR, first_n=INT(-2 ** 31, 2 ** 31 - 1), message=ANY(NONE, STR),
               summarize=INT(-2 ** 31, 2 ** 31 - 1), print_tensor_name=BOOL,
               print_tensor_type=BOOL, print_tensor_shape=BOOL, print_tensor_lod=BOOL,
               print_phase=lambda v, c: isinstance(v, str) and v.upper() in (
                   "FORWARD", "BACKWARD", "BOTH"))),
    # float32/float64 input and label; label broadcasts as elementwise_sub's Y (either way)
    Entry("square_error_cost", "square_error_cost", lambda c, **k: layers.square_error_cost(**k),
          lambda c: dict(input=c.x, label=c.x), dict(input=VAR, label=VAR)),
    Entry("sum", "sum", lambda c, **k: layers.sum(**k), lambda c: dict(x=[c.x, c.x]),
          dict(x=ANY(VAR, LIST_OF(VAR, nonempty=True)))),
    Entry("sums", "sums", lambda c, **k: layers.sums(**k), lambda c: dict(input=[c.x, c.x]),
          dict(input=ANY(VAR, LIST_OF(VAR, nonempty=True)),
               out=NONE)),  # or a non-data Variable of the inputs' shape and dtype
    Entry("create_global_var", "create_global_var", lambda c, **k: layers.create_global_var(**k),
          lambda c: dict(shape=[2], value=1.0, dtype="float32"),
          dict(shape=LIST_OF(INT(0)), value=fill_value, dtype=DTYPE, persistable=BOOL,
               force_cpu=BOOL, name=ANY(NONE, ONE_OF("1", "float32", "int64", "relu", "mean",
                                                     "upscale_in_train", ""))),
          run=False),
    Entry("layers.data", "data", lambda c, **k: layers.data(**k),
          lambda c: dict(name="d", shape=[3]),
          dict(name=ANY(ONE_OF("1", "float32", "int64", "relu", "mean", "upscale_in_train")),
               shape=LIST_OF(ANY(NONE, INT(-1))), dtype=DTYPE, lod_level=INT(0),
               append_batch_size=BOOL, stop_gradient=BOOL), run=False),
    Entry("fluid.data", "data", lambda c, **k: fluid.data(**k),
          lambda c: dict(name="d", shape=[None, 3]),
          dict(name=ANY(ONE_OF("1", "float32", "int64", "relu", "mean", "upscale_in_train")),
               shape=LIST_OF(ANY(NONE, INT(-1))), dtype=DTYPE, lod_level=INT(0)), run=False),
    Entry("nn.functional.binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits",
          lambda c, **k: fluid.nn.functional.binary_cross_entropy_with_logits(**k),
          lambda c: dict(logit=c.x, label=c.x),
          dict(logit=X, label=X, weight=ANY(NONE, VAR), reduction=ONE_OF("none", "mean", "sum"),
               pos_weight=ANY(NONE, VAR), name=NAME)),
    Entry("nn.BCEWithLogitsLoss", "BCEWithLogitsLoss",
          lambda c, **k: fluid.nn.BCEWithLogitsLoss(**k)(c.x, c.x), lambda c: {},
          dict(weight=ANY(NONE, VAR), reduction=ONE_OF("none", "mean", "sum"),
               pos_weight=ANY(NONE, VAR), name=NAME)),
    Entry("tf.nn.sigmoid_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits",
          lambda c, **k: tf.nn.sigmoid_cross_entropy_with_logits(**k),
          lambda c: dict(labels=c.x, logits=c.x), dict(labels=X, logits=X, name=NAME)),
    Entry("tf.nn.weighted_cross_entropy_with_logits", "weighted_cross_entropy_with_logits",
          lambda c, **k: tf.nn.weighted_cross_entropy_with_logits(**k),
          lambda c: dict(labels=c.x, logits=c.x, pos_weight=2.0),
          dict(labels=X, logits=X, pos_weight=ANY(VAR, FLOAT(finite=False)), name=NAME)),
    Entry("layers.sigmoid_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits",
          lambda c, **k: layers.sigmoid_cross_entropy_with_logits(**k),
          lambda c: dict(x=c.x, label=c.x),
          dict(x=X, label=X, ignore_index=INT(-2 ** 31, 2 ** 31 - 1), name=NAME,
               normalize=BOOL)),
]
# issue 15's losses: x [3, 3] float32 and an int64 label [3, 1] (class indices); the pool's
# Variables are float, so as a label each is invalid (soft_label is False in the valid call)
INT32 = INT(-2 ** 31, 2 ** 31 - 1)


def _labels(c):
    return layers.fill_constant([3, 1], "int64", 1)


TABLE += [
    Entry("cross_entropy", "cross_entropy", lambda c, **k: layers.cross_entropy(**k),
          lambda c: dict(input=c.x, label=_labels(c)),
          dict(input=X, label=NEVER, soft_label=lambda v, c: is_bool(v) and not v,
               ignore_index=INT32)),
    Entry("softmax_with_cross_entropy", "softmax_with_cross_entropy",
          lambda c, **k: layers.softmax_with_cross_entropy(**k),
          lambda c: dict(logits=c.x, label=_labels(c)),
          dict(logits=X, label=NEVER, soft_label=lambda v, c: is_bool(v) and not v,
               ignore_index=INT32, numeric_stable_mode=BOOL, return_softmax=BOOL,
               axis=lambda v, c: is_int(v) and v in (-1, 1))),
    Entry("accuracy", "accuracy", lambda c, **k: layers.accuracy(**k),
          lambda c: dict(input=c.x, label=_labels(c)),
          dict(input=X, label=NEVER, k=INT(1, 3), correct=NONE, total=NONE)),  # int32 only
    Entry("auc", "auc", lambda c, **k: layers.auc(**k),
          lambda c: dict(input=c.x, label=_labels(c)),
          dict(input=X, label=NEVER, curve=ONE_OF("ROC", "PR"), num_thresholds=INT(1, 2 ** 26),
               topk=INT(1), slide_steps=INT(0, 2 ** 16))),
    # log_loss takes [N, 1] float32 only: no Variable of the pool fits
    Entry("log_loss", "log_loss", lambda c, **k: layers.log_loss(**k),
          lambda c: dict(input=layers.fill_constant([3, 1], "float32", 0.5),
                         label=layers.fill_constant([3, 1], "float32", 1.0)),
          dict(input=NEVER, label=NEVER, epsilon=FLOAT(0), name=NAME)),
    Entry("huber_loss", "huber_loss", lambda c, **k: layers.huber_loss(**k),
          lambda c: dict(input=c.x, label=c.x, delta=1.0),
          dict(input=X, label=X, delta=FLOAT(0))),
    Entry("smooth_l1", "smooth_l1", lambda c, **k: layers.smooth_l1(**k),
          lambda c: dict(x=c.x, y=c.x),
          dict(x=X, y=X, inside_weight=ANY(NONE, X), outside_weight=ANY(NONE, X),
               sigma=ANY(NONE, FLOAT(0, open_lo=True)))),
    Entry("kldiv_loss", "kldiv_loss", lambda c, **k: layers.kldiv_loss(**k),
          lambda c: dict(x=c.x, target=c.x),
          dict(x=X, target=X, reduction=ONE_OF("none", "batchmean", "mean", "sum"), name=NAME)),
    # label broadcasts to input, either way, as square_error_cost's
    Entry("mse_loss", "mse_loss", lambda c, **k: layers.mse_loss(**k),
          lambda c: dict(input=c.x, label=c.x), dict(input=VAR, label=VAR)),
]
for _a in ("mean", "sigmoid", "relu", "tanh"):
    TABLE.append(Entry(_a, _a, lambda c, _a=_a, **k: getattr(layers, _a)(**k),
                       lambda c: dict(x=c.x), dict(x=VAR, name=NAME)))
# The activation layers (fluid 1.8's layers/ops.py and nn.py): x a float Variable, each
# float attr any finite number unless fluid documents a bound.
for _a in ("exp", "log", "log1p", "sqrt", "rsqrt", "abs", "ceil", "floor", "round",
           "reciprocal", "square", "sin", "cos", "asin", "acos", "atan", "softplus", "softsign",
           "logsigmoid", "tanh_shrink"):
    TABLE.append(Entry(_a, _a, lambda c, _a=_a, **k: getattr(layers, _a)(**k),
                       lambda c: dict(x=c.x), dict(x=VAR, name=NAME)))
for _a, _specs in (("pow", dict(factor=ANY(FLOAT(), LR))), ("leaky_relu", dict(alpha=FLOAT())),
                   ("elu", dict(alpha=FLOAT())), ("relu6", dict(threshold=FLOAT())),
                   ("soft_relu", dict(threshold=FLOAT(0, open_lo=True))),
                   ("stanh", dict(scale_a=FLOAT(), scale_b=FLOAT())),
                   ("hard_sigmoid", dict(slope=FLOAT(), offset=FLOAT())),
                   ("swish", dict(beta=FLOAT())),
                   ("hard_swish", dict(threshold=FLOAT(), offset=FLOAT(),
                                       scale=ANY(FLOAT(0, open_lo=True),
                                                 FLOAT(hi=0, open_hi=True)))),
                   ("selu", dict(scale=ANY(NONE, FLOAT()), alpha=ANY(NONE, FLOAT())))):
    TABLE.append(Entry(_a, _a, lambda c, _a=_a, **k: getattr(layers, _a)(**k),
                       lambda c: dict(x=c.x), dict(x=VAR, name=NAME, **_specs)))
TABLE += [
    Entry("brelu", "brelu", lambda c, **k: layers.brelu(**k), lambda c: dict(x=c.x),
          dict(x=VAR, t_min=FLOAT(hi=24, open_hi=True), t_max=FLOAT(0, open_lo=True),
               name=NAME)),
    Entry("gelu", "gelu", lambda c, **k: layers.gelu(**k), lambda c: dict(x=c.x),
          dict(x=VAR, approximate=BOOL)),
    Entry("erf", "erf", lambda c, **k: layers.erf(**k), lambda c: dict(x=c.x), dict(x=VAR)),
    Entry("sign", "sign", lambda c, **k: layers.sign(**k), lambda c: dict(x=c.x),
          dict(x=VAR)),
    Entry("softshrink", "softshrink", lambda c, **k: layers.softshrink(**k),
          lambda c: dict(x=c.x), dict(x=VAR, alpha=ANY(NONE, FLOAT(0)))),
    Entry("hard_shrink", "hard_shrink", lambda c, **k: layers.hard_shrink(**k),
          lambda c: dict(x=c.x), dict(x=VAR, threshold=ANY(NONE, FLOAT()))),
    Entry("thresholded_relu", "thresholded_relu", lambda c, **k: layers.thresholded_relu(**k),
          lambda c: dict(x=c.x), dict(x=VAR, threshold=ANY(NONE, FLOAT()))),
]

# issue 15's ranking losses (layers/loss15b.py): label, left and right are [N, 1] (or [N])
# float32 of one batch size, which no Variable of the pool is; bpr_loss's label is int64


def _col(c, value=1.0):
    return layers.fill_constant([3, 1], "float32", value)


TABLE += [
    Entry("margin_rank_loss", "margin_rank_loss", lambda c, **k: layers.margin_rank_loss(**k),
          lambda c: dict(label=_col(c), left=_col(c, 0.5), right=_col(c, 0.25)),
          dict(label=NEVER, left=NEVER, right=NEVER, margin=FLOAT(), name=NAME)),
    Entry("rank_loss", "rank_loss", lambda c, **k: layers.rank_loss(**k),
          lambda c: dict(label=_col(c), left=_col(c, 0.5), right=_col(c, 0.25)),
          dict(label=NEVER, left=NEVER, right=NEVER, name=NAME)),
    Entry("bpr_loss", "bpr_loss", lambda c, **k: layers.bpr_loss(**k),
          lambda c: dict(input=c.x, label=_labels(c)), dict(input=X, label=NEVER, name=NAME)),
    # label and fg_num int32 (the pool has none); gamma >= 0 and alpha in [0, 1] (the paper's)
    Entry("sigmoid_focal_loss", "sigmoid_focal_loss",
          lambda c, **k: layers.sigmoid_focal_loss(**k),
          lambda c: dict(x=c.x, label=layers.fill_constant([3, 1], "int32", 1),
                         fg_num=layers.fill_constant([1], "int32", 2)),
          dict(x=X, label=NEVER, fg_num=NEVER, gamma=FLOAT(0), alpha=FLOAT(0, 1))),
    # input and label [N, 1] float: the pool has none; the lower bound below the upper one
    Entry("teacher_student_sigmoid_loss", "teacher_student_sigmoid_loss",
          lambda c, **k: layers.teacher_student_sigmoid_loss(**k),
          lambda c: dict(input=_col(c, 0.5), label=_col(c, 1.5)),
          dict(input=NEVER, label=NEVER, soft_max_up_bound=FLOAT(-15, open_lo=True),
               soft_max_lower_bound=FLOAT(hi=15, open_hi=True))),
    # compositions of other layers: labels [B] (B = 3 here), label [N, 1] int64
    Entry("npair_loss", "npair_loss", lambda c, **k: layers.npair_loss(**k),
          lambda c: dict(anchor=c.x, positive=c.x,
                         labels=layers.fill_constant([3], "int64", 1)),
          dict(anchor=X, positive=X, labels=NEVER, l2_reg=FLOAT())),
    Entry("dice_loss", "dice_loss", lambda c, **k: layers.dice_loss(**k),
          lambda c: dict(input=c.x, label=_labels(c)),
          dict(input=X, label=NEVER, epsilon=FLOAT(0), name=NAME)),
]

LEARNING_RATE = ANY(LR, FLOAT(0, ints=False))
REGULARIZATION = ANY(NONE, INSTANCE(L2Decay))
TABLE += [
    Entry("SGD", "SGD", lambda c, **k: SGD(**k).minimize(c.loss),
          lambda c: dict(learning_rate=0.1),
          dict(learning_rate=LEARNING_RATE, regularization=REGULARIZATION, name=NAME)),
    Entry("Momentum", "Momentum", lambda c, **k: Momentum(**k).minimize(c.loss),
          lambda c: dict(learning_rate=0.1, momentum=0.9),
          dict(learning_rate=LEARNING_RATE, momentum=FLOAT(0), use_nesterov=BOOL,
               regularization=REGULARIZATION, name=NAME)),
    Entry("Adam", "Adam", lambda c, **k: Adam(**k).minimize(c.loss), lambda c: {},
          dict(learning_rate=LEARNING_RATE, beta1=ANY(FLOAT(0, 1, open_hi=True), LR),
               beta2=ANY(FLOAT(0, 1, open_hi=True), LR),  # LR: Beta1Tensor/Beta2Tensor
               epsilon=FLOAT(0, open_lo=True),
               regularization=REGULARIZATION, name=NAME, lazy_mode=BOOL)),
    Entry("Adagrad", "Adagrad", lambda c, **k: Adagrad(**k).minimize(c.loss),
          lambda c: dict(learning_rate=0.1),
          dict(learning_rate=LEARNING_RATE, epsilon=FLOAT(0), regularization=REGULARIZATION,
               name=NAME, initial_accumulator_value=FLOAT(0))),
    Entry("Optimizer.minimize", "minimize", lambda c, **k: SGD(0.1).minimize(**k),
          lambda c: dict(loss=c.loss),
          dict(loss=LOSS, startup_program=ANY(NONE, PROGRAM), parameter_list=ANY(
              NONE, LIST_OF(lambda v, c: v in ("fc_0.w_0", "fc_0.b_0"))), no_grad_set=NO_GRAD)),
    Entry("L2Decay", "L2Decay",
          lambda c, **k: SGD(0.1, regularization=L2Decay(**k)).minimize(c.loss),
          lambda c: {}, dict(regularization_coeff=FLOAT(0))),
]


# issue 15, embedding: ids are int64 (the pool's Variables are float, so never valid as
# input); size is [rows, width]; padding_idx in [-rows, rows) with the valid call's 10 rows
def _ids(c, v2):  # all 0: a valid id of any table
    x = layers.scale(c.x, 0.0)
    return layers.cast(x if v2 else layers.reshape(x, [9, 1]), "int64")


EMBEDDING = dict(input=NEVER, size=lambda v, c: isinstance(v, (list, tuple)) and len(v) == 2
                 and all(INT(1)(d, c) for d in v),
                 is_sparse=BOOL, is_distributed=BOOL, padding_idx=ANY(NONE, INT(-10, 9)),
                 param_attr=ANY(NONE, STR, INSTANCE(fluid.ParamAttr), INSTANCE(Constant),
                                lambda v, c: v is True or v is np.bool_(True)),
                 dtype=FLOAT_DTYPE("float16", "float32", "float64"))
TABLE += [
    Entry("embedding", "fluid.layers.embedding", lambda c, **k: layers.embedding(**k),
          lambda c: dict(input=_ids(c, False), size=[10, 4]), EMBEDDING),
    Entry("fluid.embedding", "fluid.embedding", lambda c, **k: fluid.embedding(**k),
          lambda c: dict(input=_ids(c, True), size=[10, 4]), EMBEDDING),
    Entry("layer_norm", "layer_norm", lambda c, **k: layers.layer_norm(**k),
          lambda c: dict(input=c.x),
          dict(input=X, scale=BOOL, shift=BOOL, begin_norm_axis=INT(0, 1), epsilon=FLOAT(0),
               param_attr=ATTR, bias_attr=ATTR, act=ACT, name=NAME)),
    Entry("batch_norm", "batch_norm", lambda c, **k: layers.batch_norm(**k),
          lambda c: dict(input=c.x),
          dict(input=X, act=ACT, is_test=BOOL, momentum=ANY(FLOAT(), LR), epsilon=FLOAT(0, 1e-3),
               param_attr=EMBEDDING["param_attr"], bias_attr=EMBEDDING["param_attr"],
               data_layout=ONE_OF("NCHW", "NHWC"), in_place=BOOL, name=NAME,
               moving_mean_name=ANY(NONE, STR), moving_variance_name=ANY(NONE, STR),
               do_model_average_for_mean_and_var=BOOL, use_global_stats=BOOL)),
]

def _init_entry(cls, specs, valid=None):
    return Entry(cls.__name__, cls.__name__,
                 lambda c, **k: layers.fc(c.x, 2, param_attr=fluid.ParamAttr(
                     initializer=cls(**k))), valid or (lambda c: {}), specs)


SEED = INT(0)
FAN = ANY(NONE, INT(1))
TABLE += [
    _init_entry(Constant, dict(value=FLOAT(), force_cpu=BOOL)),
    # the weight of fc(x, 2) is [3, 2]: diagonal elements at flat 0, diag_step + 1, ...
    _init_entry(Uniform, dict(low=FLOAT(hi=1.0), high=FLOAT(lo=-1.0), seed=SEED,
                              diag_num=INT(1, 2), diag_step=INT(1, 4), diag_val=FLOAT()),
                lambda c: dict(diag_num=2, diag_step=2)),
    _init_entry(Normal, dict(loc=FLOAT(), scale=FLOAT(0), seed=SEED)),
    _init_entry(TruncatedNormal, dict(loc=FLOAT(), scale=FLOAT(0), seed=SEED)),
    _init_entry(Xavier, dict(uniform=BOOL, fan_in=FAN, fan_out=FAN, seed=SEED)),
    _init_entry(MSRA, dict(uniform=BOOL, fan_in=FAN, seed=SEED)),
    # the weight of fc(x, 2): a numeric numpy array of shape [3, 2] (none in the pool)
    _init_entry(fluid.initializer.NumpyArrayInitializer, dict(
        value=lambda v, c: isinstance(v, np.ndarray) and v.shape == (3, 2)),
        lambda c: dict(value=np.ones((3, 2), "float32"))),
    Entry("ParamAttr", "ParamAttr",
          lambda c, **k: layers.fc(c.x, 2, param_attr=fluid.ParamAttr(**k)), lambda c: {},
          dict(name=ANY(NONE, STR), initializer=ANY(NONE, INSTANCE(Constant)),
               learning_rate=FLOAT(0), regularizer=REGULARIZATION, trainable=BOOL,
               do_model_average=ANY(NONE, BOOL))),
    Entry("append_backward", "append_backward",
          lambda c, **k: fluid.append_backward(**k), lambda c: dict(loss=c.loss),
          dict(loss=LOSS, parameter_list=ANY(NONE, LIST_OF(
              lambda v, c: v in ("fc_0.w_0", "fc_0.b_0"))), no_grad_set=NO_GRAD,
              callbacks=callbacks)),
    Entry("gradients", "gradients", lambda c, **k: fluid.gradients(**k),
          lambda c: dict(targets=c.loss, inputs=c.x),
          dict(targets=ANY(X, LOSS, LIST_OF(ANY(X, LOSS), nonempty=True)),
               inputs=ANY(X, LOSS, LR, LIST_OF(ANY(X, LOSS, LR), nonempty=True)),
               target_gradients=target_grads, no_grad_set=NO_GRAD)),
    Entry("unique_name.guard", "unique_name.guard", lambda c, **k: _in_guard(
        fluid.unique_name.guard(**k), lambda: layers.fc(c.x, 2)), lambda c: {},
        dict(new_generator=ANY(NONE, STR, INSTANCE(bytes)))),
    Entry("program_guard", "program_guard", lambda c, **k: _in_guard(
        fluid.program_guard(**k), lambda: fluid.data("d", [1])),
        lambda c: dict(main_program=fluid.Program()),
        dict(main_program=PROGRAM, startup_program=ANY(NONE, PROGRAM)), run=False),
    Entry("Program.clone", "clone", lambda c, **k: c.main.clone(**k), lambda c: {},
          dict(for_test=BOOL), run=False),
    Entry("Block.append_op(scale)", "scale", with_block,
          lambda c: dict(type="scale", inputs={"X": c.x}, outputs={"Out": "s"}),
          dict(scale=FLOAT(finite=False), bias=FLOAT(finite=False), bias_after_scale=BOOL)),
    Entry("Block.append_op(fill_constant)", "fill_constant", with_block,
          lambda c: dict(type="fill_constant", inputs={}, outputs={"Out": "f"}, shape=[2]),
          dict(shape=LIST_OF(INT(0)), value=FLOAT(finite=False),
               # a name, or Paddle's VarDesc.VarType number (bool 0, int32 2, ..., uint8 20)
               dtype=ANY(ONE_OF(*DTYPES), lambda v, c: is_int(v) and v in (0, 2, 3, 4, 5, 6, 20)))),
]



def unsqueezes_x(v, c):
    """Whether `v` is unsqueeze's axes for [3, 3]: an int, or ints inserted one by one, each
    in [-rank - 1, rank] of the shape built so far."""
    axes = [v] if is_int(v) else v
    if not isinstance(axes, (list, tuple)) or not all(is_int(a) for a in axes):
        return False
    rank = 2
    for a in axes:
        if not -rank - 1 <= a <= rank:
            return False
        rank += 1
    return True


def splits_3(v, c):
    """Whether `v` is a list of split sizes of a dimension of 3."""
    if not isinstance(v, (list, tuple)) or not v or not all(is_int(d) and d >= -1 for d in v):
        return False
    rest = sum(d for d in v if d != -1)
    return rest == 3 if -1 not in v else list(v).count(-1) == 1 and rest <= 3


# issue 15's shape layers (minifluid/layers/shape15.py), with fluid 1.8's signatures
TABLE += [
    Entry("shape", "shape", lambda c, **k: layers.shape(**k), lambda c: dict(input=c.x),
          dict(input=VAR)),
    # axes name dimensions of size 1: x [3, 3] has none, lr and loss ([1]) have one
    Entry("squeeze", "squeeze", lambda c, **k: layers.squeeze(**k),
          lambda c: dict(input=c.x, axes=[]),
          dict(input=VAR, axes=lambda v, c: isinstance(v, (list, tuple)) and len(v) == 0,
               name=NAME)),
    Entry("unsqueeze", "unsqueeze", lambda c, **k: layers.unsqueeze(**k),
          lambda c: dict(input=c.x, axes=[0]), dict(input=VAR, axes=unsqueezes_x, name=NAME)),
    # perm: a permutation of [0, 1] (none in the pool but the valid call's)
    Entry("transpose", "transpose", lambda c, **k: layers.transpose(**k),
          lambda c: dict(x=c.x, perm=[1, 0]),
          dict(x=X, perm=lambda v, c: isinstance(v, (list, tuple)) and list(v) in ([0, 1],
                                                                                 [1, 0])
               and all(is_int(d) for d in v), name=NAME)),
    Entry("t", "t", lambda c, **k: layers.t(**k), lambda c: dict(input=c.x),
          dict(input=VAR, name=NAME)),
    Entry("flatten", "flatten", lambda c, **k: layers.flatten(**k), lambda c: dict(x=c.x),
          dict(x=VAR, axis=INT(0, 2), name=NAME)),
    # one axis: starts and ends one int each (or a 1-D int Variable: the pool's are float)
    Entry("slice", "slice", lambda c, **k: layers.slice(**k),
          lambda c: dict(input=c.x, axes=[0], starts=[0], ends=[1]),
          dict(input=VAR, axes=lambda v, c: LIST_OF(INT(0, 1))(v, c) and len(v) == 1,
               starts=lambda v, c: LIST_OF(INT(-2 ** 63))(v, c) and len(v) == 1,
               ends=lambda v, c: LIST_OF(INT(-2 ** 63))(v, c) and len(v) == 1)),
    # x is [3, 3]: 1 or 3 parts, or sizes adding up to 3 (one -1: the rest)
    Entry("split", "split", lambda c, **k: layers.split(**k),
          lambda c: dict(input=c.x, num_or_sections=3),
          dict(input=X, num_or_sections=ANY(lambda v, c: is_int(v) and v in (1, 3), splits_3),
               dim=INT(-2, 1), name=NAME)),
    Entry("stack", "stack", lambda c, **k: layers.stack(**k), lambda c: dict(x=[c.x]),
          dict(x=ANY(VAR, LIST_OF(VAR, nonempty=True)), axis=INT(-3, 2))),
    Entry("unstack", "unstack", lambda c, **k: layers.unstack(**k), lambda c: dict(x=c.x),
          dict(x=VAR, axis=INT(-2, 1), num=ANY(NONE, lambda v, c: is_int(v) and v == 3))),
    # the index and the ids are int Variables: none in the pool
    Entry("gather", "gather", lambda c, **k: layers.gather(**k),
          lambda c: dict(input=c.x, index=layers.fill_constant([2], "int64", 0)),
          dict(input=VAR, index=NEVER, overwrite=BOOL)),
    Entry("one_hot", "one_hot", lambda c, **k: layers.one_hot(**k),
          lambda c: dict(input=layers.fill_constant([3, 1], "int64", 0), depth=3),
          dict(input=NEVER, depth=INT(1, 2 ** 20), allow_out_of_range=BOOL)),
    Entry("assign", "assign", lambda c, **k: layers.assign(**k), lambda c: dict(input=c.x),
          # output: any Variable of the program (the trial's run would not feed x once
          # an op writes it: tests/ops/test_shape15.py runs assign)
          dict(input=ANY(VAR, lambda v, c: isinstance(v, np.ndarray) and v.dtype.name in (
              "float32", "int32", "int64", "bool")), output=ANY(NONE, VAR)), run=False),
    Entry("argmax", "argmax", lambda c, **k: layers.argmax(**k), lambda c: dict(x=c.x),
          dict(x=VAR, axis=INT(-2, 1))),
    Entry("argmin", "argmin", lambda c, **k: layers.argmin(**k), lambda c: dict(x=c.x),
          dict(x=VAR, axis=INT(-2, 1))),
    # k: 1 to 3 for x [3, 3]
    Entry("topk", "topk", lambda c, **k: layers.topk(**k), lambda c: dict(input=c.x, k=2),
          dict(input=X, k=INT(1, 3), name=NAME)),
    Entry("zeros", "zeros", lambda c, **k: layers.zeros(**k),
          lambda c: dict(shape=[2], dtype="float32"),
          dict(shape=LIST_OF(INT(0, 2 ** 20), nonempty=True), dtype=DTYPE, force_cpu=BOOL),
          run=False),
    Entry("ones", "ones", lambda c, **k: layers.ones(**k),
          lambda c: dict(shape=[2], dtype="float32"),
          dict(shape=LIST_OF(INT(0, 2 ** 20), nonempty=True), dtype=DTYPE, force_cpu=BOOL),
          run=False),
    # out: any Variable of the program (not run: the trial would not feed x once written)
    Entry("zeros_like", "zeros_like", lambda c, **k: layers.zeros_like(**k),
          lambda c: dict(x=c.x), dict(x=VAR, out=ANY(NONE, VAR)), run=False),
    Entry("ones_like", "ones_like", lambda c, **k: layers.ones_like(**k),
          lambda c: dict(x=c.x), dict(x=VAR, out=ANY(NONE, VAR)), run=False),
    Entry("reverse", "reverse", lambda c, **k: layers.reverse(**k),
          lambda c: dict(x=c.x, axis=0),
          dict(x=VAR, axis=lambda v, c: INT(-2, 1)(v, c) or LIST_OF(INT(-2, 1), nonempty=True)(
              v, c))),
    # an empty Variable for an op to write: nothing to run
    Entry("create_tensor", "create_tensor", lambda c, **k: layers.create_tensor(**k),
          lambda c: dict(dtype="float32"), dict(dtype=DTYPE, name=NAME, persistable=BOOL),
          run=False),
    # int64 tags only (the pool's Variables are float); run=False: a run needs a LoD feed
    Entry("chunk_eval", "chunk_eval", lambda c, **k: layers.chunk_eval(**k),
          lambda c: dict(input=layers.cast(c.x, "int64"), label=layers.cast(c.x, "int64"),
                         chunk_scheme="IOB", num_chunk_types=2),
          dict(input=NEVER, label=NEVER, chunk_scheme=ONE_OF("IOB", "IOE", "IOBES", "plain"),
               num_chunk_types=INT(1), excluded_chunk_types=ANY(NONE, LIST_OF(INT(0))),
               seq_length=NONE), run=False),
    Entry("edit_distance", "edit_distance", lambda c, **k: layers.edit_distance(**k),
          lambda c: dict(input=_id_column(c), label=_id_column(c)),
          dict(input=NEVER, label=NEVER, normalized=BOOL,
               ignored_tokens=ANY(NONE, LIST_OF(INT(-2 ** 63))), input_length=NONE,
               label_length=NONE), run=False),
]

# issue 15's shape layers, part 2 (minifluid/layers/shape15b.py)
TABLE += [
    # x [3, 3]: two times >= 1 (the pool's Variables are float, not int times)
    Entry("expand", "expand", lambda c, **k: layers.expand(**k),
          lambda c: dict(x=c.x, expand_times=[1, 2]),
          dict(x=X, expand_times=lambda v, c: LIST_OF(INT(1))(v, c) and len(v) == 2,
               name=NAME)),
    # target_tensor: rank 2, each dimension a multiple of 3 (x itself)
    Entry("expand_as", "expand_as", lambda c, **k: layers.expand_as(**k),
          lambda c: dict(x=c.x, target_tensor=c.x), dict(x=X, target_tensor=X, name=NAME)),
    # range(0, 10, 2, "int32"): whole numbers in int32 that keep 0 -> 10 by 2 a valid range,
    # or 1-element Variables (lr, loss: cast). Not run: the loss's value may not fit.
    Entry("range", "range", lambda c, **k: layers.range(**k),
          lambda c: dict(start=0, end=10, step=2, dtype="int32"),
          dict(start=ANY(LR, lambda v, c: _whole(v) and -2 ** 31 <= v <= 10),
               end=ANY(LR, lambda v, c: _whole(v) and 0 <= v < 2 ** 31),
               step=ANY(LR, lambda v, c: _whole(v) and 1 <= v < 2 ** 31),
               dtype=FLOAT_DTYPE("float32", "float64", "int32", "int64")), run=False),
    # linspace(0, 10, 5, "float32"): finite numbers in float32, or float32 [1] Variables
    Entry("linspace", "linspace", lambda c, **k: layers.linspace(**k),
          lambda c: dict(start=0, stop=10, num=5, dtype="float32"),
          dict(start=ANY(LR, FLOAT(-3.4e38, 3.4e38)), stop=ANY(LR, FLOAT(-3.4e38, 3.4e38)),
               num=INT(1, 2 ** 31 - 1), dtype=FLOAT_DTYPE("float32", "float64"))),
    Entry("eye", "eye", lambda c, **k: layers.eye(**k), lambda c: dict(num_rows=2),
          dict(num_rows=INT(0, 2 ** 31 - 1), num_columns=ANY(NONE, INT(0, 2 ** 31 - 1)),
               batch_shape=ANY(NONE, LIST_OF(INT(1, 2 ** 20))),
               dtype=FLOAT_DTYPE("float16", "float32", "float64", "int32", "int64"))),
    # a 1-D Variable (lr, loss) or a float32/int32/int64 numpy array (none in the pool)
    Entry("diag", "diag", lambda c, **k: layers.diag(**k), lambda c: dict(diagonal=c.lr),
          dict(diagonal=LR)),
    # one axis: one int32 each for starts, ends and strides (a stride not 0); the pool's
    # Variables are float, not int bounds
    Entry("strided_slice", "strided_slice", lambda c, **k: layers.strided_slice(**k),
          lambda c: dict(input=c.x, axes=[0], starts=[0], ends=[1], strides=[1]),
          dict(input=VAR, axes=lambda v, c: LIST_OF(INT(0, 1))(v, c) and len(v) == 1,
               starts=lambda v, c: LIST_OF(INT(-2 ** 31, 2 ** 31 - 1))(v, c) and len(v) == 1,
               ends=lambda v, c: LIST_OF(INT(-2 ** 31, 2 ** 31 - 1))(v, c) and len(v) == 1,
               strides=lambda v, c: LIST_OF(INT(-2 ** 31, 2 ** 31 - 1))(v, c) and len(v) == 1
               and v[0] != 0)),
    # shape: ints >= 1; an int dtype needs an initializer (the default Xavier draws floats)
    Entry("create_parameter", "create_parameter", lambda c, **k: layers.create_parameter(**k),
          lambda c: dict(shape=[2], dtype="float32"),
          dict(shape=LIST_OF(INT(1, 2 ** 20), nonempty=True),
               dtype=FLOAT_DTYPE("float16", "float32", "float64"), name=NAME,
               attr=ANY(NONE, INSTANCE(fluid.ParamAttr)), is_bias=BOOL,
               default_initializer=ANY(NONE, INSTANCE(Constant)))),
]


def _whole(v):
    return is_real(v) and math.isfinite(v) and v == int(v)


def _id_column(c):  # int64 [3, 1]: a LoD-shaped column of ids
    return layers.cast(layers.reduce_sum(c.x, dim=1, keep_dim=True), "int64")


def _in_guard(guard, build):
    with guard:
        return build()


def _run(c, out, startup):
    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(c.startup)
    if startup is not None:
        exe.run(startup)
    fetch = [v for v in (out if isinstance(out, (list, tuple)) else [out])
             if isinstance(v, fluid.Variable) and v.block.program is c.main]
    written = {n for op in c.main.global_block().ops for n in op.output_arg_names}
    feed = {} if "x" in written else {"x": np.ones((3, 3), "float32")}
    with np.errstate(invalid="ignore"):  # a valid but odd value (Adam's beta2 = the loss,
        exe.run(c.main, feed=feed, fetch_list=fetch)  # which may be < 0) may make a NaN


def trial(entry, arg, make):
    """(outcome, detail, want): outcome 'ok', 'raw' (another exception), 'silent' (accepted
    though invalid), 'refused' (raised though valid), 'unnamed' (a message without the
    names), 'left' (a refused call left ops or variables behind); want: the spec's verdict."""
    c = Ctx()
    try:
        kw = entry.valid(c)
        want = True
        if arg is not None:
            kw[arg] = make(c)
            want = entry.specs[arg](kw[arg], c)
            want = want if want == UNSUPPORTED else bool(want)
        return (*_outcome(entry, arg, c, kw, want), want)
    finally:
        c.close()


def _outcome(entry, arg, c, kw, want):
    before = c.state()
    try:
        out = entry.call(c, **kw)
        if want is True and entry.run:
            _run(c, out, kw.get("startup_program"))
    except (TypeError, ValueError) as e:
        if want is True:
            return "refused", f"{type(e).__name__}: {e}"
        # The argument as a word; an op's shape rule may name it by its slot (X for x).
        if entry.where not in str(e) or not re.search(rf"\b{arg}\b", str(e), re.I):
            return "unnamed", f"{type(e).__name__}: {e}"
        if c.state() != before:
            return "left", str(e)
        return "ok", ""
    except NotImplementedError as e:
        return ("ok", "") if want == UNSUPPORTED else ("raw", f"NotImplementedError: {e}")
    except Exception as e:  # noqa: BLE001 -- any other error is what the test looks for
        return "raw", f"{type(e).__name__}: {e}"
    return ("ok", "") if want is True else ("silent", "accepted")


# issue 15's normalization and similarity layers (minifluid/layers/norm15.py): x [3, 3]
# float32; the [1] Variables (lr, the loss) are rank 1
NORM15 = [
    Entry("cos_sim", "cos_sim", lambda c, **k: layers.cos_sim(**k),
          lambda c: dict(X=c.x, Y=c.x), dict(X=X, Y=X)),
    # a 1-D x is normalised along axis 0 whatever axis says, as in fluid
    Entry("l2_normalize", "l2_normalize", lambda c, **k: layers.l2_normalize(**k),
          lambda c: dict(x=c.x, axis=1),
          dict(x=VAR, axis=ANY(NONE, INT(-2, 1)), epsilon=FLOAT(0), name=NAME)),
    # x [3, 3] has 3 channels (NCHW and NHWC alike); the scale and shift are required by
    # instance_norm, and left out by group_norm when their attr is False
    Entry("instance_norm", "instance_norm", lambda c, **k: layers.instance_norm(**k),
          lambda c: dict(input=c.x),
          dict(input=X, epsilon=FLOAT(0, 1e-3), param_attr=EMBEDDING["param_attr"],
               bias_attr=EMBEDDING["param_attr"], name=NAME)),
    Entry("group_norm", "group_norm", lambda c, **k: layers.group_norm(**k),
          lambda c: dict(input=c.x, groups=1),
          dict(input=X, groups=INT(1, 3), epsilon=FLOAT(0, 1), param_attr=ATTR, bias_attr=ATTR,
               act=ACT, data_layout=ONE_OF("NCHW", "NHWC"), name=NAME)),
    # mode 'all' takes x of any rank (the [1] Variables too)
    Entry("prelu", "prelu", lambda c, **k: layers.prelu(**k), lambda c: dict(x=c.x, mode="all"),
          dict(x=VAR, mode=ONE_OF("all", "channel", "element"),
               param_attr=EMBEDDING["param_attr"], name=NAME)),
    # x [3, 3]: axis 1 (3 and -1 need rank 4), groups > 1 dividing its 3 channels
    Entry("maxout", "maxout", lambda c, **k: layers.maxout(**k), lambda c: dict(x=c.x, groups=3),
          dict(x=X, groups=lambda v, c: is_int(v) and v == 3, name=NAME, axis=INT(1, 1))),
    Entry("bilinear_tensor_product", "bilinear_tensor_product",
          lambda c, **k: layers.bilinear_tensor_product(**k),
          lambda c: dict(x=c.x, y=c.x, size=2),
          dict(x=X, y=X, size=INT(1), act=ACT, name=NAME, param_attr=EMBEDDING["param_attr"],
               bias_attr=ATTR)),
    # fluid.nets: glu halves a dimension of even size (x [6, 3] here; the pool's Variables
    # have odd sizes); attention takes 3-D inputs (the pool's are 2-D) of hidden size 3
    Entry("nets.glu", "glu", lambda c, **k: fluid.nets.glu(**k),
          lambda c: dict(input=layers.concat([c.x, c.x]), dim=0),
          dict(input=NEVER, dim=lambda v, c: is_int(v) and v in (0, -2))),
    Entry("nets.scaled_dot_product_attention", "scaled_dot_product_attention",
          lambda c, **k: fluid.nets.scaled_dot_product_attention(**k),
          lambda c: dict(queries=layers.reshape(c.x, [1, 3, 3]),
                         keys=layers.reshape(c.x, [1, 3, 3]),
                         values=layers.reshape(c.x, [1, 3, 3])),
          dict(queries=NEVER, keys=NEVER, values=NEVER,
               num_heads=lambda v, c: is_int(v) and v in (1, 3), dropout_rate=FLOAT(0, 1))),
    # x [3, 3]: slot_dim <= 0 (no slots) or one dividing 3; param_attr a dict of initial
    # values ({} here) or None
    Entry("data_norm", "data_norm", lambda c, **k: layers.data_norm(**k),
          lambda c: dict(input=c.x),
          dict(input=X, act=ACT, epsilon=FLOAT(0), param_attr=ANY(NONE, INSTANCE(dict)),
               data_layout=ONE_OF("NCHW", "NHWC"), in_place=BOOL, name=NAME,
               moving_mean_name=ANY(NONE, STR), moving_variance_name=ANY(NONE, STR),
               do_model_average_for_mean_and_var=BOOL,
               slot_dim=lambda v, c: is_int(v) and (v <= 0 or v in (1, 3)), sync_stats=BOOL,
               summary_decay_rate=FLOAT(0, 1), enable_scale_and_shift=BOOL)),
]
TABLE += NORM15


def test_valid_calls_build_and_run():
    bad = [f"{e.label}: {r}" for e in TABLE for r in [trial(e, None, None)[:2]] if r[0] != "ok"]
    assert not bad, "\n".join(bad)


def test_every_argument_every_value():
    failures, counts, tried = [], Counter(), 0
    for e in TABLE:
        for arg in e.specs:
            for label, make in POOL:
                outcome, detail, want = trial(e, arg, make)
                tried += 1
                counts["invalid values"] += want is not True
                counts[outcome] += 1
                if outcome != "ok":
                    failures.append(f"{e.label}({arg}={label}): {outcome}: "
                                    f"{detail.splitlines()[0][:160] if detail else ''}")
    summary = f"{tried} calls: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
    if os.environ.get("MINIFLUID_FUZZ_REPORT"):
        with open(os.environ["MINIFLUID_FUZZ_REPORT"], "w") as f:
            f.write(summary + "\n" + "\n".join(failures) + "\n")
    assert not failures, summary + "\n" + "\n".join(failures)


# The cases of the finding (issue 12, item 8), spelled out.
def _issue_cases(c):
    return [
        (lambda: layers.fc(c.x, 2, num_flatten_dims="1"), TypeError,
         r"fc: argument 'num_flatten_dims' must be an int >= 1, got '1' \(str\)"),
        (lambda: fluid.gradients(None, c.x), TypeError, "gradients: argument 'targets'"),
        (lambda: fluid.gradients([], c.x), ValueError, "argument 'targets' must not be empty"),
        (lambda: Xavier(fan_in=-4, fan_out=4), ValueError,
         r"Xavier: argument 'fan_in' must be an int >= 1 or None, got -4"),
        (lambda: layers.dropout(c.x, 0.5, seed=-1), ValueError,
         "dropout: argument 'seed' must be an int >= 0"),
        (lambda: layers.cast(c.x, None), TypeError, "cast: argument 'dtype' must be a dtype"),
        (lambda: layers.reduce_sum(c.x, keep_dim="no"), TypeError,
         "reduce_sum: argument 'keep_dim' must be a bool"),
        (lambda: Adam(beta1=2.0), ValueError, r"Adam: argument 'beta1' must be .* < 1, got 2.0"),
    ]


def test_the_findings_cases_raise_at_once():
    c = Ctx()
    try:
        for call, cls, pattern in _issue_cases(c):
            before = c.state()
            try:
                call()
            except cls as e:
                assert re.search(pattern, str(e)), (pattern, str(e))
            else:
                raise AssertionError(f"no {cls.__name__} for {pattern}")
            assert c.state() == before
    finally:
        c.close()


def test_numpy_integers_are_ints_stored_as_python_ints():
    c = Ctx()
    try:
        out = layers.fc(c.x, np.int64(3), num_flatten_dims=np.int32(1))
        w = c.main.all_parameters()[0]
        assert w.shape == (3, 3) and all(type(d) is int for d in w.shape)
        assert out.shape == (3, 3)
        mul = c.main.global_block().ops[0]
        assert mul.type == "mul" and type(mul.attr("x_num_col_dims")) is int
        layers.dropout(c.x, np.float32(0.25), seed=np.int64(7))
        drop = c.main.global_block().ops[-1]
        assert type(drop.attr("seed")) is int and drop.attr("seed") == 7
        assert type(drop.attr("dropout_prob")) is float
        assert L2Decay(np.int64(2)).coeff == 2.0
        assert type(Xavier(fan_in=np.int64(4)).fan_in) is int
    finally:
        c.close()


def test_append_op_checks_each_attr_against_its_default():
    c = Ctx()
    try:
        block = c.main.global_block()
        before = c.state()
        cases = [("scale", {"X": c.x}, {"scale": "2"}, TypeError,
                  r"op 'scale': scale must be a number, got '2' \(str\)"),
                 ("scale", {"X": c.x}, {"bias_after_scale": 1}, TypeError,
                  "op 'scale': bias_after_scale must be a bool, got 1"),
                 ("reshape", {"X": c.x}, {"shape": [3, 2 ** 70]}, ValueError,
                  "op 'reshape': shape must fit int64"),
                 ("reshape", {"X": c.x}, {"shape": [3.0, 3]}, TypeError,
                  "op 'reshape': shape must be a list of ints"),
                 ("fill_constant", {}, {"shape": [1], "dtype": "float99"}, ValueError,
                  "op 'fill_constant': dtype is not one of .*got 'float99'"),
                 ("cast", {"X": c.x}, {"out_dtype": np.float32}, TypeError,
                  "op 'cast': out_dtype must be a str")]
        for type_, ins, attrs, cls, pattern in cases:
            try:
                block.append_op(type_, ins, {"Out": "out"}, attrs)
            except cls as e:
                assert re.search(pattern, str(e)), (pattern, str(e))
            else:
                raise AssertionError(f"no {cls.__name__} for {type_} {attrs}")
        assert c.state() == before
        # What passes is stored as plain Python values (programs save as JSON); an int given
        # for a float attr is stored as a float, as fluid's FLOAT attrs were
        op = block.append_op("scale", {"X": c.x}, {"Out": "out"},
                             {"scale": np.float32(2.0), "bias": 1, "bias_after_scale": np.True_})
        assert [type(op.attr(k)) for k in ("scale", "bias", "bias_after_scale")] == [
            float, float, bool]
    finally:
        c.close()


def test_a_loaded_program_is_checked_by_the_registry_s_attr_rules():
    from minifluid import checks, io, registry
    assert io.wrong_attr is checks.wrong_attr
    defaults = registry.get_op("scale").attrs
    assert checks.wrong_attr(defaults, {"scale": 2, "bias_after_scale": False}) == ""
    assert "attr 'scale'" in checks.wrong_attr(defaults, {"scale": [1, 2]})
    assert "attr 'nope'" in checks.wrong_attr(defaults, {"nope": 1})
    assert "attr 'scale'" in checks.wrong_attr(defaults, {"scale": 10 ** 400})


def test_gradients_across_programs_appends_nothing():
    c = Ctx()
    try:
        loss = c.loss
        before = c.state()
        for targets, inputs in ((loss, c.other), (c.other, c.x), ([loss, c.other], c.x)):
            try:
                fluid.gradients(targets, inputs)
            except ValueError as e:
                assert "another program" in str(e) and "'targets'" in str(e), str(e)
            else:
                raise AssertionError("gradients across programs was accepted")
            assert c.state() == before
    finally:
        c.close()


def test_a_refused_fc_leaves_no_parameter_behind():
    c = Ctx()
    try:
        before = c.state()
        try:  # the weight 'w' is made, then the bias cannot share it (another shape)
            layers.fc(c.x, 2, param_attr="w", bias_attr="w")
        except ValueError as e:
            assert "parameter 'w' is shared" in str(e)
        else:
            raise AssertionError("a bias sharing the weight's name was accepted")
        assert c.state() == before
        layers.fc(c.x, 2, param_attr="w")  # and the name is free for the next call
    finally:
        c.close()


def test_every_public_entry_point_is_in_the_table():
    labels = {e.label for e in TABLE}
    missing = [f"layers.{n}" for n in layers.__all__
               if n not in labels and f"layers.{n}" not in labels]
    seen = set()
    for prefix, module in (("", fluid.initializer), ("", fluid.optimizer),
                           ("", fluid.regularizer), ("nn.", fluid.nn),
                           ("nn.functional.", fluid.nn.functional), ("tf.nn.", tf.nn)):
        for n in module.__all__:
            obj = getattr(module, n)
            if n in ("Initializer", "Optimizer") or not callable(obj) or obj in seen or any(
                    obj is getattr(layers, m) for m in layers.__all__):
                continue  # a base class, a module, an alias, a layer under another name
            seen.add(obj)
            if prefix + n not in labels:
                missing.append(prefix + n)
    missing += [n for n in ("fluid.data", "gradients", "append_backward", "fluid.embedding")
                if n not in labels]
    assert not missing, f"public entry points the fuzzer does not try: {missing}"

# issue 15's indexing layers (minifluid/layers/shape15c.py); the indices are int Variables,
# none in the pool
TABLE += [
    Entry("argsort", "argsort", lambda c, **k: layers.argsort(**k), lambda c: dict(input=c.x),
          dict(input=VAR, axis=INT(-2, 1), descending=BOOL, name=NAME)),
    # index [1, 2]: input must have rank >= 2 (x; lr and loss are [1])
    Entry("gather_nd", "gather_nd", lambda c, **k: layers.gather_nd(**k),
          lambda c: dict(input=c.x, index=layers.fill_constant([1, 2], "int64", 0)),
          dict(input=X, index=NEVER, name=NAME)),
    # index [3]: updates must be [3, 3] float32 like x
    Entry("scatter", "scatter", lambda c, **k: layers.scatter(**k),
          lambda c: dict(input=c.x, index=layers.fill_constant([3], "int64", 0), updates=c.x),
          dict(input=X, index=NEVER, updates=X, name=NAME, overwrite=BOOL)),
]

PADS_4 = lambda v, c: LIST_OF(INT(0))(v, c) and len(v) == 4  # noqa: E731 (x [3, 3])
TABLE += [
    Entry("pad", "pad", lambda c, **k: layers.pad(**k),
          lambda c: dict(x=c.x, paddings=[0, 1, 2, 0]),
          dict(x=X, paddings=PADS_4, pad_value=FLOAT(finite=False), name=NAME)),
    # a 4-D input: x as [1, 1, 3, 3]; reflect pads by less than 3, NHWC pads dims 1 and 2
    Entry("pad2d", "pad2d", lambda c, **k: layers.pad2d(**k),
          lambda c: dict(input=layers.fill_constant([1, 1, 3, 3], "float32", 1.0)),
          dict(input=NEVER, paddings=PADS_4, mode=ONE_OF("constant", "reflect", "edge"),
               pad_value=FLOAT(finite=False), data_format=ONE_OF("NCHW", "NHWC"), name=NAME)),
    Entry("pad_constant_like", "pad_constant_like", lambda c, **k: layers.pad_constant_like(**k),
          lambda c: dict(x=c.x, y=c.x),
          dict(x=X, y=X, pad_value=FLOAT(finite=False), name=NAME)),
]

ONE_D = lambda v, c: v is c.lr or (c._loss is not None and v is c._loss)  # noqa: E731 ([1])
INDEX_DTYPE = lambda v, c: DTYPE(v, c) and np.dtype(v).name in ("int32", "int64")  # noqa: E731
TABLE += [
    Entry("unique", "unique", lambda c, **k: layers.unique(**k), lambda c: dict(x=c.lr),
          dict(x=ONE_D, dtype=INDEX_DTYPE)),
    Entry("unique_with_counts", "unique_with_counts",
          lambda c, **k: layers.unique_with_counts(**k), lambda c: dict(x=c.lr),
          dict(x=ONE_D, dtype=INDEX_DTYPE)),
    # x [3, 3] as weights; min < max (1.0 and 0.0 by default), both finite
    Entry("sampling_id", "sampling_id", lambda c, **k: layers.sampling_id(**k),
          lambda c: dict(x=c.x),
          dict(x=X, min=FLOAT(hi=1.0, open_hi=True), max=FLOAT(lo=0.0, open_lo=True),
               seed=INT(0, 2 ** 31 - 1), dtype=DTYPE)),
]
