"""The ops, one file each: formula docstring, shape rule, grad maker and kernels.

Importing this package registers them all. Installed as `minifluid.ops`.
"""
from . import (fill_any_like, mean, reduce_mean, reduce_sum,  # noqa: F401
               sigmoid_cross_entropy_with_logits, sum)
