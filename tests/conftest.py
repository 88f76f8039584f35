"""pytest set-up of the whole suite: the environment, the ``backend`` fixture, hypothesis profiles.

The helpers the tests import (``backend_param``, ``framework``, ``to_backend``, ...) are in
tests/support/frameworks.py; tests/README.md describes the layout.
"""

from __future__ import annotations

import gc
import os

# Before any test imports TensorFlow or JAX: silence TF's C++ logging, and make
# JAX float64 real float64 (without x64 JAX silently computes in float32).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("JAX_ENABLE_X64", "1")

import pytest

from tests.support.frameworks import BACKENDS, backend_param, runs_framework_tests


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the framework's own tests that another environment runs (``LOSSX_FRAMEWORK_TESTS``)."""
    elsewhere = [
        item
        for item in items
        if (marker := item.get_closest_marker("only_framework")) and not runs_framework_tests(marker.args[0])
    ]
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        dropped = set(map(id, elsewhere))
        items[:] = [item for item in items if id(item) not in dropped]


@pytest.fixture
def frozen_heap():
    """The earlier tests' objects out of the garbage collector's reach for one test.

    The benchmark harness collects garbage before each timed cell; late in a session that walks
    every graph and trace the earlier tests built, which took most of a smoke benchmark's time.
    """
    gc.freeze()
    yield
    gc.unfreeze()


@pytest.fixture(params=[backend_param(b) for b in BACKENDS])
def backend(request: pytest.FixtureRequest) -> str:
    """Each installed backend's name in turn."""
    return request.param


# Hypothesis profiles (tests/numerics/test_properties.py): "ci", the default, is derandomized with a
# fixed example budget, so every run draws the same examples; HYPOTHESIS_PROFILE=dev draws
# ten times as many, at random, for a developer hunting counterexamples.
try:
    from hypothesis import HealthCheck, settings
except ImportError:  # hypothesis is only needed by the property tests
    pass
else:
    _SLOW_DRAWS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
    settings.register_profile(
        "ci",
        derandomize=True,
        max_examples=100,
        deadline=None,
        print_blob=True,
        suppress_health_check=_SLOW_DRAWS,
    )
    # The single-framework tox environments: a third of the examples (the `all` environment
    # draws them all, on every backend).
    settings.register_profile(
        "smoke",
        derandomize=True,
        max_examples=34,
        deadline=None,
        print_blob=True,
        suppress_health_check=_SLOW_DRAWS,
    )
    settings.register_profile(
        "dev",
        max_examples=1000,
        deadline=None,
        print_blob=True,
        suppress_health_check=_SLOW_DRAWS,
    )
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
