"""Framework code lives in lossx/kernels/ (and the adapters of lossx/backends/) only.

Every module of lossx is parsed (not imported): an import of a framework, or a
reference to a framework's private API, anywhere else fails this test.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "lossx"

#: The frameworks whose imports belong in the framework modules.
FRAMEWORKS = frozenset({"torch", "jax", "jaxlib", "tensorflow", "keras", "optax"})

#: Private APIs of the frameworks, as dotted prefixes of an attribute chain or module name.
PRIVATE_APIS = ("torch._C", "torch.ops.aten", "torch._dynamo", "keras.src", "jax._src")

#: Where framework code belongs.
FRAMEWORK_HOMES = ("kernels", "backends")


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` of an attribute chain on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _is_private_api(name: str) -> bool:
    return any(name == api or name.startswith(api + ".") for api in PRIVATE_APIS)


def framework_code(source: str) -> list[str]:
    """The framework imports and private-API references in ``source``, as ``line: what``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for module in modules:
            if module.split(".")[0] in FRAMEWORKS or _is_private_api(module):
                found.append(f"{node.lineno}: import {module}")
                break
        if isinstance(node, ast.Attribute):
            name = _dotted(node)
            if name is not None and _is_private_api(name):
                found.append(f"{node.lineno}: {name}")
    # An attribute chain (torch._C._nn.mse_loss) is found once per link: once per line is enough.
    return sorted(set(found), key=lambda entry: int(entry.split(":")[0]))


def _misplaced() -> dict[str, list[str]]:
    misplaced = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in FRAMEWORK_HOMES:
            continue
        found = framework_code(path.read_text(encoding="utf-8"))
        if found:
            misplaced[str(relative)] = found
    return misplaced


def test_framework_code_lives_in_the_kernel_and_backend_modules():
    assert _misplaced() == {}


def test_the_check_finds_imports_and_private_apis():
    source = "import torch\nfrom jax import numpy\nimport numpy\nx = torch._C._nn.mse_loss\ny = keras.src.ops\n"
    found = framework_code(source)
    assert [line.split(":")[0] for line in found if "import" in line] == ["1", "2"]
    assert any("torch._C" in line for line in found) and any("keras.src" in line for line in found)
