# SPDX-License-Identifier: GPL-3.0-or-later
"""The OOR model inside Blender: loaded once, in the background, shared by all operators.

Torch work (loading, sampling) may run on a worker thread; it never touches bpy there. Under
`blender -b` (no event loop) callers simply wait for it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

from ..oor_core.errors import ModelLoadError
from ..oor_core.model.text_encoder import TextEncoder, TextEncoderError

# Blender keeps its own threads busy; with two threads torch's OpenMP pool contends with them
# (DESIGN.md section 3), so one thread is the measured default.
DEFAULT_THREADS = 1


@dataclass(frozen=True)
class ModelConfig:
    model_path: str = ""
    encoder_path: str = ""
    cpu_threads: int = 0

    @classmethod
    def from_settings(cls, settings) -> ModelConfig:
        return cls(settings.model_path, settings.encoder_path, settings.cpu_threads)


def encoder_for_folder(folder: str) -> TextEncoder:
    try:
        model_type = json.loads((Path(folder) / "config.json").read_text()).get("model_type", "")
    except (OSError, ValueError) as error:
        raise ModelLoadError(f"text encoder folder '{folder}' has no readable config.json "
                             f"({error})") from None
    return TextEncoder("t5" if model_type == "t5" else "minilm", folder)


def load_model(config: ModelConfig):
    """Load and warm up (encoder included) so the first Apply Relation is fast.

    torch is imported here, not when the add-on is enabled: Blender starts without that cost.
    """
    from ..oor_core.model.inference import OORModel, set_num_threads

    set_num_threads(config.cpu_threads or DEFAULT_THREADS)
    if config.model_path and not Path(config.model_path).is_file():
        raise ModelLoadError(f"model file not found: '{config.model_path}' (set another in the "
                             "add-on preferences, or press Use Shipped Model)")
    try:
        encoder = encoder_for_folder(config.encoder_path) if config.encoder_path else None
        model = OORModel.load(config.model_path or None, encoder=encoder)
        model.encoder.encode(["a teacup on a table"])
    except TextEncoderError as error:
        raise ModelLoadError(f"text encoder could not be loaded: {error}") from None
    return model


class ModelService:
    """Holds at most one loaded model; `state` is what the sidebar's status line shows."""

    def __init__(self):
        self._lock = threading.Lock()
        self._config: ModelConfig | None = None
        self._model = None  # OORModel once loaded
        self._error: str = ""
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> str:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return "LOADING"
            if self._error:
                return "ERROR"
            return "READY" if self._model is not None else "NOT_LOADED"

    @property
    def error(self) -> str:
        return self._error

    def _load(self, config: ModelConfig):
        try:
            model, error = load_model(config), ""
        except (ModelLoadError, ValueError, OSError, RuntimeError) as exc:
            model, error = None, str(exc)
        with self._lock:
            if self._config == config:
                self._model, self._error = model, error

    def request(self, config: ModelConfig, retry: bool = False) -> None:
        """Start loading in the background unless this configuration is loaded or loading.

        A failed load is retried only when asked (an explicit Apply), not on every redraw.
        """
        with self._lock:
            loading = self._thread is not None and self._thread.is_alive()
            if self._config == config and (self._model is not None or loading
                                           or (self._error and not retry)):
                return
            self._config, self._model, self._error = config, None, ""
            self._thread = threading.Thread(target=self._load, args=(config,), daemon=True,
                                            name="oor-model-load")
            self._thread.start()

    def get(self, config: ModelConfig):
        """The loaded model, waiting for a load in progress; ModelLoadError on failure.

        With no background load under way the caller loads it itself: headless runs and tests
        never start a thread, so torch is only ever used from one thread there.
        """
        with self._lock:
            thread = self._thread
            loading = thread is not None and thread.is_alive() and self._config == config
            needed = not loading and (self._config != config or self._model is None)
            if needed:
                self._config, self._model, self._error, self._thread = config, None, "", None
        if loading:
            thread.join()
        elif needed:
            self._load(config)
        with self._lock:
            if self._model is None:
                raise ModelLoadError(self._error or "the model is not loaded")
            return self._model

    def loaded(self, config: ModelConfig):
        """The model of `config` if it is loaded now, else None; never waits or loads."""
        with self._lock:
            return self._model if self._config == config else None

    def reset(self) -> None:
        """Forget the model (after the preferences change, or on unregister)."""
        with self._lock:
            self._config, self._model, self._error = None, None, ""


SERVICE = ModelService()
