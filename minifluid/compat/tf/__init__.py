"""TensorFlow's keyword spelling of the loss, over the same op."""
from . import nn

__all__ = ["nn"]
