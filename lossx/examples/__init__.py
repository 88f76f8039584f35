"""Example inputs and showcase option sets of the built-in losses, one module per family.

A loss declares them (``define_loss(example=..., showcase=...)``); ``lossx compare``
exercises each loss on its example inputs with each showcase option set. They live
here so that the loss files hold only the losses' bodies and declarations.
"""
