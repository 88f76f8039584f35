"""What every adapter module shares: lazy generation of its objects from the registry."""

from __future__ import annotations

from typing import Any, Callable

from .._registry import LossSpec, options_docstring, registered

__all__ = ["lazy_module", "spec_for_attribute", "option_values_repr", "class_doc"]


def spec_for_attribute(name: str) -> tuple[LossSpec, bool] | None:
    """The loss an adapter attribute names: ``(spec, is_class)`` or None.

    Exact names only: the snake name gives the function, the CamelName the class.
    """
    if name.startswith("_"):
        return None
    for spec in registered():
        if name == spec.name:
            return spec, False
        if name == spec.camel_name:
            return spec, True
    return None


def lazy_module(
    namespace: dict[str, Any],
    make_function: Callable[[LossSpec], Any],
    make_class: Callable[[LossSpec], type],
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module ``__getattr__``/``__dir__`` that build and cache adapter objects on access."""
    module_name = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        found = spec_for_attribute(name)
        if found is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        spec, is_class = found
        made = make_class(spec) if is_class else make_function(spec)
        made.__module__ = module_name
        made.__qualname__ = made.__name__ = name
        if not is_class:
            made.__doc__ = options_docstring(spec)
        namespace[name] = made
        return made

    def __dir__() -> list[str]:
        names = [n for spec in registered() for n in (spec.name, spec.camel_name)]
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__


def option_values_repr(options: dict[str, Any]) -> str:
    """``name=value, ...`` for reprs."""
    return ", ".join(f"{name}={value!r}" for name, value in options.items())


def class_doc(spec: LossSpec, framework: str) -> str:
    """The docstring of a generated adapter class."""
    return f"{spec.summary}\n\n{framework} adapter of :func:`lossx.{spec.name}`.\n\n" + options_docstring(spec)
