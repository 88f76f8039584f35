"""The loss under a MirroredStrategy over 2 logical CPUs: ``python -P tests/distributed/tf_worker.py``.

TensorFlow's CPU is split into two logical devices before it starts, so this runs in a
process of its own. Each replica gets one shard of the global batch. Recorded:

- ``custom_loop``: ``lossx.<loss>(..., mean_across="replicas")`` inside ``strategy.run``, the
  replicas' losses and gradients summed by ``strategy.reduce``;
- ``custom_loop_optimizer``: the same step applying the gradients with a Keras SGD optimizer
  of learning rate 1 inside ``strategy.run``, the gradient read from the variables' change;
- ``fit``: Keras's ``model.fit`` under ``strategy.scope()`` with lossx's Keras class and
  ``mean_across="replicas"``, the gradient read from one SGD step of learning rate 1, and the
  loss Keras logs;
- ``fit_per_shard_mean``: the same without ``mean_across`` (Keras's default scaling, wrong);
- ``custom_loop_single``, ``fit_single``: the full batch without a strategy.

Prints them as one JSON line (tests/distributed/problem.py).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["KERAS_BACKEND"] = "tensorflow"

import sys
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

_CPU = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(_CPU, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402

import lossx  # noqa: E402

# Run as a script (python -P): the repository's tests package at the end of sys.path, as pytest's
# append mode puts it, so an installed lossx (tox's wheel) is the one tested.
sys.path.append(str(Path(__file__).resolve().parents[2]))
from tests.distributed.keras_fit import fit_step  # noqa: E402
from tests.distributed.problem import LOSS, encode, options, problem, shard  # noqa: E402

REPLICAS = 2


def _custom_loop(data: dict[str, np.ndarray], dtype: Any, strategy: Any | None, apply: bool = False) -> dict[str, Any]:
    settings = options(data)
    loss = getattr(lossx, LOSS)
    scope = strategy.scope() if strategy is not None else tf.init_scope()
    with scope:
        weight = tf.Variable(tf.constant(data["weight"], dtype))
        bias = tf.Variable(tf.constant(data["bias"], dtype))
        optimizer = keras.optimizers.SGD(learning_rate=1.0)

    @tf.function
    def step(x: Any, labels: Any, sample_weight: Any) -> Any:
        with tf.GradientTape() as tape:
            logits = tf.matmul(x, weight, transpose_b=True) + bias
            value = loss(
                logits,
                labels,
                sample_weight=sample_weight,
                mean_across="replicas" if strategy is not None else None,
                **settings,
            )
        gradients = tape.gradient(value, [weight, bias])
        if apply:
            optimizer.apply_gradients(zip(gradients, [weight, bias], strict=True))
        return value, gradients

    def arrays(part: dict[str, np.ndarray]) -> tuple:
        return (tf.constant(part["x"], dtype), tf.constant(part["labels"]), tf.constant(part["sample_weight"], dtype))

    if strategy is None:
        value, (d_weight, d_bias) = step(*arrays(shard(data, 0, 1)))
        return {"value": value, "weight": d_weight, "bias": d_bias}
    inputs = strategy.experimental_distribute_values_from_function(
        lambda context: arrays(shard(data, context.replica_id_in_sync_group, REPLICAS))
    )
    value, gradients = strategy.run(step, args=inputs)
    summed = [strategy.reduce(tf.distribute.ReduceOp.SUM, item, axis=None) for item in (value, *gradients)]
    if apply:  # the gradient the optimizer applied, from one SGD step of learning rate 1
        summed[1:] = [data["weight"] - weight.numpy(), data["bias"] - bias.numpy()]
    return dict(zip(("value", "weight", "bias"), summed, strict=True))


def main() -> None:
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert strategy.num_replicas_in_sync == REPLICAS
    data = problem(REPLICAS)
    results: dict[str, Any] = {}
    for name in ("float64", "float32"):
        dtype = getattr(tf, name)
        results[name] = {
            "custom_loop": _custom_loop(data, dtype, strategy),
            "custom_loop_optimizer": _custom_loop(data, dtype, strategy, apply=True),
            "custom_loop_single": _custom_loop(data, dtype, None),
            "fit": fit_step(data, name, "replicas", strategy.scope()),
            "fit_per_shard_mean": fit_step(data, name, None, strategy.scope()),
            "fit_single": fit_step(data, name, None),
        }
    sys.stdout.write(encode(results) + "\n")


if __name__ == "__main__":
    main()
