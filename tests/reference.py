"""Independent float64 references, written from the textbook definitions."""
import numpy as np


def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def bce_with_logits(x, z, pos_weight=None, ignore_index=-100, normalize=False):
    """-(pw z log sigmoid(x) + (1 - z) log(1 - sigmoid(x))), 0 where z == ignore_index."""
    x, z = np.asarray(x, np.float64), np.asarray(z, np.float64)
    pw = 1.0 if pos_weight is None else np.asarray(pos_weight, np.float64)
    loss = pw * z * np.logaddexp(0.0, -x) + (1 - z) * np.logaddexp(0.0, x)
    kept = z != ignore_index
    loss = np.where(kept, loss, 0.0)
    if normalize:
        loss = loss / max(np.count_nonzero(kept), 1)
    return loss


def bce_with_logits_grad(x, z, dout, pos_weight=None, ignore_index=-100, normalize=False):
    """d/dx of the above: pw z (sigmoid(x) - 1) + (1 - z) sigmoid(x), times dout."""
    x, z = np.asarray(x, np.float64), np.asarray(z, np.float64)
    pw = 1.0 if pos_weight is None else np.asarray(pos_weight, np.float64)
    g = dout * (-pw * z * sigmoid(-x) + (1 - z) * sigmoid(x))  # sigmoid(-x) = 1 - sigmoid(x)
    kept = z != ignore_index
    g = np.where(kept, g, 0.0)
    if normalize:
        g = g / max(np.count_nonzero(kept), 1)
    return g
