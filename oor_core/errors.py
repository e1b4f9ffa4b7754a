"""Errors users see, importable without torch (the add-on registers before the model loads)."""


class ModelLoadError(RuntimeError):
    """A model file is missing, unreadable, corrupt or inconsistent."""


class ModelEncoderMismatch(ModelLoadError):
    """The model was trained with another text encoder than the one offered."""


class SamplingError(RuntimeError):
    """The sampler diverged (NaN / inf) or exceeded its evaluation budget."""
