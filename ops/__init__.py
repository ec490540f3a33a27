"""The ops, one file each (a family of near-identical ops shares one; an op with several long
kernels is a package, `<op>/`, one file per implementation): formula docstring, shape rule,
grad maker and kernels. Importing this package registers them all. Installed as `minifluid.ops`.
"""
from . import (accuracy, activation, activation_attrs, adagrad, arg_min_max, argsort,  # noqa: F401
               assign, auc, batch_norm, bilinear_tensor_product, bpr_loss, cast,
               chunk_eval, clip, compare, concat, cos_sim, cross_entropy, cumsum,
               data_norm, dropout, edit_distance, elementwise, elementwise_math, expand,
               eye, fill_any_like, fill_constant, fill_constant_batch_size_like,
               fill_zeros_like, gather, gather_nd, group_norm, huber_loss, isfinite,
               kldiv_loss, layer_norm, log_loss, logical, lookup_table, margin_rank_loss,
               matmul, maxout, mean, mul, norm, one_hot, optimizers, pad, pad2d, prelu,
               print_op, random, range, rank_loss, reduce, reshape, reverse, sampling_id,
               scale, scatter, sequence_erase, shape, sigmoid_cross_entropy_with_logits,
               sigmoid_focal_loss, slice, smooth_l1_loss, softmax,
               softmax_with_cross_entropy, split, squeeze, stack, strided_slice, sum,
               teacher_student_sigmoid_loss, top_k, transpose, truncated_gaussian_random,
               unique, where_index)
