"""dropout: zero each element of X with probability dropout_prob while training.

    downgrade_in_infer (fluid 1.x's default): train Out = X * Mask,           test Out = X (1 - p)
    upscale_in_train:                         train Out = X * Mask / (1 - p), test Out = X
    X@GRAD = dOut * Mask, times 1 / (1 - p) when upscale_in_train (0 when p = 1); in testing
             dOut times the test scale (1 - p, or 1)

Mask is uint8, as in fluid 1.8: 1 with probability 1 - p, else 0 (all 1 in testing).

Which masks: a Seed input (a 1-element int tensor) seeds every run with its value, so one
value gives one mask. Otherwise, with fix_seed the masks follow one fixed sequence per op
and compiled program, started from `seed` (Program.random_seed gives the layer one), so two
runs of the same script drop the same elements; without fix_seed every run draws fresh
entropy and `seed` is ignored, as in Paddle.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import like, same_as, same_as_x

ATTRS = {"dropout_prob": 0.5, "is_test": False, "fix_seed": False, "seed": 0,
         "dropout_implementation": "downgrade_in_infer"}
op = register_op("dropout", inputs=["X", "Seed?"], outputs=["Out", "Mask?"], attrs=ATTRS,
                 doc=__doc__, random=True)


@op.shape_rule
def _(op):
    out = same_as_x(op)
    p, impl = op.attr("dropout_prob"), op.attr("dropout_implementation")
    if not 0 <= p <= 1:
        raise ValueError(f"dropout_prob must be in [0, 1], got {p}")
    if impl not in ("downgrade_in_infer", "upscale_in_train"):
        raise ValueError(f"dropout_implementation must be 'downgrade_in_infer' or "
                         f"'upscale_in_train', got {impl!r}")
    seed = op.in_var("Seed")
    if seed is not None and (seed.dtype.kind not in "iu" or seed.shape not in ((1,), (-1,))):
        raise TypeError(f"Seed ('{seed.name}') must be a 1-element int tensor, got "
                        f"{seed.dtype}{list(seed.shape)}")
    return {"Out": out, "Mask": like(op.in_var("X"), dtype=np.uint8)}


def _scale(p, upscale, is_test):
    """What dOut is multiplied by where Mask is 1."""
    if is_test:
        return 1 if upscale else 1 - p
    return (1 / (1 - p) if p < 1 else 0) if upscale else 1


@op.kernel("float32", "float64")
def dropout(x, seed_t, *, dropout_prob, is_test, fix_seed, seed, dropout_implementation,
            rng=None):
    xp, t = get_array_module(x), x.dtype.type
    scale = t(_scale(dropout_prob, dropout_implementation == "upscale_in_train", is_test))
    if is_test:  # a broadcast view: no array the size of X
        return x * scale, xp.broadcast_to(xp.ones((), np.uint8), x.shape)
    if seed_t is not None:
        rng = np.random.default_rng(int(seed_t.reshape(-1)[0]))  # a read of the device
    elif rng is None:  # a direct call: a plan binds one generator per op, seeded or not
        rng = np.random.default_rng(seed if fix_seed and seed else None)
    mask = xp.asarray(rng.random(x.shape) >= dropout_prob).astype(np.uint8)
    return x * mask * scale if scale != 1 else x * mask, mask


@op.grad_maker
def _(op):
    if not op.output("Mask"):
        raise ValueError(f"{op.where()}: dropout has no Mask output to differentiate with")
    return [dict(type="dropout_grad", inputs={grad_name("Out"): [grad_name(op.output("Out")[0])],
                                              "Mask": op.output("Mask")},
                 outputs={grad_name("X"): [grad_name(op.input("X")[0])]}, attrs=dict(op.attrs))]


# Out@GRAD first: kernels are chosen by the first input's dtype, and Mask is uint8.
grad = register_op("dropout_grad", inputs=[grad_name("Out"), "Mask"],
                   outputs=[grad_name("X") + "?"], attrs=ATTRS)
grad.shape_rule(same_as(grad_name("Out")))


# uint8 too: a program built by hand may list Mask first (the kernel follows dOut's dtype)
@grad.kernel("float32", "float64", "uint8")
def dropout_grad(dout, mask, *, dropout_prob, is_test, fix_seed, seed,
                 dropout_implementation):
    t = dout.dtype.type
    scale = t(_scale(dropout_prob, dropout_implementation == "upscale_in_train", is_test))
    if is_test:
        return dout * scale
    return dout * mask * scale if scale != 1 else dout * mask
