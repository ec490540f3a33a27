"""Steps per second of word2vec-style training with sparse embedding tables: minifluid,
the same math in plain numpy written by hand, and torch (nn.Embedding(sparse=True) + SGD)
where torch is installed; then minifluid's is_sparse=True against is_sparse=False as the
vocabulary grows, to show that a sparse step costs what the batch touches.

    python benchmarks/bench_embedding.py [--vocabs 10000 100000 1000000]

The model (CBOW with negative sampling, as word2vec trains it): per example, 4 context ids
look up rows of the input table W_in [V, 64] and are averaged into h; the target id and 5
negative ids (drawn uniformly) look up rows of the output table W_out [V, 64]; their dot
products with h are 6 logits, scored by sigmoid cross entropy against labels 1, 0, 0, 0,
0, 0; the loss is the mean over the batch's 256 x 6 logits. Both tables are embeddings
with is_sparse=True (fluid.embedding, op lookup_table_v2), trained by SGD with learning
rate 0.1, float32. One step = forward, backward, and the update of the rows looked up (at
most 256 x 4 + 256 x 6 = 2560 of each table's V rows). The batch is the same every step,
as in bench_training.py. Before timing, three steps of minifluid and of the numpy
reference (and of torch) from the same tables are checked to give the same losses.
"""
import argparse
import os
import platform

import numpy as np
from bench_loss import race, which_minifluid

import minifluid as fluid

BATCH, CONTEXT, NEG, DIM, LR = 256, 4, 5, 64, 0.1


def batch(vocab, rng):
    ctx = rng.integers(0, vocab, (BATCH, CONTEXT))
    samples = rng.integers(0, vocab, (BATCH, 1 + NEG))  # the target first, then negatives
    labels = np.zeros((BATCH, 1 + NEG), np.float32)
    labels[:, 0] = 1
    return ctx, samples, labels


def tables(vocab, rng):
    return [rng.uniform(-0.5, 0.5, (vocab, DIM)).astype(np.float32) for _ in range(2)]


def minifluid_step(data, weights, is_sparse=True):
    ctx_v, samples_v, labels_v = data
    main, startup = fluid.Program(), fluid.Program()
    vocab = weights[0].shape[0]
    with fluid.program_guard(main, startup):
        ctx = fluid.data("ctx", [None, CONTEXT], "int64")
        samples = fluid.data("samples", [None, 1 + NEG], "int64")
        labels = fluid.data("labels", [None, 1 + NEG], "float32")
        e_in = fluid.embedding(ctx, [vocab, DIM], is_sparse=is_sparse, param_attr="w_in")
        h = fluid.layers.reduce_mean(e_in, dim=1, keep_dim=True)  # [B, 1, D]
        e_out = fluid.embedding(samples, [vocab, DIM], is_sparse=is_sparse,
                                param_attr="w_out")  # [B, 6, D]
        logits = fluid.layers.reshape(fluid.layers.matmul(e_out, h, transpose_y=True),
                                      [-1, 1 + NEG])
        loss = fluid.layers.mean(fluid.layers.sigmoid_cross_entropy_with_logits(logits, labels))
        fluid.optimizer.SGD(LR).minimize(loss)
    exe, scope = fluid.Executor(fluid.CPUPlace()), fluid.Scope()
    exe.run(startup, scope=scope)
    for name, w in zip(("w_in", "w_out"), weights):
        scope.var(name).get_tensor().set(w.copy(), fluid.CPUPlace())
    feed = {"ctx": ctx_v, "samples": samples_v, "labels": labels_v}
    return lambda: float(exe.run(main, feed=feed, fetch_list=[loss], scope=scope)[0][0])


