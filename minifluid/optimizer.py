"""Optimizers: `minimize(loss)` appends the backward pass, weight decay and one update op per
parameter (sgd, momentum or adam, see ops/optimizers.py), whose accumulators are
persistable variables initialised by the startup program.

Example:
    loss = fluid.layers.mean(cost)
    fluid.optimizer.Adam(learning_rate=1e-3).minimize(loss)
"""
from __future__ import annotations

import numpy as np

from .backward import _append_backward
from .checks import check_bool, check_float, check_instance, check_name, check_variable
from .framework import Program, Variable, all_or_nothing, default_startup_program, unique_name
from .regularizer import L2Decay

__all__ = ["Optimizer", "SGD", "Momentum", "Adam", "SGDOptimizer", "MomentumOptimizer",
           "AdamOptimizer", "Adagrad", "AdagradOptimizer"]


class Optimizer:
    type = ""

    def __init__(self, learning_rate, regularization=None, name=None):
        where = type(self).__name__
        if isinstance(learning_rate, (int, np.integer)) and not isinstance(learning_rate, bool):
            raise TypeError(f"{where}: learning_rate must be a float or a Variable, got int "
                            f"{learning_rate!r} (write {learning_rate}.0)")
        if not isinstance(learning_rate, Variable):
            if not isinstance(learning_rate, (float, np.floating)):
                raise TypeError(f"{where}: learning_rate must be a float or a Variable, got "
                                f"{type(learning_rate).__name__}")
            learning_rate = check_float(where, "learning_rate", learning_rate, lo=0)
        elif learning_rate.shape not in ((1,), ()):
            raise ValueError(f"{where}: a learning_rate Variable must have "
                             f"shape [1], '{learning_rate.name}' has {list(learning_rate.shape)}")
        self.learning_rate = learning_rate
        self.regularization = check_instance(where, "regularization", regularization, L2Decay,
                                             "a fluid.regularizer (L2Decay)", none=True)
        check_name(where, name)

    def minimize(self, loss, startup_program=None, parameter_list=None, no_grad_set=None):
        """Append backward and update ops; returns (optimize_ops, params_grads)."""
        where = f"{type(self).__name__}.minimize"
        if not isinstance(loss, Variable):
            check_variable(where, "loss", loss)
        check_instance(where, "startup_program", startup_program, Program, "a Program",
                       none=True)
        if isinstance(self.learning_rate, Variable):
            check_variable(where, "learning_rate", self.learning_rate, program=loss.block.program)
        startup_program = startup_program or default_startup_program()
        with all_or_nothing(loss.block.program, startup_program):
            return self._minimize(where, loss, startup_program, parameter_list, no_grad_set)

    def _minimize(self, where, loss, startup_program, parameter_list, no_grad_set):
        params_grads = _append_backward(where, loss, parameter_list, no_grad_set)
        block = loss.block
        startup = startup_program.global_block()
        for param, grad in params_grads:
            reg = param.regularizer or self.regularization
            if reg is not None:
                reg.append(block, param, grad)
        lr = self._lr_var(block, startup, loss.dtype)
        ops = [self._update(block, startup, p, g, self._param_lr(block, p, lr))
               for p, g in params_grads]
        return ops, params_grads

    def _lr_var(self, block, startup, dtype):
        if isinstance(self.learning_rate, Variable):
            return self.learning_rate
        name = unique_name.generate("learning_rate")
        return self._persistable(block, startup, name, [1], dtype, self.learning_rate)

    def _param_lr(self, block, param, lr):
        if param.learning_rate == 1.0:
            return lr
        scaled = block.create_var(unique_name.generate(f"{param.name}_learning_rate"))
        block.append_op("scale", {"X": lr}, {"Out": scaled},
                        {"scale": float(param.learning_rate)}, role="optimize")
        return scaled

    @staticmethod
    def _persistable(block, startup, name, shape, dtype, value):
        """A persistable variable in `block`, set to `value` by the startup program."""
        var = block.create_var(name, shape, dtype, persistable=True, stop_gradient=True)
        svar = startup.create_var(name, shape, dtype, persistable=True)
        startup.append_op("fill_constant", outputs={"Out": svar},
                          attrs={"shape": list(shape), "dtype": svar.dtype.name,
                                 "value": float(value)})
        return var

    def _accumulator(self, block, startup, param, what, value=0.0, shape=None):
        name = unique_name.generate(f"{param.name}_{what}")
        return self._persistable(block, startup, name, shape or list(param.shape), param.dtype,
                                 value)

    def _update(self, block, startup, param, grad, lr):
        raise NotImplementedError


class SGD(Optimizer):
    """param -= learning_rate * grad"""

    def __init__(self, learning_rate, regularization=None, name=None):
        super().__init__(learning_rate, regularization, name)

    def _update(self, block, startup, param, grad, lr):
        return block.append_op("sgd", {"Param": param, "Grad": grad, "LearningRate": lr},
                               {"ParamOut": param}, role="optimize")


