"""dropout: zero each element of X with probability dropout_prob while training.

    downgrade_in_infer (fluid 1.x's default): train Out = X * Mask,           test Out = X (1 - p)
    upscale_in_train:                         train Out = X * Mask / (1 - p), test Out = X
    X@GRAD = dOut * Mask, where Mask holds the scale: 1/(1 - p) on kept elements when
             upscale_in_train, and 1 - p (or 1) everywhere in testing

Mask is 1 with probability 1 - p. With seed 0 every run draws fresh entropy; with another
seed (Program.random_seed sets one) the masks follow one fixed sequence per op and compiled
program, so two runs of the same script drop the same elements.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import register_op

from .rules import same_as_x

ATTRS = {"dropout_prob": 0.5, "is_test": False, "seed": 0,
         "dropout_implementation": "downgrade_in_infer"}
op = register_op("dropout", inputs=["X"], outputs=["Out", "Mask?"], attrs=ATTRS, doc=__doc__,
                 random=True)


@op.shape_rule
def _(op):
    same_as_x(op)
    p, impl = op.attr("dropout_prob"), op.attr("dropout_implementation")
    if not 0 <= p <= 1:
        raise ValueError(f"dropout_prob must be in [0, 1], got {p}")
    if impl not in ("downgrade_in_infer", "upscale_in_train"):
        raise ValueError(f"dropout_implementation must be 'downgrade_in_infer' or "
                         f"'upscale_in_train', got {impl!r}")
    mask = op.out_var("Mask")
    if mask is not None:
        mask.shape, mask.dtype = op.in_var("X").shape, op.in_var("X").dtype


@op.kernel(("cpu", "cuda"), "float32", "float64")
def dropout(x, *, dropout_prob, is_test, seed, dropout_implementation, rng=None):
    xp, t = get_array_module(x), x.dtype.type
    upscale = dropout_implementation == "upscale_in_train"
    if is_test:  # the mask is then the constant scale, so the gradient still works
        scale = t(1 if upscale else 1 - dropout_prob)
        return x * scale, xp.broadcast_to(xp.asarray(scale), x.shape)
    rng = rng or np.random.default_rng(seed or None)
    mask = xp.asarray(rng.random(x.shape) >= dropout_prob).astype(x.dtype)
    if upscale and dropout_prob < 1:
        mask /= t(1 - dropout_prob)
    return x * mask, mask


@op.grad_maker
def _(op):
    if not op.output("Mask"):
        raise ValueError(f"{op.where()}: dropout has no Mask output to differentiate with")
    return [dict(type="dropout_grad", inputs={"Mask": op.output("Mask"),
                                              "Out@GRAD": [op.output("Out")[0] + "@GRAD"]},
                 outputs={"X@GRAD": [op.input("X")[0] + "@GRAD"]})]


grad = register_op("dropout_grad", inputs=["Mask", "Out@GRAD"], outputs=["X@GRAD?"])


@grad.shape_rule
def _(op):
    m, dx = op.in_var("Mask"), op.out_var("X@GRAD")
    dx.shape, dx.dtype = m.shape, m.dtype


@grad.kernel(("cpu", "cuda"), "float32", "float64")
def dropout_grad(mask, dout):
    return dout * mask  # Mask already holds 1 / (1 - p) when upscale_in_train
