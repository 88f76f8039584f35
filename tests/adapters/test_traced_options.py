"""Numeric options may be arrays: traced by ``jax.jit``/``vmap``/``grad``, or 0-d torch and TensorFlow tensors.

optax's own tests call ``jax.jit(loss)(x, y, delta)``: a drop-in takes a numeric option as
a traced value. For every numeric option of every loss (from its declaration), on the
loss's own example inputs in float64:

* ``jax.jit`` with the option as a traced argument equals the call with the Python number;
* ``jax.vmap`` over two values of the option equals the two calls;
* ``jax.grad`` with respect to the option equals the central finite difference of the
  loss's values (a derivative the values themselves determine), or of another loss's where
  part of the loss is held out of the gradient (``HELD``);
* a 0-d torch tensor with ``requires_grad`` gets the same gradient, and a 0-d TensorFlow
  tensor works under ``tf.function``;
* a concrete out-of-range array is refused like the number; a traced one is not checked.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import lossx
from lossx._errors import OptionValueError
from tests.support.frameworks import framework, only_framework


def _value_for(option) -> float:
    """A valid value away from the static fast paths at 0 (label_smoothing=0, margin=0, ...).

    Tiny defaults (ε floors of 1e-7, 1e-12) become 0.01, where a finite difference can see them.
    """
    default = option.default
    if isinstance(default, (int, float)) and not isinstance(default, bool) and abs(default) >= 1e-3:
        return float(default)
    if isinstance(default, float) and 0 < default < 1e-3:
        return 0.01
    if option.high is not None and option.high <= 1:
        return 0.1 * option.high
    low = option.low if option.low is not None else 0.0
    return low + 0.5


def _cases():
    for spec in lossx.registered():
        if spec.name not in lossx.losses.__all__:
            continue
        for option in spec.options:
            if option.kind in ("float", "float_or_weights"):
                yield pytest.param(spec, option, id=f"{spec.name}-{option.name}")


CASES = list(_cases())

#: Losses part of which is held out of the gradient, and the loss whose values have the derivative
#: with respect to the option that their gradient takes.
HELD = {
    # α·v with α held (torchvision's CIoU): v does not depend on eps, so d/d eps is DIoU's.
    "complete_box_iou": "distance_box_iou",
}

#: Options that act on logits only, and what they need with them.
COMPANIONS = {"z_loss": {"from_logits": True}, "softcap": {"from_logits": True}}


def _with(option, value):
    """The call's options: ``option`` at ``value``, and what it needs with it."""
    return {option.name: value, **COMPANIONS.get(option.name, {})}


def _inputs(spec, option, value):
    options = spec.validate(_with(option, value))
    return spec.example(np.random.default_rng(3), options)


def _loss(spec):
    return getattr(lossx, spec.name)


def _difference(spec, option, arrays, value) -> float:
    """The central finite difference of the loss's NumPy values at the option's ``value``."""
    step = 1e-4 * abs(value)  # relative: an ε floor of 1e-7 must stay positive
    differenced = getattr(lossx, HELD.get(spec.name, spec.name))
    numeric = [
        float(np.asarray(differenced(*[np.asarray(a) for a in arrays], **_with(option, value + s * step))))
        for s in (1, -1)
    ]
    return (numeric[0] - numeric[1]) / (2 * step)


@pytest.mark.parametrize(("spec", "option"), CASES)
@only_framework("jax")
def test_jax_jit_vmap_and_grad_with_a_traced_option(spec, option):
    jax = framework("jax")
    jnp = jax.numpy
    value = _value_for(option)
    inputs = [jnp.asarray(a) for a in _inputs(spec, option, value)]
    loss = _loss(spec)

    def at(v):
        return loss(*inputs, **_with(option, v))

    expected = float(np.asarray(loss(*[np.asarray(a) for a in inputs], **_with(option, value))))
    np.testing.assert_allclose(float(jax.jit(at)(value)), expected, rtol=1e-12, atol=1e-12)

    other = value * 0.75 if option.high is None or value * 0.75 <= option.high else value * 0.5
    vmapped = jax.vmap(at)(jnp.asarray([value, other]))
    both = [float(np.asarray(loss(*[np.asarray(a) for a in inputs], **_with(option, v)))) for v in (value, other)]
    np.testing.assert_allclose(np.asarray(vmapped), both, rtol=1e-12, atol=1e-12)

    gradient = float(jax.jit(jax.grad(at))(value))
    assert math.isfinite(gradient)
    np.testing.assert_allclose(
        gradient, _difference(spec, option, inputs, value), rtol=1e-6, atol=1e-7 * max(1.0, abs(expected))
    )


