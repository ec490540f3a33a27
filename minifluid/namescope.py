"""fluid.name_scope: a hierarchical prefix that ops created inside it carry as their
`op_namescope` ('/s1/s2/'; '/' outside every scope), for graphs and debugging only. A
prefix used again under the same parent gets a suffix, as in fluid 1.8 ('/s1_1/')."""
from __future__ import annotations

import contextlib
import threading

__all__ = ["name_scope", "current"]


class _Scope:
    def __init__(self, name="", parent=None):
        self.name, self.parent, self.children = name, parent, {}
        self.full = (parent.full if parent is not None else "/") + (name + "/" if name else "")

    def child(self, prefix: str) -> "_Scope":
        n = self.children.get(prefix, 0)
        self.children[prefix] = n + 1
        return _Scope(prefix if n == 0 else f"{prefix}_{n}", self)


_ROOT = _Scope()
_current = threading.local()


def current() -> str:
    """The op_namescope of an op created now."""
    return getattr(_current, "scope", _ROOT).full


@contextlib.contextmanager
def name_scope(prefix=None):
    """Ops created inside get op_namescope '<outer scopes>/<prefix>/'.

    Example:
        with fluid.name_scope("encoder"):
            h = fluid.layers.fc(x, 8)    # its ops' op_namescope is '/encoder/'
    """
    if not isinstance(prefix, str) or not prefix:
        raise ValueError(f"name_scope: argument 'prefix' must be a non-empty str (fluid 1.8 "
                         f"asserts 'namescope prefix can not be empty'), got {prefix!r}")
    outer = getattr(_current, "scope", _ROOT)
    _current.scope = outer.child(prefix)
    try:
        yield
    finally:
        _current.scope = outer
