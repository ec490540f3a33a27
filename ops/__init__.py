"""The ops, one file each (a family of near-identical ops shares one; an op whose CUDA kernels
are long keeps them in `<op>_cuda.py`): formula docstring, shape rule, grad maker and
kernels. Importing this package registers them all. Installed as `minifluid.ops`.
"""
from . import (activation, activation_attrs, cast, concat, dropout,  # noqa: F401
               elementwise, fill_any_like, fill_constant, matmul, mean, mul, optimizers,
               reduce, reshape, scale, sigmoid_cross_entropy_with_logits,
               sigmoid_cross_entropy_with_logits_cuda, softmax, sum)
