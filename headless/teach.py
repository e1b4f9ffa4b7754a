# SPDX-License-Identifier: GPL-3.0-or-later
"""`oor_batch.py --finetune [FOLDER]`: fine-tune on captures before (or instead of) the jobs.

Runs synchronously in this process, with a progress line like the jobs'. The model written is
what the jobs of the same run use; the model in use inside Blender is not changed (pass
`--model PATH` to later runs, or Fine-tune in the sidebar).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..bridge.active_model import new_model_path
from ..bridge.user_data import captured_dataset_dir
from ..oor_core.progress import Progress
from ..oor_core.training.captures import CaptureError, CaptureStore


def finetune_from_args(folder: str, out: str, steps: int, init_model: str,
                       threads: int = 0) -> Path:
    """Fine-tune `init_model` ("" = shipped) on the captures in `folder` ("" = the add-on's);
    the model's path. SystemExit(2) with the reason when it cannot be done."""
    from ..oor_core.model.inference import set_num_threads
    from ..oor_core.training.finetune import FinetuneError, FinetuneSettings, run_finetune

    set_num_threads(threads or None)
    source = Path(folder) if folder else captured_dataset_dir()
    target = Path(out) if out else new_model_path()
    if target.suffix != ".safetensors" or target.exists():
        print(f"oor_batch: --finetune-out {target}: "
              + ("exists already; a fine-tune never overwrites a model" if target.exists()
                 else "must name a new .safetensors file"), file=sys.stderr)
        raise SystemExit(2)
    bar = None

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal bar
        if stage != "training":
            print(f"oor_batch: fine-tuning: {stage}", file=sys.stderr, flush=True)
            return
        if bar is None:
            bar = Progress(total, "fine-tuning", unit="step")
        bar.update(done - bar.n)

    try:
        captures = CaptureStore(source).load()
        result = run_finetune(captures, target, init_model or None,
                              FinetuneSettings(steps=steps), progress=progress)
    except (CaptureError, FinetuneError) as error:
        print(f"oor_batch: --finetune {source}: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except Exception as error:  # a clear line and exit 2, never a traceback
        print(f"oor_batch: --finetune {source}: fine-tuning failed ({type(error).__name__}: "
              f"{error}); no model was written", file=sys.stderr)
        raise SystemExit(2) from None
    finally:
        if bar is not None:
            bar.close()
    print(f"oor_batch: fine-tuned on {len(captures)} capture(s) from {source} in "
          f"{result.seconds:.0f} s: {result.path} (use it later with --model)", flush=True)
    return result.path
