"""paddle.dataset: fluid 1.8's dataset readers (uci_housing, mnist, imikolov, movielens,
cifar, imdb, wmt16), reading the original files from paddle.dataset.common's data home."""
from . import cifar, common, imdb, imikolov, mnist, movielens, uci_housing, wmt16  # noqa: F401

__all__ = ["common", "uci_housing", "mnist", "imikolov", "movielens", "cifar", "imdb", "wmt16"]
