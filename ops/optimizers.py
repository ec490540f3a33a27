"""sgd, momentum, adam: parameter updates, written in place into Param and its accumulators
(ParamOut is Param, VelocityOut is Velocity, ...). LearningRate is a tensor of shape [1].

    sgd:      Param -= lr * Grad
    momentum: Velocity = mu * Velocity + Grad
              Param -= lr * (Grad + mu * Velocity)   (use_nesterov)
              Param -= lr * Velocity                 (otherwise)
    adam:     Moment1 = beta1 * Moment1 + (1 - beta1) * Grad
              Moment2 = beta2 * Moment2 + (1 - beta2) * Grad^2
              lr_t = lr * sqrt(1 - Beta2Pow) / (1 - Beta1Pow)
              Param -= lr_t * Moment1 / (sqrt(Moment2) + epsilon * sqrt(1 - Beta2Pow))
              Beta1Pow *= beta1; Beta2Pow *= beta2
              (epsilon scaled by sqrt(1 - Beta2Pow) as in Paddle 2.x; fluid 1.x added it plain)
"""
from minifluid.framework import same_shape
from minifluid.place import get_array_module
from minifluid.registry import register_op

SCALARS = ("LearningRate", "Beta1Pow", "Beta2Pow")  # one value each, broadcast over Param


def _check(op):
    p = op.in_var("Param")
    for slot in op.inputs:
        v = op.in_var(slot)
        if slot in SCALARS:
            if any(d not in (1, -1) for d in v.shape):
                raise ValueError(f"{slot} ('{v.name}') must hold one value (shape [1]), got "
                                 f"shape {list(v.shape)}")
        elif v.dtype != p.dtype or not same_shape(v.shape, p.shape):
            raise ValueError(f"{slot} ('{v.name}', {v.dtype}{list(v.shape)}) does not match "
                             f"Param ('{p.name}', {p.dtype}{list(p.shape)})")
    for slot, names in op.outputs.items():
        src = op.in_var(slot[:-3])
        for n in names:
            v = op.block.var(n)
            v.shape, v.dtype = src.shape, src.dtype


sgd = register_op("sgd", inputs=["Param", "Grad", "LearningRate"], outputs=["ParamOut"],
                  doc=__doc__)
sgd.shape_rule(_check)


@sgd.kernel(("cpu", "cuda"), "float32", "float64")
def _(param, grad, lr):
    param -= lr * grad
    return param


momentum = register_op("momentum", inputs=["Param", "Grad", "Velocity", "LearningRate"],
                       outputs=["ParamOut", "VelocityOut"],
                       attrs={"mu": 0.9, "use_nesterov": False}, doc=__doc__)
momentum.shape_rule(_check)


@momentum.kernel(("cpu", "cuda"), "float32", "float64")
def _(param, grad, velocity, lr, *, mu, use_nesterov):
    velocity *= velocity.dtype.type(mu)
    velocity += grad
    param -= lr * (grad + velocity.dtype.type(mu) * velocity if use_nesterov else velocity)
    return param, velocity


adam = register_op("adam", inputs=["Param", "Grad", "LearningRate", "Moment1", "Moment2",
                                   "Beta1Pow", "Beta2Pow"],
                   outputs=["ParamOut", "Moment1Out", "Moment2Out", "Beta1PowOut",
                            "Beta2PowOut"],
                   attrs={"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}, doc=__doc__)
adam.shape_rule(_check)


@adam.kernel(("cpu", "cuda"), "float32", "float64")
def _(param, grad, lr, m1, m2, b1p, b2p, *, beta1, beta2, epsilon):
    xp, t = get_array_module(param), param.dtype.type
    m1 *= t(beta1)
    m1 += t(1 - beta1) * grad
    m2 *= t(beta2)
    m2 += t(1 - beta2) * grad * grad
    root = xp.sqrt(1 - b2p)
    lr_t = lr * root / (1 - b1p)
    param -= lr_t * m1 / (xp.sqrt(m2) + t(epsilon) * root)
    b1p *= t(beta1)
    b2p *= t(beta2)
    return param, m1, m2, b1p, b2p
