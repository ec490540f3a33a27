"""The PaddlePaddle book's first chapter, fit_a_line, in fluid 1.8's style: linear regression
of Boston house prices (paddle.dataset.uci_housing) trained with SGD on a mean squared error,
then the saved inference model predicting ten test houses. It is the book's program (the
same layers, optimizer, readers, batch size and learning rate) written as plain fluid 1.x
code: only its imports name minifluid.

The data are read from paddle.dataset's data home (~/.cache/paddle/dataset/uci_housing/
housing.data, or $MINIFLUID_DATA_HOME/uci_housing/housing.data): without a network, put the
UCI file there by hand (the error says where).

    python examples/fit_a_line.py                  # CPU, 100 epochs
    python examples/fit_a_line.py --use_gpu --num_epochs 20
"""
import argparse
import math
import sys
import tempfile

import numpy

import minifluid as fluid                       # was: import paddle.fluid as fluid
import minifluid.compat.paddle as paddle        # was: import paddle

BATCH_SIZE = 20


def parse_args():
    parser = argparse.ArgumentParser("fit_a_line")
    parser.add_argument("--use_gpu", action="store_true", help="train on CUDAPlace(0)")
    parser.add_argument("--num_epochs", type=int, default=100, help="passes over the data")
    parser.add_argument("--model_dir", default=None,
                        help="where to save the inference model (default: a temporary folder)")
    return parser.parse_args()


def test_cost(executor, program, reader, feeder, fetch_list):
    """The mean over `reader`'s batches of the fetched cost."""
    total, count = 0.0, 0
    for data in reader():
        cost, = executor.run(program, feed=feeder.feed(data), fetch_list=fetch_list)
        total, count = total + float(cost[0]), count + 1
    return total / count


def train(place, num_epochs, model_dir):
    train_reader = paddle.batch(
        paddle.reader.shuffle(paddle.dataset.uci_housing.train(), buf_size=500),
        batch_size=BATCH_SIZE)
    test_reader = paddle.batch(paddle.dataset.uci_housing.test(), batch_size=BATCH_SIZE)

    x = fluid.data(name="x", shape=[None, 13], dtype="float32")
    y = fluid.data(name="y", shape=[None, 1], dtype="float32")
    y_predict = fluid.layers.fc(input=x, size=1, act=None)
    cost = fluid.layers.square_error_cost(input=y_predict, label=y)
    avg_loss = fluid.layers.mean(cost)

    main_program = fluid.default_main_program()
    test_program = main_program.clone(for_test=True)
    fluid.optimizer.SGD(learning_rate=0.001).minimize(avg_loss)

    exe = fluid.Executor(place)
    exe.run(fluid.default_startup_program())
    feeder = fluid.DataFeeder(place=place, feed_list=[x, y])
    for pass_id in range(num_epochs):
        costs = []
        for data in train_reader():
            train_cost, = exe.run(main_program, feed=feeder.feed(data), fetch_list=[avg_loss])
            costs.append(float(train_cost[0]))
        if math.isnan(costs[-1]):
            sys.exit("got NaN loss, training failed.")
        print(f"Pass {pass_id}, train cost {numpy.mean(costs):.4f} (mean of its batches), "
              f"test cost {test_cost(exe, test_program, test_reader, feeder, [avg_loss]):.4f}")
    fluid.io.save_inference_model(model_dir, ["x"], [y_predict], exe)


def infer(place, model_dir):
    exe = fluid.Executor(place)
    with fluid.scope_guard(fluid.core.Scope()):
        program, feed_names, fetch_targets = fluid.io.load_inference_model(model_dir, exe)
        batch = next(paddle.batch(paddle.dataset.uci_housing.test(), batch_size=10)())
        feat = numpy.array([sample[0] for sample in batch]).astype("float32")
        label = numpy.array([sample[1] for sample in batch]).astype("float32")
        results, = exe.run(program, feed={feed_names[0]: feat}, fetch_list=fetch_targets)
    for i, (predicted, actual) in enumerate(zip(results[:, 0], label[:, 0])):
        print(f"{i}: predicted {predicted:.2f}, actual {actual:.2f}")


def main():
    args = parse_args()
    if args.use_gpu and not fluid.is_compiled_with_cuda():
        sys.exit("--use_gpu: this minifluid has no CUDA (install minifluid[cuda])")
    place = fluid.CUDAPlace(0) if args.use_gpu else fluid.CPUPlace()
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = args.model_dir or tmp
        train(place, args.num_epochs, model_dir)
        infer(place, model_dir)


if __name__ == "__main__":
    main()
