"""paddle.dataset: fluid 1.8's dataset readers (uci_housing, mnist, imikolov, movielens,
cifar, imdb), reading the original files from paddle.dataset.common's data home."""
from . import cifar, common, imdb, imikolov, mnist, movielens, uci_housing  # noqa: F401

__all__ = ["common", "uci_housing", "mnist", "imikolov", "movielens", "cifar", "imdb"]
