"""The ops, one file each (a family of near-identical ops shares one; an op with several long
kernels is a package, `<op>/`, one file per implementation): formula docstring, shape rule,
grad maker and kernels. Importing this package registers them all. Installed as `minifluid.ops`.
"""
from . import (accuracy, activation, activation_attrs, auc, cast, concat,  # noqa: F401
               cross_entropy, dropout, elementwise, fill_any_like, fill_constant,
               fill_constant_batch_size_like, huber_loss, kldiv_loss, log_loss, matmul, mean,
               mul, optimizers, print_op, random, reduce, reshape, scale,
               sigmoid_cross_entropy_with_logits, smooth_l1_loss, softmax,
               softmax_with_cross_entropy, sum)
from . import compare, logical  # noqa: F401,E402  (issue 15's math ops)
from . import elementwise_math  # noqa: F401,E402  (issue 15's math ops)
from . import isfinite  # noqa: F401,E402  (issue 15's math ops)
from . import clip  # noqa: F401,E402  (issue 15's math ops)
from . import cumsum  # noqa: F401,E402  (issue 15's math ops)
from . import where_index  # noqa: F401,E402  (issue 15's math ops)
from . import batch_norm, layer_norm, lookup_table  # noqa: F401,E402  (issue 15)
from . import adagrad, truncated_gaussian_random  # noqa: F401,E402  (issue 16)
from . import (arg_min_max, assign, fill_zeros_like, gather, one_hot, reverse,  # noqa: F401,E402
               shape, slice, split, squeeze, stack, top_k, transpose)  # (issue 15)
