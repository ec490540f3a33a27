"""paddle.dataset: fluid 1.8's dataset readers (uci_housing, mnist, imikolov, movielens,
cifar, imdb, wmt16, conll05), reading the original files from the data home of
paddle.dataset.common."""
from . import cifar, common, conll05, imdb, imikolov, mnist, movielens, uci_housing  # noqa: F401
from . import wmt16  # noqa: F401

__all__ = ["common", "uci_housing", "mnist", "imikolov", "movielens", "cifar", "imdb", "wmt16",
           "conll05"]
