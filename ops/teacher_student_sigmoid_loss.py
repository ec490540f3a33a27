"""teacher_student_sigmoid_loss: a sigmoid cross entropy of logits X ([N, 1]) against a click
z and, where there is one, a teacher's probability q, both packed in Label ([N, 1]):
Label = -2 (no q, z = 0), -1 (no q, z = 1), q (z = 0) or 1 + q (z = 1). With
softplus(x) = log(1 + exp(x)):

    Y = softplus(x)                     Label < -1
        softplus(x) - x                 -1 <= Label < 0
        2 softplus(x) - Label x         Label >= 0   (z x + q x: the two cross entropies)
    X@GRAD = dY (sigmoid(x) - [Label < -1 ? 0 : Label < 0 ? 1 : Label - sigmoid(x)])

As in fluid, the gradient sees x clipped to [soft_max_lower_bound, soft_max_up_bound], and
is 0 where x is at or beyond a bound; the loss itself is not clipped.
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import float_input, like, sigmoid, softplus

BOUNDS = {"soft_max_up_bound": 15.0, "soft_max_lower_bound": -15.0}

op = register_op("teacher_student_sigmoid_loss", inputs=["X", "Label"], outputs=["Y"],
                 attrs=BOUNDS, doc=__doc__)


@op.shape_rule
def _(op):
    x, label = float_input(op), float_input(op, "Label")
    if len(x.shape) != 2 or len(label.shape) != 2 or {x.shape[1], label.shape[1]} - {1, -1} or (
            -1 not in (x.shape[0], label.shape[0]) and x.shape[0] != label.shape[0]):
        raise ValueError(f"X ('{x.name}') must be [N, 1] and Label ('{label.name}') [N, 1], "
                         f"got {list(x.shape)} and {list(label.shape)}")
    if label.dtype != x.dtype:
        raise TypeError(f"Label ('{label.name}') must have X's dtype {x.dtype}, got "
                        f"{label.dtype}")
    return like(x)


op.default_grad(inputs=("X", "Label"), grads=("X",), dout="Y")


@op.kernel("float32", "float64")
def teacher_student_sigmoid_loss(x, label, **bounds):
    xp = get_array_module(x)
    z = label.reshape(x.shape)
    sp = softplus(x)
    return xp.where(z < -1, sp, xp.where(z < 0, sp - x, 2 * sp - z * x))


grad = register_op("teacher_student_sigmoid_loss_grad", inputs=["X", "Label", grad_name("Y")],
                   outputs=[grad_name("X")], attrs=BOUNDS)


@grad.shape_rule
def _(op):
    return {grad_name("X"): like(op.in_var("X"))}


@grad.kernel("float32", "float64")
def teacher_student_sigmoid_loss_grad(x, label, dy, *, soft_max_up_bound,
                                      soft_max_lower_bound):
    xp = get_array_module(x)
    z = label.reshape(x.shape)
    lo, up = x.dtype.type(soft_max_lower_bound), x.dtype.type(soft_max_up_bound)
    p = sigmoid(xp.clip(x, lo, up))
    g = xp.where(z < -1, p, xp.where(z < 0, p - 1, 2 * p - z))
    return xp.where((x >= up) | (x <= lo), 0, g) * dy.reshape(x.shape)
