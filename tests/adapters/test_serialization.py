"""State and serialization of every loss in every adapter (docs/state-and-serialization.md).

Option sets are the matrix's (tests/numerics/test_matrix.py ``CASES``: every option of every
loss, tensor options such as ``class_weight`` included); the costly checks (a jitted
function per loss, a saved Keras model per loss) take the first option set of each loss.

* NumPy and JAX loss objects: ``pickle`` round trip (equal, same hash, same value) for
  every option set; JAX objects as static arguments of ``jax.jit``, without retracing
  for an equal object, for every loss.
* torch modules: ``state_dict`` (tensor options are buffers, scalars plain attributes),
  ``torch.save``/``torch.load`` of the module and of a model holding it, ``copy.deepcopy``,
  for every option set and every torch preset.
* Keras losses: ``get_config``/``from_config`` and ``keras.saving`` (de)serialization for
  every option set and every Keras preset; ``keras.models.load_model`` of a compiled
  model, in a fresh process without ``custom_objects``, for every Keras loss.

Test ids: ``<loss>-<options>`` (the matrix's case id) or the preset name; the backend is
in the test name. A round trip must give back the same object, so values are compared
exactly with the original object's on the case's own inputs.
"""

from __future__ import annotations

import copy
import functools
import inspect
import io
import json
import os
import pickle
import subprocess
import sys
import textwrap
import zlib

import numpy as np
import pytest

import lossx
from lossx.backends import unavailable
from lossx.presets import presets
from tests.numerics.test_matrix import CASES
from tests.support.frameworks import framework, installed, only_framework, to_backend

ONE_PER_LOSS = [case for i, case in enumerate(CASES) if case.loss not in {c.loss for c in CASES[:i]}]
CASE_IDS = [case.id for case in CASES]
ONE_PER_LOSS_IDS = [case.id for case in ONE_PER_LOSS]
needs = {b: pytest.mark.skipif(not installed(b), reason=f"{b} is not installed") for b in ("torch", "jax")}


def _arrays(case) -> tuple:
    return tuple(case.make(np.random.default_rng(zlib.crc32(case.id.encode())), case.options))


def _camel(case) -> str:
    return lossx.lookup(case.loss).camel_name


def _differing(case) -> dict:
    """The case's options with every per-class vector reversed (still valid), so a loaded state shows in the value."""
    vectors = {option.name for option in lossx.lookup(case.loss).options if option.is_tensor}
    return {
        name: tuple(reversed(value)) if name in vectors and isinstance(value, (tuple, list)) else value
        for name, value in case.options.items()
    }


def _buffer_names(spec, options: dict) -> set[str]:
    """The tensor options given as vectors: what the torch module keeps as buffers."""
    return {o.name for o in spec.options if o.is_tensor and isinstance(options.get(o.name), (tuple, list))}


# ----------------------------------------------------------------- NumPy


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_numpy_object_pickles(case):
    import lossx.backends.numpy as LN

    cls = getattr(LN, _camel(case))
    loss = cls(reduction="sum", **case.options)
    restored = pickle.loads(pickle.dumps(loss))
    assert type(restored) is cls
    assert restored == loss and hash(restored) == hash(loss) and repr(restored) == repr(loss)
    arrays = _arrays(case)
    np.testing.assert_array_equal(restored(*arrays), loss(*arrays))


# ----------------------------------------------------------------- JAX


@needs["jax"]
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@only_framework("jax")
def test_jax_object_pickles_and_hashes_by_options(case):
    framework("jax")
    import lossx.backends.jax as LJ

    cls = getattr(LJ, _camel(case))
    loss = cls(reduction="sum", **case.options)
    restored = pickle.loads(pickle.dumps(loss))
    assert type(restored) is cls
    assert restored == loss and hash(restored) == hash(loss) and repr(restored) == repr(loss)
    # An object built again from the same options (vectors as lists) is the same static argument.
    again = cls(reduction="sum", **{k: list(v) if isinstance(v, tuple) else v for k, v in case.options.items()})
    assert again == loss and hash(again) == hash(loss)
    assert cls(reduction="none", **case.options) != loss


