"""Paddle 2.x's nn spellings: nn.functional and nn.BCEWithLogitsLoss."""
from __future__ import annotations

from ..framework import Variable
from ..layers.helper import check_name
from . import functional
from .functional import check_reduction

__all__ = ["BCEWithLogitsLoss", "functional"]


class BCEWithLogitsLoss:
    """The loss object of Paddle 2.x: settings now, (logit, label) when called.

    Example:
        loss_fn = minifluid.nn.BCEWithLogitsLoss(pos_weight=pw)
        loss = loss_fn(logit, label)          # a 0-D Variable
    """

    def __init__(self, weight=None, reduction="mean", pos_weight=None, name=None):
        check_reduction(reduction, "BCEWithLogitsLoss")
        check_name("BCEWithLogitsLoss", name)
        for arg, v in (("weight", weight), ("pos_weight", pos_weight)):
            if v is not None and not isinstance(v, Variable):
                raise TypeError(f"BCEWithLogitsLoss: '{arg}' must be None or a Variable, got "
                                f"{type(v).__name__}")
        self.weight, self.reduction, self.pos_weight, self.name = (weight, reduction,
                                                                   pos_weight, name)

    def __call__(self, logit, label):
        return functional._binary_cross_entropy("BCEWithLogitsLoss", logit, label, self.weight,
                                                self.reduction, self.pos_weight, self.name)

    forward = __call__


def __getattr__(name):
    # Paddle 2's layer classes (nn.Linear, nn.Conv2D ...) are dygraph objects
    raise AttributeError(f"module 'minifluid.nn' (paddle.nn) has no attribute '{name}': it has "
                         f"Paddle 2's loss spellings only ({', '.join(__all__)}); its layer "
                         f"classes are dygraph objects, and minifluid is static-graph only "
                         f"(build a Program with fluid.layers)")
