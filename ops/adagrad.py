"""adagrad: a parameter update, written in place into Param and Moment (ParamOut is Param,
MomentOut is Moment). LearningRate is a tensor of shape [1].

    Moment += Grad^2
    Param -= lr * Grad / (sqrt(Moment) + epsilon)

A SelectedRows Grad (a sparse embedding's) updates only the rows it gives, repeated rows
summed first, as fluid 1.8's sparse kernel does: the other rows of Param and Moment are left
as they were (a dense zero gradient would leave them so too).
"""
from minifluid.place import get_array_module
from minifluid.registry import register_op
from minifluid.selected_rows import SelectedRows

from .optimizers import UPDATE, _check, _dense

adagrad = register_op("adagrad", inputs=["Param", "Grad", "Moment", "LearningRate"],
                      outputs=["ParamOut", "MomentOut"], attrs={"epsilon": 1.0e-6}, doc=__doc__,
                      no_grad=UPDATE, in_place=True, sparse=("Grad",))
adagrad.shape_rule(_check)


@adagrad.kernel("float32", "float64")
def _(param, grad, moment, lr, *, epsilon):
    eps = param.dtype.type(epsilon)
    if grad.__class__ is SelectedRows:
        grad = _dense(grad, param, "adagrad").merged()
        rows = grad.row_ids()
        m = moment[rows] + grad.value * grad.value
        moment[rows] = m
        param[rows] -= lr * grad.value / (get_array_module(m).sqrt(m) + eps)
        return param, moment
    moment += grad * grad
    param -= lr * grad / (get_array_module(moment).sqrt(moment) + eps)
    return param, moment