@needs["jax"]
@pytest.mark.parametrize("case", ONE_PER_LOSS, ids=ONE_PER_LOSS_IDS)
@only_framework("jax")
def test_jax_object_is_a_static_argument_without_retracing(case):
    jax = framework("jax")
    import lossx.backends.jax as LJ
    import lossx.backends.numpy as LN

    cls = getattr(LJ, _camel(case))
    traces = []

    @functools.partial(jax.jit, static_argnums=0)
    def apply(loss, *arrays):
        traces.append(loss)
        return loss(*arrays)

    numpy_arrays = _arrays(case)
    arrays = tuple(to_backend("jax", a) for a in numpy_arrays)
    loss = cls(**case.options)
    # Tracing is what static arguments key; lowering traces without paying XLA compilation.
    apply.lower(loss, *arrays)
    apply.lower(pickle.loads(pickle.dumps(loss)), *arrays)
    value = apply(cls(**case.options), *arrays)
    assert len(traces) == 1, "an equal loss object must reuse the traced function"
    expected = getattr(LN, cls.__name__)(**case.options)(*numpy_arrays)
    np.testing.assert_allclose(np.asarray(value), expected, rtol=1e-12, atol=1e-300)
    apply.lower(cls(reduction="sum", **case.options), *arrays)
    assert len(traces) == 2, "a loss with other options is another static argument"


# ----------------------------------------------------------------- torch


def _torch_value(module, arrays):
    torch = framework("torch")
    with torch.no_grad():
        return module(*(to_backend("torch", a) for a in arrays))


@needs["torch"]
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@only_framework("torch")
def test_torch_state_dict_save_load_and_deepcopy(case):
    torch = framework("torch")
    import lossx.backends.torch as LT

    cls = getattr(LT, _camel(case))
    spec = lossx.lookup(case.loss)
    module = cls(reduction="sum", **case.options)
    arrays = _arrays(case)
    value = _torch_value(module, arrays)

    buffers = _buffer_names(spec, case.options)
    assert set(module.state_dict()) == buffers
    assert all(module.state_dict()[name].dtype == torch.float64 for name in buffers)

    # state_dict through torch.save/torch.load with torch's default (weights_only=True).
    saved = io.BytesIO()
    torch.save(module.state_dict(), saved)
    saved.seek(0)
    target = cls(reduction="sum", **_differing(case))
    if buffers:
        assert not torch.equal(_torch_value(target, arrays), value)
    target.load_state_dict(torch.load(saved))
    assert repr(target) == repr(module)
    assert torch.equal(_torch_value(target, arrays), value)

    clone = copy.deepcopy(module)
    assert type(clone) is cls and repr(clone) == repr(module)
    assert all(getattr(clone, name) is not getattr(module, name) for name in buffers)
    assert torch.equal(_torch_value(clone, arrays), value)

    # The whole module is a pickle of a lossx class: torch.load needs weights_only=False.
    saved = io.BytesIO()
    torch.save(module, saved)
    saved.seek(0)
    loaded = torch.load(saved, weights_only=False)
    assert type(loaded) is cls and repr(loaded) == repr(module)
    assert torch.equal(_torch_value(loaded, arrays), value)


def _holder(criterion):
    torch = framework("torch")
    model = torch.nn.Module()
    model.linear = torch.nn.Linear(3, 2)
    model.criterion = criterion
    return model


@needs["torch"]
@pytest.mark.parametrize("case", ONE_PER_LOSS, ids=ONE_PER_LOSS_IDS)
@only_framework("torch")
def test_torch_model_holding_the_loss_saves_and_loads(case, tmp_path):
    torch = framework("torch")
    import lossx.backends.torch as LT

    spec = lossx.lookup(case.loss)
    model = _holder(getattr(LT, spec.camel_name)(**case.options))
    expected_keys = {"linear.weight", "linear.bias"} | {f"criterion.{n}" for n in _buffer_names(spec, case.options)}
    assert set(model.state_dict()) == expected_keys
    torch.save(model, tmp_path / "model.pt")
    loaded = torch.load(tmp_path / "model.pt", weights_only=False)
    assert type(loaded.criterion) is type(model.criterion) and repr(loaded.criterion) == repr(model.criterion)
    for key, tensor in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], tensor), key
    arrays = _arrays(case)
    assert torch.equal(_torch_value(loaded.criterion, arrays), _torch_value(model.criterion, arrays))


@needs["torch"]
@only_framework("torch")
def test_torch_load_of_a_whole_module_needs_weights_only_false(tmp_path):
    """torch >= 2.6 loads with weights_only=True: state_dicts load, pickled modules do not."""
    torch = framework("torch")
    import lossx.backends.torch as LT

    module = LT.SparseCategoricalCrossEntropy(from_logits=True, class_weight=(1.0, 2.0, 0.5))
    torch.save(module, tmp_path / "loss.pt")
    with pytest.raises(pickle.UnpicklingError, match="weights_only"):
        torch.load(tmp_path / "loss.pt", weights_only=True)
    torch.save(module.state_dict(), tmp_path / "state.pt")
    assert torch.equal(torch.load(tmp_path / "state.pt", weights_only=True)["class_weight"], module.class_weight)


