"""Scope: the values of persistable variables between runs, and the per-thread current scope.

`global_scope()` is the calling thread's innermost `scope_guard` scope, else one process-wide
default; `Scope.find_var(name).get_tensor()` reads a value as fluid's did.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Optional

import numpy as np

from .selected_rows import SelectedRows

__all__ = ["Scope", "global_scope", "scope_guard"]


class _ScopeVar:
    """What `Scope.find_var` returns, as in fluid: `np.array(var.get_tensor())`."""

    def __init__(self, scope, name):
        self._scope, self._name = scope, name

    def get_tensor(self):
        return _Tensor(self._scope, self._name)

    def get_selected_rows(self) -> SelectedRows:
        """The SelectedRows this variable holds (a new, empty one if it holds nothing)."""
        value = self._scope._vars.get(self._name)
        if value is None:
            value = self._scope._vars[self._name] = SelectedRows()
        elif not isinstance(value, SelectedRows):
            raise TypeError(f"variable '{self._name}' holds a dense tensor, not SelectedRows")
        return value


class _Tensor:
    def __init__(self, scope, name):
        self._scope, self._name = scope, name

    def __array__(self, dtype=None, copy=None):
        value = self._scope._vars[self._name]
        if isinstance(value, SelectedRows):
            raise TypeError(f"variable '{self._name}' holds a SelectedRows: read its value with "
                            f"get_selected_rows().get_tensor()")
        if value is None:
            raise TypeError(f"variable '{self._name}' holds no tensor yet")
        if not isinstance(value, np.ndarray):
            return value.get() if dtype is None else value.get().astype(dtype)  # cupy -> host
        if copy is False and dtype is not None and value.dtype != dtype:
            raise ValueError(f"variable '{self._name}' is {value.dtype}: a {np.dtype(dtype)} "
                             f"array of it needs a copy, and copy=False was asked")
        if dtype is not None and value.dtype != dtype:
            return value.astype(dtype)
        # np.array(t) asks for a copy (copy=True): the scope's array is updated in place by
        # the optimizers, so a view would change under the caller; np.asarray(t) is a view
        return value.copy() if copy else value

    def set(self, array, place=None):
        array = np.array(array)  # a copy: optimizers update parameters in place
        self._scope._vars[self._name] = place.to_device(array) if place else array

    def shape(self):
        return list(self._scope._vars[self._name].shape)

    def _get_dims(self) -> list:
        """fluid's LoDTensor._get_dims (PaddleRec's infer scripts zero auc states by it)."""
        if self._scope._vars.get(self._name) is None:
            raise TypeError(f"variable '{self._name}' holds no tensor yet")
        return self.shape()

    def set_recursive_sequence_lengths(self, lengths):
        """fluid's LoD of a scope tensor: a scope holds plain arrays, so only [] (no LoD)."""
        if list(lengths):
            raise NotImplementedError(f"variable '{self._name}': a scope tensor holds no LoD "
                                      f"here; feed a fluid.LoDTensor to the Executor instead")


class Scope:
    """Holds the values of persistable variables (parameters) between runs."""

    def __init__(self):
        self._vars: dict = {}

    def var(self, name: str) -> _ScopeVar:
        self._vars.setdefault(name, None)
        return _ScopeVar(self, name)

    def find_var(self, name: str) -> Optional[_ScopeVar]:
        return _ScopeVar(self, name) if self._vars.get(name) is not None else None


_default_scope = Scope()


class _Guarded(threading.local):
    scope = None  # the calling thread's innermost scope_guard scope, if any


_guarded = _Guarded()


def global_scope() -> Scope:
    """The scope of the calling thread's innermost `scope_guard`, else the one process-wide
    default scope."""
    return _guarded.scope or _default_scope


@contextlib.contextmanager
def scope_guard(scope: Scope):
    """Make `scope` the calling thread's `global_scope()` inside the `with` block; other
    threads keep theirs.

    Example:
        with fluid.scope_guard(fluid.Scope()):
            exe.run(startup)
    """
    if not isinstance(scope, Scope):
        raise TypeError(f"scope_guard: expected a Scope, got {type(scope).__name__}")
    prev, _guarded.scope = _guarded.scope, scope
    try:
        yield
    finally:
        _guarded.scope = prev
