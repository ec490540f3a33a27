"""ParamAttr: how a layer creates a parameter (name, initializer, learning-rate factor,
regularizer, trainable)."""
from __future__ import annotations

from .checks import check_bool, check_float, check_instance, check_name, given, is_bool
from .initializer import Initializer
from .regularizer import L2Decay

__all__ = ["ParamAttr"]


class ParamAttr:
    """Example:
        w = fluid.ParamAttr(name="fc1.w", initializer=fluid.initializer.Normal(0, 0.01),
                            learning_rate=0.5, regularizer=fluid.regularizer.L2Decay(1e-4))
        fluid.layers.fc(x, 10, param_attr=w)
    """

    def __init__(self, name=None, initializer=None, learning_rate: float = 1.0,
                 regularizer=None, trainable: bool = True, gradient_clip=None,
                 do_model_average=False):
        where = "ParamAttr"
        self.name = check_name(where, name)
        self.initializer = check_instance(where, "initializer", initializer, Initializer,
                                          "a fluid.initializer", none=True)
        self.learning_rate = check_float(where, "learning_rate", learning_rate, lo=0)
        self.regularizer = check_instance(where, "regularizer", regularizer, L2Decay,
                                          "a fluid.regularizer (L2Decay)", none=True)
        self.trainable = check_bool(where, "trainable", trainable)
        if do_model_average is not None:
            check_bool(where, "do_model_average", do_model_average)

    @staticmethod
    def to_attr(arg, what="param_attr", where=""):
        """None or True, a ParamAttr, a name or an initializer -> ParamAttr; False stays
        False (fluid's reading: no such parameter)."""
        if arg is None or (is_bool(arg) and arg):
            return ParamAttr()
        if is_bool(arg):
            return False
        if isinstance(arg, ParamAttr):
            return arg
        if isinstance(arg, str):
            return ParamAttr(name=arg)
        if isinstance(arg, Initializer):
            return ParamAttr(initializer=arg)
        raise TypeError(f"{where + ': ' if where else ''}argument '{what}' must be None, a "
                        f"bool, a ParamAttr, a name or an initializer, got {given(arg)}")