TORCH_PRESETS = presets("torch")


@needs["torch"]
@pytest.mark.parametrize("preset", TORCH_PRESETS, ids=[p.name for p in TORCH_PRESETS])
@only_framework("torch")
def test_torch_preset_state_save_load_and_deepcopy(preset):
    torch = framework("torch")
    import lossx.backends.torch as LT

    cls = getattr(LT, preset.name)
    module = cls()
    spec = preset.spec
    arrays = preset.example_inputs(np.random.default_rng(7))
    value = _torch_value(module, arrays)
    assert set(module.state_dict()) == _buffer_names(spec, preset.lossx_options({}))
    for restored in (copy.deepcopy(module), pickle.loads(pickle.dumps(module))):
        assert type(restored) is cls and repr(restored) == repr(module)
        assert torch.equal(_torch_value(restored, arrays), value)
    saved = io.BytesIO()
    torch.save(module, saved)
    saved.seek(0)
    loaded = torch.load(saved, weights_only=False)
    assert type(loaded) is cls and torch.equal(_torch_value(loaded, arrays), value)


# ----------------------------------------------------------------- Keras


@pytest.fixture(scope="module")
def keras_adapter():
    """``(keras, lossx.backends.keras)``; skips where Keras or its engine is not installed."""
    keras = pytest.importorskip("keras")
    import lossx.backends.keras as LK

    return keras, LK


def _keras_inputs(case) -> tuple | None:
    """``(y_true, y_pred)`` as a Keras user passes them (packed as the loss declares), or None when the
    case needs more arrays."""
    arrays = _arrays(case)
    packing = lossx.lookup(case.loss).packing
    if packing is not None:
        by_name = dict(zip((i.name for i in lossx.lookup(case.loss).inputs), arrays, strict=False))
        y_pred = np.stack(np.broadcast_arrays(*(by_name[name] for name in packing.y_pred)), axis=packing.axis)
        y_true = by_name[packing.y_true] if packing.y_true else np.zeros(len(y_pred))
    elif len(arrays) != 2:
        return None  # extra inputs (ctc's lengths): Keras passes only (y_true, y_pred)
    else:
        y_pred, y_true = arrays
    return (y_true.astype("float32") if y_true.dtype.kind == "f" else y_true), y_pred.astype("float32")


def _json_options(options: dict) -> dict:
    return {name: list(value) if isinstance(value, tuple) else value for name, value in options.items()}


KERAS_CASES = [case for case in CASES if unavailable(lossx.lookup(case.loss), "keras") is None]
KERAS_ONE_PER_LOSS = [case for case in ONE_PER_LOSS if case in KERAS_CASES]


@pytest.mark.parametrize("case", KERAS_CASES, ids=[case.id for case in KERAS_CASES])
@only_framework("keras")
def test_keras_config_round_trip(case, keras_adapter):
    from tests.adapters.test_keras_adapter import keras_arguments

    keras, LK = keras_adapter
    cls = getattr(LK, _camel(case))
    options = keras_arguments(cls, case.options)  # Keras's Dice takes Keras's names
    loss = cls(reduction="sum", name="my_loss", **options)
    assert loss.lossx_options == lossx.lookup(case.loss).validate(case.options)
    config = loss.get_config()
    assert json.loads(json.dumps(config)) == config, "the config must be JSON"
    for name, value in _json_options(options).items():
        assert config[name] == value, (name, config)
    assert config["reduction"] == "sum" and config["name"] == "my_loss"

    restored = cls.from_config(config)
    assert type(restored) is cls and restored.get_config() == config
    serialized = keras.saving.serialize_keras_object(loss)
    assert serialized["registered_name"] == f"lossx>{cls.__name__}"
    again = keras.saving.deserialize_keras_object(json.loads(json.dumps(serialized)))
    assert type(again) is cls and again.get_config() == config
    # The options the loss computes with, not only the config (values: the load_model test below).
    assert restored.lossx_options == again.lossx_options == loss.lossx_options


