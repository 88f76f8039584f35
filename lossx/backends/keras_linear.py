"""Keras's form of :func:`lossx.linear_cross_entropy`: a layer that owns the output projection and adds the loss.

A ``keras.losses.Loss`` sees only ``(y_true, y_pred)``, and ``y_pred`` would be the (N, V)
logits this loss exists not to hold. So the projection is a layer,
:class:`LinearCrossEntropy`: called with the labels it adds the chunked loss
(``add_loss``) and returns it; called without, it returns the logits (inference). Its kernel
has torch's layout, ``(num_classes, hidden size)``. It runs on every Keras engine (the
engine's arrays take their framework's chunked gradient), and saves and loads with its options.
"""

from __future__ import annotations

from typing import Any

import keras

from .._options import validate_options
from ..losses import linear as _linear

__all__ = ["LinearCrossEntropy"]


@keras.saving.register_keras_serializable(package="lossx", name="LinearCrossEntropy")
class LinearCrossEntropy(keras.layers.Layer):
    """The output projection ``logits = hidden @ kernel.T + bias`` and its cross-entropy, never held whole.

    ``LinearCrossEntropy(num_classes, use_bias=False, kernel_initializer="glorot_uniform",
    bias_initializer="zeros", ignore_index=None, label_smoothing=0.0, class_weight=None,
    z_loss=0.0, softcap=None, chunk_size=None, **layer_kwargs)``; the options are
    :func:`lossx.linear_cross_entropy`'s. ``layer(hidden, labels)`` adds the mean loss to the
    model's losses and returns it (compile the model with ``loss=None``); ``layer(hidden)``
    returns the logits. ``sample_weight`` may be passed as a third argument or by name.

    Example::

        hidden = keras.Input((512,)); labels = keras.Input((), dtype="int32")
        head = lossx.backends.keras.LinearCrossEntropy(32000, z_loss=1e-4)
        model = keras.Model([hidden, labels], head(hidden, labels))
        model.compile(optimizer="adam")  # the loss is the layer's
    """

    def __init__(
        self,
        num_classes: int,
        use_bias: bool = False,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        **options: Any,
    ) -> None:
        layer_keys = ("name", "dtype", "trainable", "autocast", "input_shape", "input_dim", "batch_input_shape")
        layer_kwargs = {key: options.pop(key) for key in layer_keys if key in options}
        super().__init__(**layer_kwargs)
        self.options = validate_options(_linear.NAME, _linear.LINEAR_CROSS_ENTROPY_OPTIONS, options)
        self.num_classes = int(num_classes)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, hidden_shape: Any, labels_shape: Any = None, sample_weight_shape: Any = None) -> None:
        size = hidden_shape[-1]
        self.kernel = self.add_weight(
            shape=(self.num_classes, size),
            initializer=self.kernel_initializer,
            name="kernel",
        )
        self.bias = (
            self.add_weight(
                shape=(self.num_classes,),
                initializer=self.bias_initializer,
                name="bias",
            )
            if self.use_bias
            else None
        )

    def call(self, hidden: Any, labels: Any = None, sample_weight: Any = None) -> Any:
        kernel = _read(self.kernel)
        bias = None if self.bias is None else _read(self.bias)
        if labels is None:
            logits = keras.ops.matmul(hidden, keras.ops.transpose(kernel))
            return logits if bias is None else logits + bias
        loss = _linear.linear_cross_entropy(
            keras.ops.convert_to_tensor(hidden),
            kernel,
            keras.ops.convert_to_tensor(labels),
            bias=bias,
            sample_weight=sample_weight,
            **self.options,
        )
        self.add_loss(loss)
        return loss

    def compute_output_spec(self, hidden: Any, labels: Any = None, sample_weight: Any = None) -> Any:
        if labels is None:
            return keras.KerasTensor((*hidden.shape[:-1], self.num_classes), dtype=self.compute_dtype)
        return keras.KerasTensor((), dtype=self.compute_dtype)

    def get_config(self) -> dict[str, Any]:
        # JSON has no tuples: a class-weight vector is saved as a list.
        options = {name: list(value) if isinstance(value, tuple) else value for name, value in self.options.items()}
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            **options,
        }


def _read(variable: Any) -> Any:
    """The variable's value as the engine's array, read so that the engine's autodiff sees it."""
    value = variable.value
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf  # the engine's own framework, imported already

        # A tf.Variable read inside the tape (keras.ops.convert_to_tensor gives the Variable back).
        value = tf.convert_to_tensor(value)
    return value
