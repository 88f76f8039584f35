"""Array-namespace resolution, lazy and cached per array type.

``namespace_of(x)`` returns the Array-API namespace of ``x``: array-api-compat's
wrapper for NumPy, torch, JAX, Dask, CuPy and any ``__array_namespace__`` array,
and lossx's own minimal namespace for TensorFlow tensors (array-api-compat has
none). A framework is only ever looked at through the type of an array the user
passed, so lossx never imports a framework the user did not import. What depends on
the framework (``is_eager``, ``to_numpy``) is asked of its kernel module
(:mod:`lossx.kernels`), found once per array type.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

from ._errors import DTypeError, MixedFrameworkError

__all__ = ["namespace_of", "to_namespace", "device_of", "is_eager", "to_numpy", "framework_name"]

_NAMESPACE_BY_TYPE: dict[type, ModuleType] = {}
_EAGER_CHECK_BY_TYPE: dict[type, Callable[[Any], bool]] = {}
_TO_NUMPY_BY_TYPE: dict[type, Callable[[Any], Any]] = {}
_FRAMEWORK_BY_TYPE: dict[type, str] = {}
_PYTHON_SCALARS = (bool, int, float, complex, list, tuple)
_NUMPY_LIKE = (np.ndarray, np.generic, *_PYTHON_SCALARS)


def framework_name(x: Any) -> str:
    """A short name of the framework an array belongs to (``"torch"``, ``"jax"``, ...)."""
    kind = type(x)
    name = _FRAMEWORK_BY_TYPE.get(kind)
    if name is None:
        name = kind.__module__.split(".")[0]
        name = {"jaxlib": "jax", "builtins": "python"}.get(name, name)
        _FRAMEWORK_BY_TYPE[kind] = name
    return name


def _is_tensorflow(x: Any) -> bool:
    tf = sys.modules.get("tensorflow")
    return tf is not None and isinstance(x, (tf.Tensor, tf.Variable))


def _resolve(x: Any) -> ModuleType:
    if _is_tensorflow(x):
        from .kernels import tensorflow_namespace

        return tensorflow_namespace
    if isinstance(x, _PYTHON_SCALARS):
        return array_api_compat.array_namespace(np.asarray(x))
    return array_api_compat.array_namespace(x)


def namespace_of(x: Any) -> ModuleType:
    """The Array-API namespace for ``x`` (cached per type of ``x``)."""
    kind = type(x)
    xp = _NAMESPACE_BY_TYPE.get(kind)
    if xp is None:
        try:
            xp = _resolve(x)
        except TypeError:
            raise MixedFrameworkError(
                f"lossx cannot compute on an object of type {kind.__module__}.{kind.__qualname__}: "
                "pass a NumPy, torch, JAX or TensorFlow array, or any Array API array."
            ) from None
        _NAMESPACE_BY_TYPE[kind] = xp
    return xp


def to_namespace(xp: ModuleType, value: Any, like: Any, name: str) -> Any:
    """``value`` as an array of ``xp`` on ``like``'s device.

    Arrays already of ``xp`` are returned untouched (re-wrapping a torch tensor
    can drop ``requires_grad``); NumPy arrays, lists and scalars are converted;
    an array of another framework raises :class:`MixedFrameworkError`.
    """
    if type(value) is type(like) and not isinstance(like, np.ndarray):
        return value  # the common case: an array of y_pred's own type (a NumPy array's dtype is checked below)
    array = np.asarray(value) if isinstance(value, _NUMPY_LIKE) else None
    if array is not None and array.dtype.kind not in "biuf":
        raise DTypeError(
            f"{name} holds values of dtype {array.dtype}; lossx needs real numbers (a "
            "boolean, integer or floating array). Convert it, e.g. np.asarray(values, dtype='float32')."
        )
    if not isinstance(value, _PYTHON_SCALARS) and namespace_of(value) is xp:
        return value
    if array is None:
        raise MixedFrameworkError(
            f"{name} is a {framework_name(value)} array but y_pred is a {framework_name(like)} "
            f"array; convert {name} to {framework_name(like)} (or pass a NumPy array, which "
            "lossx converts for you)."
        )
    return xp.asarray(array, **device_of(like))


def device_of(like: Any) -> dict[str, Any]:
    """``{"device": ...}`` for frameworks whose arrays live on a device other than the default.

    Only torch needs it here: JAX and TensorFlow place new constants by context,
    and asking a JAX tracer for its device fails under ``jit``.
    """
    return {"device": like.device} if framework_name(like) == "torch" else {}


def _always(x: Any) -> bool:
    return True


def _never(x: Any) -> bool:
    return False


def _eager_check(x: Any) -> Callable[[Any], bool]:
    framework = framework_name(x)
    if framework in ("numpy", "array_api_strict"):
        return _always
    # Imported here: lossx.kernels builds on this module.
    from .kernels import framework_module

    module = framework_module(framework)
    return _never if module is None else module.is_eager


def is_eager(x: Any) -> bool:
    """Whether ``x`` holds concrete values that may be inspected from Python.

    False under ``jax.jit``, ``tf.function``, ``torch.compile`` and for lazy
    arrays (Dask): value checks (label range, probability range) are skipped there.
    """
    check = _EAGER_CHECK_BY_TYPE.get(type(x))
    if check is None:
        check = _EAGER_CHECK_BY_TYPE[type(x)] = _eager_check(x)
    return check(x)


def _numpy_conversion(x: Any) -> Callable[[Any], Any]:
    from .kernels import framework_module

    module = framework_module(framework_name(x))
    return np.asarray if module is None else module.to_numpy


def to_numpy(x: Any) -> np.ndarray:
    """``x``'s values as a NumPy array, detached from autodiff and on the host (for messages and checks)."""
    convert = _TO_NUMPY_BY_TYPE.get(type(x))
    if convert is None:
        convert = _TO_NUMPY_BY_TYPE[type(x)] = _numpy_conversion(x)
    return convert(x)
