"""Weight decay, added to a parameter's gradient before the optimizer's update.

    L2Decay(c): Grad += c * Param
"""
from __future__ import annotations

__all__ = ["L2Decay", "L2DecayRegularizer"]


class L2Decay:
    def __init__(self, regularization_coeff: float = 0.0):
        if isinstance(regularization_coeff, bool) or not isinstance(regularization_coeff,
                                                                    (int, float)):
            raise TypeError(f"L2Decay: regularization_coeff must be a number, got "
                            f"{type(regularization_coeff).__name__}")
        self.coeff = float(regularization_coeff)

    def append(self, block, param, grad):
        """Append the ops that add the decay to `grad`, in place."""
        decay = block.create_var(f"{param.name}@DECAY")
        block.append_op("scale", {"X": param}, {"Out": decay}, {"scale": self.coeff},
                        role="optimize")
        block.append_op("sum", {"X": [grad, decay]}, {"Out": grad}, role="optimize")


L2DecayRegularizer = L2Decay