def _preset_non_default(preset) -> dict:
    """Every option a Keras preset takes, under its Keras name, set away from its default."""
    from tests.adapters.test_keras_adapter import _non_default

    lossx_to_keras = {lossx_name: name for name, lossx_name in preset.renames.items()}
    options = {
        lossx_to_keras.get(o.name, o.name): _non_default(o)
        for o in preset.spec.options
        if o.name not in preset.fixed and o.kind not in ("axis", "class_axes", "weights")
    }
    options.update(
        {name: not default for name, default in preset.framework_options.items() if isinstance(default, bool)}
    )
    return options


KERAS_PRESETS = presets("keras")


@pytest.mark.parametrize("variant", ["default", "options"])
@pytest.mark.parametrize("preset", KERAS_PRESETS, ids=[p.name for p in KERAS_PRESETS])
@only_framework("keras")
def test_keras_preset_config_round_trip(preset, variant, keras_adapter):
    keras, LK = keras_adapter
    cls = getattr(LK, preset.name)
    options = _preset_non_default(preset) if variant == "options" else {}
    loss = cls(reduction="sum", **options)
    config = loss.get_config()
    assert json.loads(json.dumps(config)) == config
    for name, value in options.items():
        assert config[name] == value, (name, config)
    assert not set(preset.fixed) & set(config), "fixed options are not the preset's to save"
    restored = keras.saving.deserialize_keras_object(json.loads(json.dumps(keras.saving.serialize_keras_object(loss))))
    assert type(restored) is cls and restored.get_config() == config
    assert restored.lossx_options == loss.lossx_options


def _loss_value(keras, loss, y_true, y_pred):
    """The value of a Keras loss; the fresh process runs this same source."""
    # On JAX, eager Keras dispatches op by op (seconds for ctc); compiled, it is one call.
    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(loss)(y_true, y_pred)
    return loss(y_true, y_pred)


_LOAD_IN_FRESH_PROCESS = """
import json, sys
import numpy as np
import keras
import lossx  # registers lossx's Keras classes when Keras is imported; no custom_objects below
out = {}
for name, path in json.loads(sys.argv[1]).items():
    model = keras.models.load_model(path)
    data = np.load(path[: -len(".keras")] + ".npz")
    value = _loss_value(keras, model.loss, data["y_true"], data["y_pred"])
    out[name] = {
        "class": type(model.loss).__module__ + "." + type(model.loss).__name__,
        "config": model.loss.get_config(),
        "value": float(keras.ops.convert_to_numpy(value)),
    }
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def reloaded_models(keras_adapter, tmp_path_factory):
    """Compile and save a minimal model per Keras loss, load them all in one fresh process.

    The model is an identity map, so ``y_pred`` is the case's prediction itself and
    saving costs no weights. Returns ``{case id: (loss, original value, reloaded)}``.
    """
    from tests.adapters.test_keras_adapter import keras_arguments

    keras, LK = keras_adapter
    directory = tmp_path_factory.mktemp("keras_losses")
    saved, paths = {}, {}
    for case in KERAS_ONE_PER_LOSS:
        y_true, y_pred = _keras_inputs(case)
        cls = getattr(LK, _camel(case))
        loss = cls(**keras_arguments(cls, case.options))
        inputs = keras.Input(y_pred.shape[1:])
        model = keras.Model(inputs, keras.layers.Identity()(inputs))
        model.compile(loss=loss)
        path = directory / f"{case.id}.keras"
        model.save(path)
        np.savez(directory / f"{case.id}.npz", y_true=y_true, y_pred=y_pred)
        saved[case.id] = (loss, float(keras.ops.convert_to_numpy(_loss_value(keras, loss, y_true, y_pred))))
        paths[case.id] = str(path)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            inspect.getsource(_loss_value) + textwrap.dedent(_LOAD_IN_FRESH_PROCESS),
            json.dumps(paths),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "KERAS_BACKEND": keras.backend.backend(), "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    reloaded = json.loads(result.stdout.strip().splitlines()[-1])
    return {key: (*saved[key], reloaded[key]) for key in saved}


@pytest.mark.parametrize("case", KERAS_ONE_PER_LOSS, ids=[case.id for case in KERAS_ONE_PER_LOSS])
@only_framework("keras")
def test_keras_load_model_restores_loss_without_custom_objects(case, reloaded_models):
    loss, value, reloaded = reloaded_models[case.id]
    assert reloaded["class"] == f"lossx.backends.keras.{type(loss).__name__}"
    assert reloaded["config"] == json.loads(json.dumps(loss.get_config()))
    # The same computation in another process: equal up to float32 rounding of fused kernels.
    np.testing.assert_allclose(reloaded["value"], value, rtol=1e-6, atol=0)
