"""Weight decay, added to a parameter's gradient before the optimizer's update.

    L2Decay(c): Grad += c * Param
"""
from __future__ import annotations

from .checks import check_float

__all__ = ["L2Decay", "L2DecayRegularizer"]


class L2Decay:
    def __init__(self, regularization_coeff: float = 0.0):
        self.coeff = check_float("L2Decay", "regularization_coeff", regularization_coeff, lo=0)

    def append(self, block, param, grad):
        """Append the ops that add the decay to `grad`, in place."""
        decay = block.create_var(f"{param.name}@DECAY")
        block.append_op("scale", {"X": param}, {"Out": decay}, {"scale": self.coeff},
                        role="optimize")
        block.append_op("sum", {"X": [grad, decay]}, {"Out": grad}, role="optimize")


L2DecayRegularizer = L2Decay
