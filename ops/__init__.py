"""The ops, one file each (a family of near-identical ops shares one; an op with several long
kernels is a package, `<op>/`, one file per implementation): formula docstring, shape rule,
grad maker and kernels. Importing this package registers them all. Installed as `minifluid.ops`.
"""
from . import (activation, activation_attrs, arg_min_max, assign, cast,  # noqa: F401
               concat, dropout, elementwise, fill_any_like, fill_constant,
               fill_constant_batch_size_like, fill_zeros_like, gather, matmul, mean, mul,
               one_hot, optimizers, print_op, random, reduce, reshape, reverse, scale, shape,
               sigmoid_cross_entropy_with_logits, slice, softmax, split, squeeze, stack, sum,
               top_k, transpose)
