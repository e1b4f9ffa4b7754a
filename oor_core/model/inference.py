"""High-level OOR sampling: load a trained model, encode the text condition, sample and rank.

    model = OORModel.load()                      # shipped weights, bundled MiniLM encoder
    cands = model.sample("A cup on a table", "table", "cup", known_scales=s6, seed=0)
    cands.phi[0]                                 # best-ranked 15-D OOR vector

Known scales (s_T->B, s_B), when given, come back exactly in every candidate; the pose is
sampled conditioned on them (see docs/MODEL.md for the learned vs inpainting comparison).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..geometry.oor_vector import PHI_DIM, R6, SCALES
from ..geometry.rotation6d import matrix_to_r6, r6_to_matrix
from ..geometry.surface_place import place_on_top
from ..language.mentions import condition_parts, mark_roles
from ..language.relation_check import (
    BROKEN,
    KEPT,
    checked_order,
    fit_and_keep,
    keep_or_fit,
    relation_check,
)
from ..language.relation_check import keeps as relation_check_keeps
from ..language.surface_places import read_place
from .checkpoint import ModelLoadError, load_checkpoint, read_metadata
from .ranking import DEFAULT_RANKING, candidate_energy
from .samplers import SAMPLER_NAMES, Denoiser, SamplingError, run_sampler
from .score_network import (
    ConditionedScore,
    PhiSpace,
    ScoreNet,
    ScoreNetConfig,
    make_scale_cond,
)
from .sde import VESDE
from .text_encoder import TextEncoder

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
DEFAULT_WEIGHTS = WEIGHTS_DIR / "oor_model.safetensors"
KNOWN_SCALE_MODES = ("learned", "inpaint")
_SCALE_FLOOR = 1e-3  # unknown sampled scales are clamped positive (paper App. B: scale guidance)
_ROW_CHUNK = 4096  # rows per sampler call in batched evaluation


def set_num_threads(n: int | None) -> int:
    """Set torch's intra-op threads (None leaves it); returns the setting now in force."""
    if n:
        torch.set_num_threads(int(n))
    return torch.get_num_threads()


@dataclass
class Candidates:
    """Ranked OOR candidates for one query: phi (K,15) best first, energies (lower = better)."""

    phi: np.ndarray
    scores: np.ndarray
    nfe: int
    seed: int
    sampler: str

    @property
    def best(self) -> np.ndarray:
        return self.phi[0]

    def __len__(self) -> int:
        return len(self.phi)


