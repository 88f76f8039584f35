"""Run a callback right after a framework is imported, without importing it ourselves.

lossx must not import frameworks, yet two things are best done the moment one is
imported: registering the Keras classes (so ``keras.models.load_model`` finds them
whatever the import order) and filling lossx's per-type caches for torch tensors (so
the first ``torch.compile`` trace already sees warm caches and Dynamo does not
recompile when the caches fill).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

__all__ = ["when_imported"]

_PENDING: dict[str, list[Callable[[ModuleType], None]]] = {}
#: Names whose spec this finder is looking up itself (find_spec would recurse into it).
_SEARCHING: set[str] = set()


class _AfterImport(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        # importlib.util.find_spec (availability checks: `is_torch_available()`, pytest's
        # importorskip) also asks this finder without importing: the callbacks must stay
        # pending until the module really executes.
        if fullname not in _PENDING or fullname in _SEARCHING:
            return None
        _SEARCHING.add(fullname)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            _SEARCHING.discard(fullname)
        if spec is not None and spec.loader is not None:
            execute = spec.loader.exec_module

            def exec_module(module: ModuleType) -> None:
                execute(module)
                for callback in _PENDING.pop(fullname, ()):
                    callback(module)

            spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


_HOOK = _AfterImport()


def when_imported(name: str, callback: Callable[[ModuleType], None]) -> None:
    """Call ``callback(module)`` now if ``name`` is imported, else right after its import."""
    # A None entry is a module blocked from import (the usual way to hide an installed one).
    if sys.modules.get(name) is not None:
        callback(sys.modules[name])
        return
    _PENDING.setdefault(name, []).append(callback)
    if _HOOK not in sys.meta_path:
        sys.meta_path.insert(0, _HOOK)
