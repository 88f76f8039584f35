"""The framework adapters: torch, JAX, Keras, presets, serialization, compilation, TensorFlow graphs, traced options."""