class OORModel:
    """A trained score network with its normalisation, SDE and text encoder."""

    def __init__(self, net: ScoreNet, normalizer: PhiSpace, sde: VESDE,
                 encoder: TextEncoder, metadata: dict, path: Path | None = None):
        self.net = net.eval()
        for p in self.net.parameters():
            p.requires_grad_(False)
        self.normalizer = normalizer
        self.sde = sde
        self.encoder = encoder
        self.metadata = metadata
        self.path = path
        self.known_scale_mode = metadata.get("known_scale_mode", "learned")
        self._text_cache: dict[tuple[str, str, str], torch.Tensor] = {}

    # ---------------------------------------------------------------- loading
    @classmethod
    def load(cls, path: str | os.PathLike | None = None, encoder: TextEncoder | None = None,
             num_threads: int | None = None) -> OORModel:
        """Load weights (default: the shipped model) and check the encoder identity.

        Raises ModelLoadError (file missing / corrupt / truncated / inconsistent) or
        ModelEncoderMismatch (encoder differs from the one the model was trained with).
        """
        set_num_threads(num_threads)
        path = Path(path) if path is not None else DEFAULT_WEIGHTS
        if encoder is None:
            meta = read_metadata(path)
            encoder = encoder_for_metadata(meta)
        tensors, meta = load_checkpoint(path, encoder.identity)
        return cls.from_state(tensors, meta, encoder, path)

    @classmethod
    def from_state(cls, tensors: dict, meta: dict, encoder: TextEncoder,
                   path: Path | None = None) -> OORModel:
        try:
            net = ScoreNet(ScoreNetConfig.from_dict(meta["network"]))
            net.load_state_dict(tensors, strict=True)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise ModelLoadError(f"{path}: weights do not match the network: {exc}") from exc
        return cls(net, PhiSpace.from_dict(meta["normalization"]),
                   VESDE.from_dict(meta["sde"]), encoder, meta, path)

    # --------------------------------------------------------------- condition
    @property
    def prompt_roles(self) -> str:
        return self.metadata.get("prompt_roles", "raw")

    def condition_text(self, prompt: str, base_name: str, target_name: str) -> str:
        """The prompt as the network was trained to read it: as written, or with its object
        mentions replaced by role words (found by name, else by embedding similarity); a place
        on the reference's top ("in the middle of") read as resting on it (surface_places.py)."""
        prompt = read_place(prompt)[0]
        if self.prompt_roles == "raw":
            return prompt
        return mark_roles(prompt, target_name, base_name, self.encoder.similarity)

    @staticmethod
    def relation_keeps(prompts, base_names, target_names, phi: np.ndarray) -> np.ndarray:
        """(Q, K) bool: which candidates phi (Q, K, 15) keep the relation their query's words
        state, all where they state none (language/relation_check.py)."""
        return relation_check_keeps(prompts, base_names, target_names, phi)

    @staticmethod
    def fit_to_words(prompts, base_names, target_names, phi: np.ndarray) -> None:
        """Candidates phi (Q, K, 15) of an "on" that stand past the base's edge or beside it,
        in place, moved onto it where that makes them keep their words
        (language/relation_check.py)."""
        fit_and_keep(prompts, base_names, target_names, phi)

    def text_features(self, prompts, base_names, target_names) -> torch.Tensor:
        """(Q, H) fused text features of the (c, B, T) triples, cached per triple."""
        keys = list(zip(prompts, base_names, target_names, strict=True))
        todo = sorted({k for k in keys if k not in self._text_cache})
        if todo:
            conditions = [condition_parts(self.condition_text(c, b, t), b, t, self.prompt_roles)
                          for c, b, t in todo]
            texts = sorted({s for k in conditions for s in k})
            emb = dict(zip(texts, self.encoder.encode(texts), strict=True))
            stacked = np.stack([np.concatenate([emb[s] for s in parts]) for parts in conditions])
            with torch.inference_mode():
                feats = self.net.encode_text(torch.from_numpy(stacked))
            for key, feat in zip(todo, feats, strict=True):
                self._text_cache[key] = feat
        return torch.stack([self._text_cache[k] for k in keys])

    # ---------------------------------------------------------------- sampling
    def _prepare(self, text_feat, known_scales, num, generator, mode):
        """Rows for Q queries x num samples: initial noise, denoiser inputs."""
        q = text_feat.shape[0]
        rows = q * num
        x_init = self.sde.prior_sample((rows, PHI_DIM), generator=generator)
        known = np.full((q, 6), np.nan) if known_scales is None else np.asarray(
            known_scales, dtype=np.float64).reshape(q, 6)
        has = np.isfinite(known).all(axis=1)
        if np.any(has & (known <= 0).any(axis=1)):
            raise ValueError("known scales must be positive")
        full = np.zeros((q, PHI_DIM))
        full[:, SCALES] = np.where(has[:, None], known, 1.0)
        values = self.normalizer.normalize(torch.from_numpy(full).float())
        values = values.repeat_interleave(num, dim=0)
        has_rows = torch.from_numpy(has).repeat_interleave(num)
        mask = torch.zeros(rows, PHI_DIM, dtype=torch.bool)
        mask[:, SCALES] = has_rows[:, None]
        learned = mode == "learned"
        scale_cond = make_scale_cond(values[:, SCALES], has_rows & learned)
        noise = None if learned else x_init / self.sde.sigma_max
        score = ConditionedScore(self.net, text_feat.repeat_interleave(num, dim=0), scale_cond)
        return x_init, score, dict(known_values=values, known_mask=mask, known_noise=noise), known

    def _finish(self, x: torch.Tensor, known: np.ndarray, num: int) -> np.ndarray:
        space = self.normalizer
        raw = x.double() * space.std.double() + space.mean.double()
        if not torch.isfinite(raw).all():
            raise SamplingError("model produced NaN/inf OOR samples")
        q = known.shape[0]
        has = np.isfinite(known).all(axis=1)
        rows = torch.from_numpy(np.repeat(has, num))
        if rows.any():  # map back with the exact known sizes, not their float32 rounding
            log_known = torch.from_numpy(np.log(np.repeat(known[has], num, axis=0)))
            raw[rows, SCALES.start:] = log_known
        phi = space.from_raw(raw).numpy().reshape(q, num, PHI_DIM)
        if not np.isfinite(phi).all():
            raise SamplingError("model produced NaN/inf OOR samples")
        phi[has, :, SCALES] = known[has][:, None, :]
        phi[..., SCALES] = np.maximum(phi[..., SCALES], _SCALE_FLOOR)
        try:
            phi[..., R6] = matrix_to_r6(r6_to_matrix(phi[..., R6]))
        except ValueError as exc:
            raise SamplingError(f"model produced a degenerate rotation: {exc}") from exc
        return phi

    def _mode(self, known_scale_mode):
        mode = known_scale_mode or self.known_scale_mode
        if mode not in KNOWN_SCALE_MODES:
            raise ValueError(f"known_scale_mode must be one of {KNOWN_SCALE_MODES}, got {mode!r}")
        return mode

    def sample(self, prompt: str, base_name: str, target_name: str, known_scales=None,
               num_candidates: int = 16, seed: int = 0, sampler: str = "default",
               steps: int | None = None, rank: bool = True, ranking: str = DEFAULT_RANKING,
               guidance=None, plausibility=None, known_scale_mode: str | None = None,
               sigma_end: float | None = None, check_relation: bool = True,
               plain_retry: bool = True) -> Candidates:
        """Sample `num_candidates` OOR vectors for one (c, B, T) query, ranked best first.

        known_scales: None or (6,) [s_T->B, s_B] (returned exactly). guidance: optional
        callable(phi (K,15) tensor, t) -> weighted loss gradient, applied to the denoised
        estimate. plausibility: optional callable(phi (K,15) tensor) -> (K,) penalty.
        check_relation: candidates that keep the relation the prompt's words state rank first
        (language/relation_check.py; an "on" past the base's edge or beside it is moved onto
        it); when none does, the query is drawn again from the relation's plainest words
        (plain_retry) and that draw is returned if its best keeps it.
        """
        if sampler not in SAMPLER_NAMES:
            raise ValueError(f"unknown sampler {sampler!r}; choose from {SAMPLER_NAMES}")
        if num_candidates < 1:
            raise ValueError("num_candidates must be at least 1")
        mode = self._mode(known_scale_mode)
        gen = torch.Generator().manual_seed(int(seed))
        with torch.inference_mode(guidance is None):
            text_feat = self.text_features([prompt], [base_name], [target_name])
            x_init, score, known_kw, known = self._prepare(
                text_feat, None if known_scales is None else [known_scales], num_candidates,
                gen, mode)
            den = Denoiser(score, self.sde, guidance=guidance, normalizer=self.normalizer,
                           **known_kw)
            x = run_sampler(sampler, den, x_init, self.sde, steps, sigma_end)
            nfe = den.nfe
            phi = self._finish(x, known, num_candidates)[0]
            if rank and num_candidates > 1:
                energy = self._energy(score, known_kw["known_mask"], phi, mode, ranking, gen)
                if plausibility is not None:
                    penalty = torch.as_tensor(plausibility(torch.from_numpy(phi)))
                    energy = energy + penalty.to(energy.dtype)
                energy = energy.double().numpy()
                standing = fit_and_keep([prompt], [base_name], [target_name], phi[None])[0] \
                    if check_relation else np.full(len(phi), KEPT)
                order = checked_order(energy, standing)
                phi, energy = phi[order], energy[order]
                check = relation_check(prompt, base_name, target_name) if check_relation \
                    else None
                if check is not None and (standing == BROKEN).all() and plain_retry:
                    again = self.sample(check.plain_prompt(target_name, base_name), base_name,
                                        target_name, known_scales, num_candidates, seed, sampler,
                                        steps, rank, ranking, guidance, plausibility,
                                        known_scale_mode, sigma_end, plain_retry=False)
                    if check.passes(again.phi[:1]).all():
                        phi, energy, nfe = again.phi, again.scores, nfe + again.nfe
            else:
                energy = np.zeros(num_candidates)
        return Candidates(phi=at_place(prompt, phi), scores=energy, nfe=nfe, seed=int(seed),
                          sampler=sampler)

    def _energy(self, score, known_mask, phi: np.ndarray, mode: str, method: str, gen):
        """Ranking energies (rows,) of finished samples phi (..., 15); lower is better."""
        x = self.normalizer.normalize(torch.from_numpy(phi.reshape(-1, PHI_DIM)).float())
        if mode == "inpaint":  # rank with the learned-condition view of the same network
            score = ConditionedScore(self.net, score.text_feat, make_scale_cond(
                x[:, SCALES], known_mask[:, SCALES.start]))
        den = Denoiser(score, self.sde, known_values=x, known_mask=known_mask)
        return candidate_energy(den, x, method=method, generator=gen)

    def sample_batch(self, prompts, base_names, target_names, known_scales=None,
                     num_samples: int = 16, seed: int = 0, sampler: str = "default",
                     steps: int | None = None, known_scale_mode: str | None = None,
                     rank_from: int = 0, ranking: str = DEFAULT_RANKING,
                     sigma_end: float | None = None, check_relation: bool = True) -> np.ndarray:
        """Samples (Q, num_samples, 15) for many queries (evaluation).

        Unranked by default (the model's distribution). With rank_from = K > num_samples, K
        candidates are drawn per query and the num_samples best-ranked are returned (what a
        user gets from `sample`, which always ranks), those that keep the relation the prompt's
        words state first unless check_relation is False."""
        mode = self._mode(known_scale_mode)
        q = len(prompts)
        known_all = None if known_scales is None else np.asarray(known_scales, np.float64)
        out = np.empty((q, num_samples, PHI_DIM))
        draw = max(num_samples, int(rank_from))
        per_chunk = max(1, _ROW_CHUNK // draw)
        gen = torch.Generator().manual_seed(int(seed))
        run = dict(draw=draw, gen=gen, mode=mode, sampler=sampler, steps=steps,
                   sigma_end=sigma_end, ranking=ranking if draw > num_samples else None)
        with torch.inference_mode():
            for start in range(0, q, per_chunk):
                sl = slice(start, min(q, start + per_chunk))
                chunk = (prompts[sl], base_names[sl], target_names[sl])
                known = None if known_all is None else known_all[sl]
                phi, energy = self._draw(*chunk, known, **run)
                if draw > num_samples:
                    standing = np.full(energy.shape, KEPT)
                    if check_relation:
                        standing = fit_and_keep(*chunk, phi)
                        self._retry_in_plain_words(chunk, known, phi, energy, standing, run)
                    best = np.stack([checked_order(e, k) for e, k in zip(energy, standing,
                                                                         strict=True)])
                    phi = np.take_along_axis(phi, best[:, :num_samples, None], axis=1)
                out[sl] = [at_place(p, rows) for p, rows in zip(prompts[sl], phi, strict=True)]
        return out

    def _draw(self, prompts, base_names, target_names, known, draw, gen, mode, sampler, steps,
              sigma_end, ranking):
        """(phi (Q, draw, 15), ranking energies (Q, draw), zeros without `ranking`)."""
        text_feat = self.text_features(prompts, base_names, target_names)
        x_init, score, known_kw, known = self._prepare(text_feat, known, draw, gen, mode)
        den = Denoiser(score, self.sde, **known_kw)
        x = run_sampler(sampler, den, x_init, self.sde, steps, sigma_end)
        phi = self._finish(x, known, draw)
        if ranking is None:
            return phi, np.zeros(phi.shape[:2])
        energy = self._energy(score, known_kw["known_mask"], phi, mode, ranking, gen)
        return phi, energy.reshape(-1, draw).double().numpy()

    def _retry_in_plain_words(self, chunk, known, phi, energy, standing, run) -> None:
        """Queries none of whose candidates keep the relation their words state are drawn again
        from the relation's plainest words ("A book on the floor under the chair" -> "the book
        under the chair"); their rows (phi, energy, standing, in place) take the new draw when
        some of it keeps the relation."""
        checks = [relation_check(*query) for query in zip(*chunk, strict=True)]
        todo = [i for i, check in enumerate(checks)
                if check is not None and (standing[i] == BROKEN).all()]
        if not todo:
            return
        plain = [checks[i].plain_prompt(chunk[2][i], chunk[1][i]) for i in todo]
        again, again_energy = self._draw(plain, [chunk[1][i] for i in todo],
                                         [chunk[2][i] for i in todo],
                                         None if known is None else known[todo], **run)
        for row, i in enumerate(todo):
            again_standing = keep_or_fit(checks[i], again[row])
            if (again_standing != BROKEN).any():
                phi[i], energy[i], standing[i] = again[row], again_energy[row], again_standing


def at_place(prompt: str, phi: np.ndarray) -> np.ndarray:
    """Samples of `prompt` moved to the place on the reference's top it names, if any."""
    place = read_place(prompt)[1]
    return phi if place is None else place_on_top(phi, place.x, place.z)


def encoder_for_metadata(meta: dict, **options) -> TextEncoder:
    """The encoder a model was trained with: bundled MiniLM, or T5 from $OOR_T5_PATH."""
    name = meta["encoder"]["name"]
    if name.startswith("t5-encoder:"):
        t5 = options.pop("path", None) or os.environ.get("OOR_T5_PATH")
        if not t5:
            raise ModelLoadError(f"model needs the T5 encoder {name!r}: set OOR_T5_PATH to its "
                                 "local folder or pass a TextEncoder")
        return TextEncoder("t5", t5, **options)
    return TextEncoder("minilm", **options)


class EvalSampler:
    """The evaluation harness's sampler protocol around an OORModel."""

    def __init__(self, model: OORModel, sampler: str = "default", steps: int | None = None,
                 known_scale_mode: str | None = None, rank_from: int = 0,
                 sigma_end: float | None = None, ranking: str = DEFAULT_RANKING,
                 check_relation: bool = True):
        self.model = model
        self.check_relation = bool(check_relation)
        self.ranking = ranking
        self.sigma_end = None if sigma_end is None else float(sigma_end)
        self.sampler = sampler
        self.steps = None if steps is None else int(steps)
        self.known_scale_mode = known_scale_mode
        self.rank_from = int(rank_from)

    def sample(self, prompts, base_names, target_names, known_scales, num_samples: int,
               seed: int) -> np.ndarray:
        return self.model.sample_batch(list(prompts), list(base_names), list(target_names),
                                       known_scales, num_samples, seed, self.sampler,
                                       self.steps, self.known_scale_mode, self.rank_from,
                                       ranking=self.ranking, sigma_end=self.sigma_end,
                                       check_relation=self.check_relation)


def load_eval_sampler(checkpoint=None, sampler: str = "default", **options) -> EvalSampler:
    """Harness entry point. options: steps, known_scale_mode ('learned' | 'inpaint'), rank_from
    (K: return the best-ranked of K candidates per query), ranking (the energy that ranks them),
    check_relation (0: rank by energy alone, without language/relation_check.py), num_threads,
    model (an OORModel)."""
    model = options.pop("model", None) or OORModel.load(checkpoint,
                                                          num_threads=options.pop("num_threads",
                                                                                  None))
    return EvalSampler(model, sampler, **options)
