"""fluid.layers: functions that append ops to the default main program."""
from .io import data
from .nn import mean, reduce_mean, reduce_sum, sigmoid_cross_entropy_with_logits

__all__ = ["data", "mean", "reduce_mean", "reduce_sum", "sigmoid_cross_entropy_with_logits"]