@pytest.mark.parametrize(("spec", "option"), CASES)
@only_framework("torch")
def test_torch_zero_dim_tensor_option_is_differentiable(spec, option):
    torch = framework("torch")
    value = _value_for(option)
    arrays = _inputs(spec, option, value)
    tensor = torch.tensor(value, dtype=torch.float64, requires_grad=True)
    result = _loss(spec)(*[torch.from_numpy(np.asarray(a)) for a in arrays], **_with(option, tensor))
    (gradient,) = torch.autograd.grad(result, tensor)
    expected = float(np.asarray(_loss(spec)(*arrays, **_with(option, value))))
    np.testing.assert_allclose(float(result.detach()), expected, rtol=1e-12, atol=1e-12)
    assert math.isfinite(float(gradient))
    np.testing.assert_allclose(
        float(gradient), _difference(spec, option, arrays, value), rtol=1e-6, atol=1e-7 * max(1.0, abs(expected))
    )


@pytest.mark.parametrize(("spec", "option"), CASES)
@only_framework("tensorflow")
def test_tensorflow_zero_dim_tensor_option_under_tf_function(spec, option):
    tf = framework("tensorflow")
    value = _value_for(option)
    arrays = _inputs(spec, option, value)
    tensors = [tf.constant(a) for a in arrays]
    traced = tf.function(lambda v: _loss(spec)(*tensors, **_with(option, v)))
    expected = float(np.asarray(_loss(spec)(*arrays, **_with(option, value))))
    np.testing.assert_allclose(float(traced(tf.constant(value, dtype=tf.float64))), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(float(traced(tf.constant(value, dtype=tf.float32))), expected, rtol=1e-6, atol=1e-7)


BOUNDED = [
    pytest.param(spec, option, id=f"{spec.name}-{option.name}")
    for spec, option in (c.values for c in CASES)
    if option.low is not None
]


@pytest.mark.parametrize("backend", ["jax", "torch", "tensorflow"])
@pytest.mark.parametrize(("spec", "option"), BOUNDED)
def test_concrete_array_options_are_range_checked(spec, option, backend):
    module = framework(backend)
    bad = option.low - 1.0 if not option.low_open else option.low
    as_array = {
        "jax": lambda v: module.numpy.asarray(v),
        "torch": lambda v: module.tensor(v, dtype=module.float64),
        "tensorflow": lambda v: module.constant(v, dtype=module.float64),
    }[backend]
    arrays = _inputs(spec, option, _value_for(option))
    with pytest.raises(OptionValueError, match=f"{spec.name}: {option.name}=.* is out of range"):
        _loss(spec)(*arrays, **_with(option, as_array(bad)))


@only_framework("jax")
def test_traced_option_is_not_range_checked_under_jit():
    """Under jax.jit a traced value has no value to check: the trace completes (as the value checks do)."""
    jax = framework("jax")
    from lossx.backends import jax as LJ

    x, t = np.ones(3), np.zeros(3)
    assert bool(jax.numpy.isfinite(jax.jit(lambda d: LJ.huber(x, t, delta=d))(-2.0)))


@only_framework("jax")
def test_optax_style_positional_delta_under_jit():
    """optax's tests jit their losses with delta traced: lossx's JAX functions take it, traced, too."""
    jax = framework("jax")
    optax = pytest.importorskip("optax")
    from lossx.backends import jax as LJ

    x, t = np.linspace(-3, 3, 7), np.zeros(7)
    ours = jax.jit(lambda x, t, d: LJ.huber(x, t, delta=d, reduction="none"))(x, t, 1.5)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(optax.losses.huber_loss(x, t, delta=1.5)), rtol=1e-12)