class Momentum(Optimizer):
    """velocity = momentum * velocity + grad; param -= learning_rate * velocity
    (with use_nesterov: param -= learning_rate * (grad + momentum * velocity))."""

    def __init__(self, learning_rate, momentum, use_nesterov=False, regularization=None,
                 name=None):
        super().__init__(learning_rate, regularization, name)
        self.momentum = check_float("Momentum", "momentum", momentum, lo=0)
        self.use_nesterov = check_bool("Momentum", "use_nesterov", use_nesterov)

    def _update(self, block, startup, param, grad, lr):
        v = self._accumulator(block, startup, param, "velocity")
        return block.append_op("momentum", {"Param": param, "Grad": grad, "Velocity": v,
                                            "LearningRate": lr},
                               {"ParamOut": param, "VelocityOut": v},
                               {"mu": self.momentum, "use_nesterov": self.use_nesterov},
                               role="optimize")


class Adam(Optimizer):
    """Adam with fluid's bias correction folded into the step size (see ops/optimizers.py).

    beta1 and beta2 may be 1-element float Variables (the op's Beta1Tensor / Beta2Tensor),
    read each step, as in fluid 1.8; their power accumulators then start from 0.9 and
    0.999 whatever the Variables hold, as fluid 1.8's did.
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 regularization=None, name=None, lazy_mode=False):
        super().__init__(learning_rate, regularization, name)
        self.beta1 = _beta("beta1", beta1)
        self.beta2 = _beta("beta2", beta2)
        self.epsilon = check_float("Adam", "epsilon", epsilon, lo=0, open_lo=True)
        # Updates are dense either way; lazy_mode only changes sparse updates in fluid.
        self.lazy_mode = check_bool("Adam", "lazy_mode", lazy_mode)

    def minimize(self, loss, startup_program=None, parameter_list=None, no_grad_set=None):
        for arg in ("beta1", "beta2"):
            v = getattr(self, arg)
            if isinstance(v, Variable) and isinstance(loss, Variable):
                check_variable("Adam.minimize", arg, v, program=loss.block.program)
        return super().minimize(loss, startup_program, parameter_list, no_grad_set)

    def _update(self, block, startup, param, grad, lr):
        b1, b2 = self.beta1, self.beta2
        m1 = self._accumulator(block, startup, param, "moment1")
        m2 = self._accumulator(block, startup, param, "moment2")
        b1p = self._accumulator(block, startup, param, "beta1_pow_acc",
                                0.9 if isinstance(b1, Variable) else b1, [1])
        b2p = self._accumulator(block, startup, param, "beta2_pow_acc",
                                0.999 if isinstance(b2, Variable) else b2, [1])
        inputs = {"Param": param, "Grad": grad, "LearningRate": lr, "Moment1": m1,
                  "Moment2": m2, "Beta1Pow": b1p, "Beta2Pow": b2p}
        attrs = {"epsilon": self.epsilon, "lazy_mode": self.lazy_mode}
        for slot, attr, v in (("Beta1Tensor", "beta1", b1), ("Beta2Tensor", "beta2", b2)):
            if isinstance(v, Variable):
                inputs[slot] = v
            else:
                attrs[attr] = v
        return block.append_op(
            "adam", inputs,
            {"ParamOut": param, "Moment1Out": m1, "Moment2Out": m2, "Beta1PowOut": b1p,
             "Beta2PowOut": b2p}, attrs, role="optimize")


class Adagrad(Optimizer):
    """moment += grad^2; param -= learning_rate * grad / (sqrt(moment) + epsilon).

    The accumulator is named "moment" (`<param>_moment_0`), starting from
    initial_accumulator_value, as fluid 1.8 named and started it.
    """

    def __init__(self, learning_rate, epsilon=1.0e-6, regularization=None, name=None,
                 initial_accumulator_value=0.0):
        super().__init__(learning_rate, regularization, name)
        self.epsilon = check_float("Adagrad", "epsilon", epsilon, lo=0)
        self.initial_accumulator_value = check_float(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value, lo=0)

    def _update(self, block, startup, param, grad, lr):
        m = self._accumulator(block, startup, param, "moment", self.initial_accumulator_value)
        return block.append_op("adagrad", {"Param": param, "Grad": grad, "Moment": m,
                                           "LearningRate": lr},
                               {"ParamOut": param, "MomentOut": m},
                               {"epsilon": self.epsilon}, role="optimize")


def _beta(arg, v):
    """A beta of Adam: a float in [0, 1), or a 1-element float Variable."""
    if not isinstance(v, Variable):
        return check_float("Adam", arg, v, lo=0, hi=1, open_hi=True)
    if v.dtype.kind != "f" or any(d not in (1, -1) for d in v.shape):
        raise TypeError(f"Adam: argument '{arg}' must be a float in [0, 1) or a 1-element "
                        f"float Variable, got Variable '{v.name}' of {v.dtype}{list(v.shape)}")
    return v


SGDOptimizer, MomentumOptimizer, AdamOptimizer = SGD, Momentum, Adam
AdagradOptimizer = Adagrad
