"""Backend configuration (docs/semantics.md, backend configuration).

Precedence, highest first: ``use_backend`` (context-local) > ``set_backend``
(process-wide) > ``LOSSX_BACKEND`` > ``[tool.lossx] backend`` in the nearest
``pyproject.toml`` > ``backend`` in the user's ``config.toml`` > ``"numpy"``.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib.util
import os
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path

from ._errors import BackendError, ConfigError, MissingFrameworkError

__all__ = [
    "BACKENDS",
    "get_backend",
    "set_backend",
    "use_backend",
    "installed_backends",
    "canonical_backend",
    "user_config_path",
    "missing_framework",
]

BACKENDS = ("numpy", "torch", "jax", "keras")
_ALIASES = {"tensorflow": "keras", "tf": "keras"}
#: The pip extra that installs each backend.
EXTRAS = {"numpy": None, "torch": "torch", "jax": "jax", "keras": "keras"}
_KERAS_ENGINES = ("tensorflow", "jax", "torch")

_context_backend: contextvars.ContextVar[str | None] = contextvars.ContextVar("lossx_backend", default=None)
_process_backend: str | None = None
_lock = threading.Lock()


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def installed_backends() -> tuple[str, ...]:
    """Backends whose framework is installed (found without importing it)."""
    found = ["numpy"]
    if _installed("torch"):
        found.append("torch")
    if _installed("jax"):
        found.append("jax")
    if _installed("keras") and any(_installed(engine) for engine in _KERAS_ENGINES):
        found.append("keras")
    return tuple(found)


def _install_hint(name: str) -> str:
    extra = EXTRAS[name]
    return f"pip install 'lossx[{extra}]'" if extra else "pip install lossx"


def missing_framework(backend: str, error: ImportError) -> MissingFrameworkError:
    """The error ``lossx.backends.<backend>`` raises when its framework cannot be imported."""
    missing = MissingFrameworkError(
        f"lossx.backends.{backend} needs the {backend} framework, which could not be imported ({error}); "
        f"install it with {_install_hint(backend)}. Installed here: {', '.join(installed_backends())}."
    )
    missing.name = error.name  # as ImportError's own, for code that inspects which module was missing
    return missing


def canonical_backend(name: str, *, require_installed: bool = True) -> str:
    """The canonical backend name for ``name``; refuses unknown or uninstalled ones."""
    canonical = _ALIASES.get(str(name).lower(), str(name).lower())
    installed = installed_backends()
    if canonical not in BACKENDS:
        raise BackendError(
            f"Unknown lossx backend {name!r}. Known: {', '.join(BACKENDS)} "
            f"('tensorflow' means keras); installed here: {', '.join(installed)}."
        )
    if require_installed and canonical not in installed:
        raise BackendError(
            f"The {canonical} backend is not installed; install it with {_install_hint(canonical)}. "
            f"Installed here: {', '.join(installed)}."
        )
    return canonical


def set_backend(name: str | None) -> None:
    """Set the process-wide backend (``None`` clears it)."""
    global _process_backend
    with _lock:
        _process_backend = None if name is None else canonical_backend(name)


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[str]:
    """Use ``name`` inside the ``with`` block, in this thread/async context only."""
    token = _context_backend.set(canonical_backend(name))
    try:
        yield _context_backend.get()  # type: ignore[misc]
    finally:
        _context_backend.reset(token)


def user_config_path() -> Path:
    """``$XDG_CONFIG_HOME/lossx/config.toml`` (default ``~/.config/lossx/config.toml``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "lossx" / "config.toml"


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"Malformed TOML in lossx config file {path}: {error}. Fix or remove it.") from None
    except OSError as error:
        raise ConfigError(f"Cannot read lossx config file {path}: {error}. Fix its permissions or remove it.") from None


def _table(path: Path, document: dict, keys: tuple[str, ...]) -> dict:
    """``document[keys[0]][keys[1]]...``, or {} when absent; a non-table there is a ConfigError."""
    table = document
    for depth, key in enumerate(keys, 1):
        table = table.get(key, {})
        if not isinstance(table, dict):
            name = ".".join(keys[:depth])
            raise ConfigError(
                f'{path}: {name} must be a table such as [{".".join(keys)}] with backend = "torch", got {table!r}.'
            )
    return table


def _backend_from(path: Path, table: dict, key_text: str) -> str | None:
    value = table.get("backend")
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f'{path}: {key_text} must be a string such as "torch", got {value!r}.')
    try:
        return canonical_backend(value, require_installed=False)
    except BackendError as error:
        raise ConfigError(f"{path}: {key_text} = {value!r}: {error}") from None


def _config_file_backend() -> str | None:
    for directory in (Path.cwd(), *Path.cwd().parents):
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            table = _table(pyproject, _read_toml(pyproject), ("tool", "lossx"))
            found = _backend_from(pyproject, table, "[tool.lossx] backend")
            if found is not None:
                return found
            break
    user = user_config_path()
    if user.is_file():
        return _backend_from(user, _read_toml(user), "backend")
    return None


def get_backend() -> str:
    """The active backend name, following the precedence above."""
    chosen = _context_backend.get() or _process_backend
    if chosen is not None:
        return chosen
    from_env = os.environ.get("LOSSX_BACKEND")
    if from_env:
        try:
            return canonical_backend(from_env, require_installed=False)
        except BackendError as error:
            raise ConfigError(f"LOSSX_BACKEND={from_env!r}: {error}") from None
    return _config_file_backend() or "numpy"
