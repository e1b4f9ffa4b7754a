"""Train (or fine-tune) the OOR diffusion model on CPU.

    python -m oor_core.training [--data data/oor-v1] [--out oor_core/weights] [--steps N] [--seed S]
                             [--resume] [--bf16] [--finetune DATASET --out DIR]

Writes <out>/oor_model.safetensors (EMA weights + metadata in the header) and
<out>/oor_model.json (the same metadata, readable). Text embeddings are computed once and cached
under --cache-dir (default ~/.cache/oor_arrange); the resumable training state lives there too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import fields, replace
from pathlib import Path

import torch

from ..language.mentions import PROMPT_ROLES, text_parts
from ..model.checkpoint import load_checkpoint, save_checkpoint
from ..model.inference import DEFAULT_WEIGHTS, OORModel, encoder_for_metadata
from ..model.score_network import PhiSpace, ScoreNet, ScoreNetConfig, count_parameters
from ..model.sde import VESDE
from ..model.text_encoder import TextEncoder
from ..progress import Progress
from .data import TrainingData
from .loop import TrainConfig, Trainer, auto_sigma_max, native_bf16
from .metadata import build_metadata, dataset_record

DEFAULT_CACHE = Path(os.environ.get("OOR_CACHE_DIR", Path.home() / ".cache" / "oor_arrange"))


@contextmanager
def subnormals_flushed():
    """Within: subnormal floats are flushed to zero in this thread's arithmetic (the training
    loop; the text embeddings are computed outside it, as everywhere else).

    Subnormals (tiny gradients and their squares in Adam) take a slow microcode path on x86:
    late training steps ran ~7 % faster with them flushed (68.6 against 74.1 ms, medians of
    interleaved runs), and values under 1.2e-38 carry nothing a pose needs. numpy's float limits
    are looked up first: computed under the flush, they warn that the smallest subnormal is 0.
    """
    import numpy as np

    for dtype in (np.float16, np.float32, np.float64):
        np.finfo(dtype)  # computed once and cached by numpy
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


def load_training_dataset(path: str):
    if path == "synthetic":
        from .synthetic import make_synthetic_dataset

        return make_synthetic_dataset()
    from ..dataset import load_dataset

    return load_dataset(path)


def success_probe(model: OORModel, dataset, max_queries: int, num_samples: int) -> dict:
    """Cheap success rates per split via the evaluation harness (or the synthetic checker)."""
    try:
        from .probe import probe_success
    except ImportError:
        return {}
    return probe_success(model, dataset, max_queries=max_queries, num_samples=num_samples)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(prog="python -m oor_core.training", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="data/oor-v1", help="dataset dir (or 'synthetic')")
    ap.add_argument("--out", default=None, help="output dir (default oor_core/weights)")
    ap.add_argument("--name", default="oor_model", help="output file stem")
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--resume", action="store_true", help="continue from the saved state")
    ap.add_argument("--finetune", metavar="DATASET", default=None,
                    help="continue from --init weights on this dataset (needs --out)")
    ap.add_argument("--init", default=None, help="weights to fine-tune (default: shipped)")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--hidden", type=int, default=None)
    ap.add_argument("--depth", type=int, default=None)
    ap.add_argument("--p-known", type=float, default=0.8)
    ap.add_argument("--text-noise", type=float, default=None,
                    help="std of Gaussian noise on the text embeddings (default 0; a fine-tune "
                         "keeps its model's)")
    ap.add_argument("--name-dropout", type=float, default=None, metavar="P",
                    help="zero each pair's base / target name embedding with probability P "
                         "(default 0; a fine-tune keeps its model's)")
    ap.add_argument("--text-mixup", type=float, default=None, metavar="P",
                    help="mix each pair's prompt embedding with another train prompt of its "
                         "context with probability P (default 0; a fine-tune keeps its "
                         "model's)")
    ap.add_argument("--prompt-roles", choices=PROMPT_ROLES, default=None,
                    help="condition on the prompt as written (raw), with its object mentions "
                         "replaced by role words (marked), or marked and the relation's own "
                         "words embedded apart as a fourth text (phrase); default raw, a "
                         "fine-tune keeps its model's")
    ap.add_argument("--extra-contexts", type=float, default=0.0, metavar="RATIO",
                    help="add up to RATIO x (train contexts per family) new category pairs from "
                         "the relation library's rules (held-out pairs and kinds stay out; "
                         "library datasets only)")
    ap.add_argument("--sibling-contexts", action="store_true",
                    help="give every train pair of left/right/front/behind/next to/near (and "
                         "on/under) each of its sibling relations, so that only the prompt tells "
                         "them apart (library datasets only)")
    ap.add_argument("--seats-on-tops", action="store_true",
                    help="with --sibling-contexts, also put every pair that stands under or "
                         "around a base on it where feasible (a chair on the table)")
    ap.add_argument("--more-phrasings", type=int, default=0, metavar="K",
                    help="give every train context K more train prompts in phrasings beyond the "
                         "library's templates (relations/more_phrasings.py; no held-out "
                         "paraphrase's words; library datasets only)")
    ap.add_argument("--size-jitter", type=float, default=0.0, metavar="LOG_STD",
                    help="add resized samples of every train context: object sizes times "
                         "exp(N(0, LOG_STD)) per axis, poses from the relation library "
                         "(library datasets only)")
    ap.add_argument("--size-jitter-samples", type=int, default=100,
                    help="resized samples per train context (default 100)")
    ap.add_argument("--sigma-min", type=float, default=0.005)
    ap.add_argument("--sigma-focus", type=float, default=None,
                    help="fraction of each batch at log-normal noise levels around "
                         "--sigma-focus-median (default 0; a fine-tune keeps its model's)")
    ap.add_argument("--sigma-focus-median", type=float, default=None,
                    help="median noise level of the focused part (default 0.3)")
    ap.add_argument("--sigma-focus-log-std", type=float, default=None,
                    help="log-std of the focused noise levels (default 1.2)")
    ap.add_argument("--sigma-max", type=float, default=None, help="default: from the data")
    ap.add_argument("--bf16", action="store_true",
                    help="bfloat16 autocast of the matrix products on CPUs that have it in "
                         "hardware (AVX512-BF16, AMX); elsewhere float32, with a warning")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1: a second busy process makes 2 threads far slower)")
    ap.add_argument("--cache-dir", default=str(DEFAULT_CACHE))
    ap.add_argument("--eval-every", type=int, default=10000)
    ap.add_argument("--save-every", type=int, default=1000)
    ap.add_argument("--probe-queries", type=int, default=24, help="queries per split in probes")
    ap.add_argument("--no-probe", action="store_true", help="validation loss only")
    return ap.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.bf16 and not native_bf16():
        print("warning: this CPU has no bfloat16 hardware (AVX512-BF16 or AMX), where --bf16 "
              "is emulated and many times slower: training in float32 (recorded as bf16: "
              "false; not bit-identical to a bf16 run)", flush=True)
        args.bf16 = False
    cache = Path(args.cache_dir)
    t_start = time.perf_counter()
    finetune = args.finetune is not None
    if finetune and args.out is None:
        sys.exit("--finetune needs --out DIR (the shipped weights are never overwritten by it)")
    out_dir = Path(args.out) if args.out else DEFAULT_WEIGHTS.parent
    data_path = args.finetune if finetune else args.data
    dataset = load_training_dataset(data_path)

    if finetune:
        init = Path(args.init) if args.init else DEFAULT_WEIGHTS
        encoder = encoder_for_metadata(load_checkpoint(init)[1], cache_dir=cache / "text")
        tensors, meta = load_checkpoint(init, encoder.identity)
        normalizer = PhiSpace.from_dict(meta["normalization"])  # keep the model's space
        net = ScoreNet(ScoreNetConfig.from_dict(meta["network"]))
        net.load_state_dict(tensors)
        sde = VESDE.from_dict(meta["sde"])
        steps = args.steps or 2000
        config = TrainConfig(steps=steps, batch_size=args.batch_size, lr=args.lr or 2e-4,
                             warmup=min(100, steps // 10), p_known=args.p_known,
                             seed=args.seed, bf16=args.bf16, network=net.config.to_dict(),
                             sde=sde.to_dict(), **_noise_options(args, meta.get("training", {})))
        roles = args.prompt_roles or meta.get("training", {}).get("prompt_roles", "raw")
        if text_parts(roles) != net.config.text_parts:
            sys.exit(f"--prompt-roles {roles} needs a network that reads {text_parts(roles)} "
                     f"texts; {init} reads {net.config.text_parts}")
        config = replace(config, prompt_roles=roles)
    else:
        encoder = TextEncoder(cache_dir=cache / "text", one_by_one=False)  # bulk: batched
        steps = args.steps or 50000
        net = None
        roles = args.prompt_roles or "raw"
    fitted, augmentation = _augmented(dataset, args, finetune)
    print(f"embedding texts with {encoder.identity['name']} ...", flush=True)
    # Held-out contexts hold evaluation ground truth: only `train` contexts are ever fitted
    # (captured samples are `train` contexts, see docs/DATASET.md).
    data = TrainingData.from_dataset(fitted, encoder, prompt_roles=roles)
    print(f"  {data.embeddings.shape[0]} distinct texts, {len(data.train)} training rows, "
          f"{time.perf_counter() - t_start:.1f} s", flush=True)

    if not finetune:
        normalizer = PhiSpace.fit(data.train.phi)
        x_norm = normalizer.normalize(torch.from_numpy(data.train.phi))
        sigma_max = args.sigma_max or auto_sigma_max(x_norm, args.seed)
        sde = VESDE(sigma_min=args.sigma_min, sigma_max=sigma_max)
        net_cfg = ScoreNetConfig(text_dim=encoder.dim, text_parts=text_parts(roles),
                                 sigma_min=sde.sigma_min,
                                 sigma_max=sde.sigma_max,
                                 **{k: v for k, v in (("hidden", args.hidden),
                                                      ("depth", args.depth)) if v})
        config = TrainConfig(steps=steps, batch_size=args.batch_size, lr=args.lr or 1e-3,
                             p_known=args.p_known, seed=args.seed, bf16=args.bf16,
                             network=net_cfg.to_dict(), sde=sde.to_dict(),
                             prompt_roles=roles, **_noise_options(args, {}))
    trainer = Trainer(config, data, normalizer, net=net)
    if finetune:
        trainer.ema.load_state_dict(trainer.net.state_dict())

    dataset_info = dataset_record(dataset, data_path)
    dataset_info.update(augmentation)
    key = [str(out_dir.resolve()), args.name, config.to_dict(), dataset_info["content_hash"]]
    if augmentation:  # runs without it keep the key (and resumable state) they had
        key.append(augmentation)
    run_key = hashlib.sha256(json.dumps(key).encode()).hexdigest()
    state_path = cache / "train_state" / f"{args.name}-{run_key[:12]}.safetensors"
    if args.resume and state_path.exists():
        trainer.load_state(state_path)
        print(f"resumed at step {trainer.step} from {state_path}", flush=True)
    elif args.resume:
        print(f"no saved state at {state_path}; starting from scratch", flush=True)
    print(f"network: {count_parameters(trainer.net):,} parameters, sigma in "
          f"[{trainer.sde.sigma_min}, {trainer.sde.sigma_max}], {steps} steps", flush=True)

    history: list[dict] = []
    bar = Progress(steps, "training", initial=trainer.step, unit="step")
    t_loop = time.perf_counter()
    first = trainer.step
    with subnormals_flushed():
        while trainer.step < steps:
            loss = trainer.train_step()
            bar.update()
            if trainer.step % 50 == 0:
                bar.note(loss=f"{loss:.4f}")
            if trainer.step % args.save_every == 0 or trainer.step == steps:
                trainer.save_state(state_path)
            if trainer.step % args.eval_every == 0 or trainer.step == steps:
                record = {"step": trainer.step, "val_loss": trainer.validation_loss()}
                if not args.no_probe:
                    model = OORModel(_copy(trainer.ema), normalizer, trainer.sde, encoder,
                                     {"known_scale_mode": "learned", "prompt_roles": roles})
                    record["success"] = success_probe(model, dataset, args.probe_queries, 8)
                history.append(record)
                bar.write(json.dumps(record))
    bar.close()
    loop_s = time.perf_counter() - t_loop
    per_step = loop_s / max(1, trainer.step - first)
    extra = {"metrics": {"history": history, "final": history[-1] if history else {},
                         "train_wall_s": round(time.perf_counter() - t_start, 1),
                         "step_ms": round(1000 * per_step, 2), "threads": args.threads}}
    if finetune:
        extra["finetuned_from"] = str(args.init or DEFAULT_WEIGHTS)
    meta = build_metadata(trainer, encoder, dataset_info, extra)
    path = save_checkpoint(out_dir / f"{args.name}.safetensors", trainer.ema.state_dict(), meta)
    size_mb = path.stat().st_size / 2**20
    print(f"wrote {path} ({size_mb:.2f} MiB) in {time.perf_counter() - t_start:.0f} s", flush=True)
    return 0


def _augmented(dataset, args, finetune: bool) -> tuple:
    """The dataset to fit and a record of what was added: extra library pairs
    (--extra-contexts, training/extra_contexts.py), more phrasings of every train context
    (--more-phrasings, training/more_phrasings.py) and resized samples (--size-jitter,
    training/size_jitter.py), all drawn from the relation library."""
    if (args.extra_contexts <= 0 and args.size_jitter <= 0 and not args.sibling_contexts
            and args.more_phrasings <= 0):
        return dataset, {}
    if finetune or args.data == "synthetic":
        sys.exit("--extra-contexts, --sibling-contexts, --more-phrasings and --size-jitter draw "
                 "from the relation library: they need a library dataset (not --finetune or "
                 "synthetic data)")
    record = {}
    fitted = dataset
    if args.extra_contexts > 0 or args.sibling_contexts:
        from .extra_contexts import with_extra_contexts

        rows = len(fitted.phi)
        fitted, added = with_extra_contexts(fitted, args.extra_contexts, args.seed,
                                            siblings=args.sibling_contexts,
                                            seats_on_tops=args.seats_on_tops)
        record["extra_contexts"] = {"ratio": args.extra_contexts, "added": added,
                                    "rows": len(fitted.phi) - rows}
        if args.sibling_contexts:
            record["extra_contexts"]["siblings"] = True
        if args.seats_on_tops:
            record["extra_contexts"]["seats_on_tops"] = True
    if args.more_phrasings > 0:
        from .more_phrasings import with_more_phrasings

        fitted, added = with_more_phrasings(fitted, args.more_phrasings)
        record["more_phrasings"] = {"per_context": args.more_phrasings, "prompts": added}
    if args.size_jitter > 0:
        from .size_jitter import with_size_jitter

        fitted, added = with_size_jitter(fitted, args.size_jitter, args.size_jitter_samples,
                                         args.seed)
        record["size_jitter"] = {"log_std": args.size_jitter,
                                 "per_context": args.size_jitter_samples, "rows": added}
    print(f"  added from the relation library: {json.dumps(record)}", flush=True)
    return fitted, record


def _noise_options(args, inherited: dict) -> dict:
    """Text noise, name dropout, text mixup and noise-level focus: as given, else as the model being
    fine-tuned was trained (its metadata), else the TrainConfig defaults (off; median 0.3,
    log-std 1.2)."""
    defaults = {f.name: f.default for f in fields(TrainConfig)}
    keys = ("text_noise", "name_dropout", "text_mixup", "sigma_focus", "sigma_focus_median",
            "sigma_focus_log_std")
    return {key: getattr(args, key) if getattr(args, key) is not None
            else float(inherited.get(key, defaults[key])) for key in keys}


def _copy(net: ScoreNet) -> ScoreNet:
    twin = ScoreNet(net.config)
    twin.load_state_dict(net.state_dict())
    return twin.eval()


if __name__ == "__main__":
    sys.exit(main())
