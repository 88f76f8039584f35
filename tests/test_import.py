"""`import lossx` never imports a deep-learning framework."""

from __future__ import annotations

import subprocess
import sys


def test_import_lossx_imports_no_framework():
    script = (
        "import sys, lossx, lossx.primitives, lossx.testing\n"
        "import numpy as np\n"
        "lossx.huber(np.ones(3), np.zeros(3))\n"
        "print([m for m in ('torch', 'jax', 'tensorflow', 'keras') if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_import_lossx_does_not_import_rich():
    script = "import sys, lossx; print('rich' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
