"""ParamAttr: how a layer creates a parameter (name, initializer, learning-rate factor,
regularizer, trainable)."""
from __future__ import annotations

from .initializer import Initializer

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
        if name is not None and not isinstance(name, str):
            raise TypeError(f"ParamAttr: name must be a str, got {type(name).__name__}")
        if initializer is not None and not isinstance(initializer, Initializer):
            raise TypeError(f"ParamAttr: initializer must be a fluid.initializer, got "
                            f"{type(initializer).__name__}")
        self.name, self.initializer = name, initializer
        self.learning_rate, self.regularizer, self.trainable = learning_rate, regularizer, trainable

    @staticmethod
    def to_attr(arg, what="param_attr"):
        """None, a ParamAttr, a name or an initializer -> ParamAttr; False stays False."""
        if arg is None:
            return ParamAttr()
        if arg is False or isinstance(arg, ParamAttr):
            return arg
        if isinstance(arg, str):
            return ParamAttr(name=arg)
        if isinstance(arg, Initializer):
            return ParamAttr(initializer=arg)
        raise TypeError(f"{what} must be None, False, a ParamAttr, a name or an initializer, "
                        f"got {type(arg).__name__}")