def numpy_step(data, weights):
    """The same step by hand: gather, forward, backward, and SGD on the rows looked up."""
    ctx, samples, labels = data
    w_in, w_out = (w.copy() for w in weights)
    n = labels.size

    def step():
        e = w_in[ctx]                              # [B, C, D]
        h = e.mean(axis=1)                         # [B, D]
        o = w_out[samples]                         # [B, 6, D]
        s = np.einsum("bkd,bd->bk", o, h)          # logits
        loss = (np.maximum(s, 0) - s * labels + np.log1p(np.exp(-np.abs(s)))).mean()
        ds = (1 / (1 + np.exp(-s)) - labels) / n   # d loss / d logits
        d_o = ds[:, :, None] * h[:, None, :]
        d_h = np.einsum("bk,bkd->bd", ds, o) / CONTEXT
        np.add.at(w_out, samples.reshape(-1), -LR * d_o.reshape(-1, DIM))
        np.add.at(w_in, ctx.reshape(-1), np.repeat(-LR * d_h, CONTEXT, axis=0))
        return float(loss)
    return step


def torch_step(data, weights):
    import torch
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    ctx, samples, labels = (torch.from_numpy(a) for a in data)
    emb = [torch.nn.Embedding(*w.shape, sparse=True) for w in weights]
    with torch.no_grad():
        for e, w in zip(emb, weights):
            e.weight.copy_(torch.from_numpy(w))
    opt = torch.optim.SGD([e.weight for e in emb], lr=LR)
    F = torch.nn.functional.binary_cross_entropy_with_logits

    def step():
        opt.zero_grad()
        h = emb[0](ctx).mean(dim=1)
        s = torch.einsum("bkd,bd->bk", emb[1](samples), h)
        loss = F(s, labels)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def same_losses(fns, steps=3):
    losses = {k: [f() for _ in range(steps)] for k, f in fns.items()}
    ref = losses["numpy"]
    for k, v in losses.items():
        assert np.allclose(v, ref, rtol=1e-4, atol=1e-6), (k, v, ref)
    return ref


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=100_000, help="the race's vocabulary")
    ap.add_argument("--vocabs", type=int, nargs="*", default=[10_000, 100_000, 1_000_000],
                    help="vocabularies of the sparse/dense sweep (none: skip it)")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    versions = [f"python {platform.python_version()}", f"numpy {np.__version__}"]
    data, weights = batch(args.vocab, rng), tables(args.vocab, rng)
    fns = {"minifluid": minifluid_step(data, weights), "numpy": numpy_step(data, weights)}
    try:
        import torch
        versions.append(f"torch {torch.__version__}")
        fns["torch"] = torch_step(data, weights)
    except ImportError:
        versions.append("torch not installed: no torch figures")
    print(f"{platform.machine()}, {os.cpu_count()} cores; " + ", ".join(versions)
          + f"; {which_minifluid()}")
    losses = same_losses(fns)
    print(f"the first three losses agree: {', '.join(f'{v:.6f}' for v in losses)}")
    res = race(fns)
    print(f"\nCBOW + negative sampling, tables {args.vocab} x {DIM} sparse, batch {BATCH}, "
          f"SGD; one training step, best (median):")
    print("| what | ms | steps/s | steps/s, median | minifluid's time / its time |")
    print("|---|---|---|---|---|")
    for k, (b, m) in res.items():
        print(f"| {k} | {b * 1e3:.2f} | {1 / b:.0f} | {1 / m:.0f} | "
              f"{res['minifluid'][0] / b:.2f} |")
    if not args.vocabs:
        return
    print("\nminifluid, is_sparse=True against False (every row of both tables updated), and "
          "the numpy reference (sparse); steps/s, best (median):")
    print("| vocabulary | sparse | dense | dense time / sparse time | numpy, sparse |\n"
          "|---|---|---|---|---|")
    for vocab in args.vocabs:
        data, weights = batch(vocab, rng), tables(vocab, rng)
        sweep = {"sparse": minifluid_step(data, weights, True),
                 "dense": minifluid_step(data, weights, False),
                 "numpy": numpy_step(data, weights)}
        same_losses(sweep, 2)
        r = race(sweep, rounds=5)
        cell = {k: f"{1 / b:.1f} ({1 / m:.1f})" for k, (b, m) in r.items()}
        print(f"| {vocab:.0e} | {cell['sparse']} | {cell['dense']} | "
              f"{r['dense'][0] / r['sparse'][0]:.1f} | {cell['numpy']} |")


if __name__ == "__main__":
    main()
