"""Train a multi-label classifier on real data, in the fluid 1.x style.

The data are scikit-learn's bundled 8x8 handwritten digits (1797 images, shipped inside the
package: nothing is downloaded). Each image gets five independent yes/no attributes of the
digit it shows (even? at least 5? prime? has a closed loop? has a curve?), and an MLP learns
all five at once with sigmoid_cross_entropy_with_logits. The script reports per-label and
micro F1 on a held-out split, saves the inference model, loads it back and checks that the
loaded model predicts the same.

    python examples/train_multilabel.py            # CPU
    python examples/train_multilabel.py --cuda     # GPU 0 (needs minifluid[cuda])
    python examples/train_multilabel.py --model-dir model   # keep the saved model in ./model
"""
import argparse
import os
import tempfile
import time

import numpy as np
from sklearn.datasets import load_digits

import minifluid as fluid

ATTRIBUTES = {  # attribute -> the digits that have it
    "even": {0, 2, 4, 6, 8},
    "at least 5": {5, 6, 7, 8, 9},
    "prime": {2, 3, 5, 7},
    "closed loop": {0, 6, 8, 9},
    "curved": {0, 2, 3, 5, 6, 8, 9},
}
F1_BAR = 0.95  # micro F1 on the held-out split

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--cuda", action="store_true", help="train on CUDAPlace(0)")
parser.add_argument("--epochs", type=int, default=40)
parser.add_argument("--batch-size", type=int, default=64)
parser.add_argument("--seed", type=int, default=7)
parser.add_argument("--model-dir", default=None, help="where to save the inference model")
args = parser.parse_args()

# -- data: images scaled to [0, 1], five attribute labels each, a fixed 80/20 split ---------
digits = load_digits()
images = (digits.data / 16.0).astype("float32")
labels = np.array([[d in s for s in ATTRIBUTES.values()] for d in digits.target], "float32")
order = np.random.default_rng(args.seed).permutation(len(images))
n_train = int(0.8 * len(images))
train_idx, test_idx = order[:n_train], order[n_train:]


def train_reader():
    rng = np.random.default_rng(args.seed)
    for i in rng.permutation(train_idx):
        yield images[i], labels[i]


# -- the network ------------------------------------------------------------------------------
fluid.default_main_program().random_seed = args.seed
fluid.default_startup_program().random_seed = args.seed
pixels = fluid.layers.data(name="pixels", shape=[64], dtype="float32")
attrs = fluid.layers.data(name="attrs", shape=[len(ATTRIBUTES)], dtype="float32")
hidden = fluid.layers.fc(input=pixels, size=128, act="relu")
hidden = fluid.layers.dropout(hidden, dropout_prob=0.2)
hidden = fluid.layers.fc(input=hidden, size=64, act="relu")
logits = fluid.layers.fc(input=hidden, size=len(ATTRIBUTES))
cost = fluid.layers.sigmoid_cross_entropy_with_logits(x=logits, label=attrs)
loss = fluid.layers.mean(cost)
test_program = fluid.default_main_program().clone(for_test=True)
fluid.optimizer.Adam(learning_rate=0.003,
                     regularization=fluid.regularizer.L2Decay(1e-4)).minimize(loss)

place = fluid.CUDAPlace(0) if args.cuda else fluid.CPUPlace()
exe = fluid.Executor(place)
exe.run(fluid.default_startup_program())
feeder = fluid.DataFeeder(feed_list=[pixels, attrs], place=place)


def f1_scores(pred, truth):
    tp = (pred & truth).sum(0)
    fp = (pred & ~truth).sum(0)
    fn = (~pred & truth).sum(0)
    per_label = 2 * tp / np.maximum(2 * tp + fp + fn, 1)
    micro = 2 * tp.sum() / max(2 * tp.sum() + fp.sum() + fn.sum(), 1)
    return per_label, micro


def evaluate(program, fetch):
    out, = exe.run(program, feed={"pixels": images[test_idx]}, fetch_list=[fetch])
    return f1_scores(out > 0, labels[test_idx] > 0.5)


# -- training ---------------------------------------------------------------------------------
print(f"training on {place}: {len(train_idx)} images, {len(test_idx)} held out, "
      f"{len(ATTRIBUTES)} labels each")
start = time.time()
for epoch in range(1, args.epochs + 1):
    losses = [exe.run(feed=feeder.feed(batch), fetch_list=[loss])[0][0]
              for batch in fluid.batch(train_reader, args.batch_size)()]
    if epoch == 1 or epoch % 5 == 0 or epoch == args.epochs:
        _, micro = evaluate(test_program, logits)
        print(f"epoch {epoch:3d}  train loss {np.mean(losses):.4f}  held-out micro F1 "
              f"{micro:.3f}  ({time.time() - start:.1f} s)")

per_label, micro = evaluate(test_program, logits)
print("\nheld-out F1 per label:")
for name, f1 in zip(ATTRIBUTES, per_label):
    print(f"  {name:12s} {f1:.3f}")
print(f"  micro F1     {micro:.3f}  (bar: {F1_BAR})")

# -- save, load back, compare -----------------------------------------------------------------
# Into --model-dir, kept; without it into a temporary directory, removed when the check is done.
with tempfile.TemporaryDirectory(prefix="minifluid_model_") as scratch:
    model_dir = args.model_dir or os.path.join(scratch, "multilabel_model")
    fluid.io.save_inference_model(model_dir, ["pixels"], [logits], exe)
    program, feed_names, fetch_targets = fluid.io.load_inference_model(model_dir, exe)
loaded, = exe.run(program, feed={feed_names[0]: images[test_idx]}, fetch_list=fetch_targets)
trained, = exe.run(test_program, feed={"pixels": images[test_idx]}, fetch_list=[logits])
same = np.array_equal(loaded > 0, trained > 0) and np.allclose(loaded, trained, atol=1e-5)
where = model_dir if args.model_dir else "a temporary directory, now removed (--model-dir keeps it)"
print(f"saved to {where}; the loaded model predicts the same: {same}")
raise SystemExit(0 if same and micro >= F1_BAR else 1)
