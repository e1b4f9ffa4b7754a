"""A short real training run on the tiny synthetic dataset; determinism and resume."""

from __future__ import annotations

import pytest
import torch

from oor_core.model.text_encoder import shared_encoder
from oor_core.training.synthetic import quick_trainer


@pytest.fixture(scope="module")
def encoder():
    return shared_encoder()


@pytest.mark.parametrize("bf16", [False, True], ids=["fp32", "bf16-autocast"])
def test_training_lowers_the_loss(encoder, bf16):
    trainer = quick_trainer(encoder, steps=0, seed=1, schedule_steps=250, bf16=bf16)
    before = trainer.validation_loss()["train"]
    for _ in range(250):
        trainer.train_step()
    after = trainer.validation_loss()
    assert after["train"] < 0.7 * before
    assert set(after) == {"train", "heldout_paraphrase"}
    # mixed precision keeps fp32 master weights: what is saved and sampled is fp32
    assert all(p.dtype == torch.float32 for p in trainer.ema.parameters())


@pytest.mark.parametrize("bf16", [False, True], ids=["fp32", "bf16-autocast"])
def test_training_is_deterministic_and_resumable(encoder, tmp_path, bf16):
    straight = quick_trainer(encoder, steps=12, seed=2, schedule_steps=12, bf16=bf16)
    first = quick_trainer(encoder, steps=6, seed=2, schedule_steps=12, bf16=bf16)
    first.save_state(tmp_path / "state.safetensors")
    resumed = quick_trainer(encoder, steps=0, seed=2, schedule_steps=12, bf16=bf16)
    assert resumed.load_state(tmp_path / "state.safetensors")["step"] == 6
    for _ in range(6):
        resumed.train_step()
    for a, b in zip(straight.ema.parameters(), resumed.ema.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    for a, b in zip(straight.net.parameters(), resumed.net.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)


def test_sigma_focus_concentrates_noise_levels_where_the_sampler_decides(encoder):
    """--sigma-focus: that fraction of each batch is log-normal around the focus median, the
    rest stays log-uniform over the whole range; validation keeps the plain distribution."""
    import math

    from oor_core.training.loop import _step_generators

    trainer = quick_trainer(encoder, steps=0, schedule_steps=250, sigma_focus=0.5)
    c, sde = trainer.config, trainer.sde

    def band_fraction(sigma):
        lo = c.sigma_focus_median * math.exp(-c.sigma_focus_log_std)
        hi = c.sigma_focus_median * math.exp(c.sigma_focus_log_std)
        return float(((sigma > lo) & (sigma < hi)).float().mean())

    rng, gen = _step_generators(0, 0)
    sigma = trainer.batch(trainer.data.train, trainer._train_x, rng, gen, 4000, 0.8,
                          c.sigma_focus)[2]
    focused, plain = sigma[:2000], sigma[2000:]
    assert ((sigma >= sde.sigma_min) & (sigma <= sde.sigma_max)).all()
    assert float(focused.log().median().exp()) == pytest.approx(c.sigma_focus_median, rel=0.1)
    assert band_fraction(focused) == pytest.approx(0.68, abs=0.04)  # one log-std either side
    assert band_fraction(plain) == pytest.approx(2 * c.sigma_focus_log_std / sde.log_ratio,
                                                 abs=0.04)
    # the validation loss is comparable between runs with and without focus
    plain_trainer = quick_trainer(encoder, steps=0, schedule_steps=250)
    plain_trainer.net.load_state_dict(trainer.net.state_dict())
    plain_trainer.ema.load_state_dict(trainer.ema.state_dict())
    assert plain_trainer.validation_loss() == trainer.validation_loss()
    # and training with it still learns
    before = trainer.validation_loss()["train"]
    for _ in range(250):
        trainer.train_step()
    assert trainer.validation_loss()["train"] < 0.8 * before


@pytest.mark.parametrize("parts", [3, 4])
def test_name_dropout_zeroes_whole_name_blocks_and_keeps_the_prompt(parts):
    from oor_core.training.loop import drop_names

    d, n = 5, 4000
    cond = torch.rand(n, parts * d) + 0.5  # no zeros of its own
    out = drop_names(cond, 0.25, torch.Generator().manual_seed(0), d)
    torch.testing.assert_close(out[:, :d], cond[:, :d], rtol=0, atol=0)  # prompt untouched
    torch.testing.assert_close(out[:, 3 * d:], cond[:, 3 * d:], rtol=0, atol=0)  # relation words
    for block in (out[:, d:2 * d], out[:, 2 * d:3 * d]):
        zeroed = (block == 0).all(1)
        kept = (block != 0).all(1)
        assert bool((zeroed | kept).all())  # a name is dropped whole or not at all
        assert float(zeroed.float().mean()) == pytest.approx(0.25, abs=0.03)
    both = ((out[:, d:3 * d] == 0).all(1)).float().mean()
    assert float(both) == pytest.approx(0.25 ** 2, abs=0.02)  # base and target independently
    torch.testing.assert_close(drop_names(cond, 0.0, torch.Generator(), d), cond, rtol=0, atol=0)


def test_text_mixup_mixes_only_prompts_of_the_same_context(encoder):
    """--text-mixup P: a fraction P of the rows get a unit-length mixture of their prompt and
    another prompt of their own context; names and the other rows are untouched."""
    import numpy as np

    from oor_core.training.loop import _step_generators

    trainer = quick_trainer(encoder, steps=0, text_mixup=0.5)
    pairs, dim = trainer.data.train, trainer.net.config.text_dim
    rng, gen = _step_generators(0, 0)
    rows, ids = pairs.draw(rng, 2000)
    others = pairs.other_prompts(rng, rows)
    ctx = pairs.row_context[rows]
    for i in range(0, 2000, 97):  # another prompt of the row's own context
        span = pairs.prompt_ids[pairs.offsets[ctx[i]]:pairs.offsets[ctx[i]] + pairs.counts[ctx[i]]]
        assert any((pairs.text_ids[j] == others[i]).all() for j in span)
    cond = trainer.data.condition(ids)
    other = trainer.data.condition(others)
    mixed = trainer._mix_prompts(cond, other, 0.5, gen)
    torch.testing.assert_close(mixed[:, dim:], cond[:, dim:], rtol=0, atol=0)
    differ = torch.from_numpy(others[:, 0] != ids[:, 0])  # rows whose two prompts differ
    changed = ((mixed[:, :dim] - cond[:, :dim]).abs() > 1e-5).any(1)  # beyond rounding
    assert not bool((changed & ~differ).any())
    assert 0.4 < float(changed.float().mean()) / float(differ.float().mean()) < 0.6
    norms = mixed[changed, :dim].norm(dim=1)
    torch.testing.assert_close(norms, torch.ones_like(norms))
    # each mixture lies in the plane of its two prompts
    a, b, m = cond[changed, :dim], other[changed, :dim], mixed[changed, :dim]
    basis = torch.stack([a, b], 2)
    coef = torch.linalg.lstsq(basis, m[:, :, None]).solution
    torch.testing.assert_close((basis @ coef)[:, :, 0], m, rtol=0, atol=1e-4)
    assert np.isfinite(trainer.train_step())


def test_learning_rate_schedule(encoder):
    trainer = quick_trainer(encoder, steps=0, schedule_steps=100)
    c = trainer.config
    assert trainer.lr_at(0) < c.lr
    assert trainer.lr_at(c.warmup) == pytest.approx(c.lr)
    assert trainer.lr_at(c.steps) == pytest.approx(c.lr * c.min_lr_ratio)


def test_train_cli_and_finetune(encoder, tmp_path, monkeypatch):
    """The CLI end to end on the synthetic set: train, write, fine-tune to another folder."""
    import json

    from oor_core.model.inference import OORModel
    from oor_core.training import train

    common = ["--cache-dir", str(tmp_path / "cache"), "--threads", "1", "--batch-size", "32",
              "--hidden", "32", "--depth", "1", "--no-probe", "--eval-every", "10"]
    assert train.main(["--data", "synthetic", "--out", str(tmp_path / "w"), "--steps", "10",
                       "--sigma-focus", "0.8", "--sigma-focus-median", "0.2", "--text-noise",
                       "0.01", "--name-dropout", "0.2", *common]) == 0
    base = tmp_path / "w" / "oor_model.safetensors"
    meta = json.loads((tmp_path / "w" / "oor_model.json").read_text())
    assert meta["encoder"] == encoder.identity and meta["dataset"]["rows"] == 4000
    assert meta["metrics"]["history"][-1]["step"] == 10
    assert meta["training"]["bf16"] is False
    monkeypatch.setattr(train, "native_bf16", lambda: True)
    assert train.main(["--finetune", "synthetic", "--init", str(base), "--out",
                       str(tmp_path / "ft"), "--steps", "5", "--bf16", *common]) == 0
    tuned = OORModel.load(tmp_path / "ft" / "oor_model.safetensors", encoder=encoder)
    assert tuned.metadata["finetuned_from"] == str(base)
    assert tuned.metadata["training"]["bf16"] is True
    # the fine-tune keeps the noise recipe its model was trained with
    assert meta["training"]["sigma_focus"] == tuned.metadata["training"]["sigma_focus"] == 0.8
    assert meta["training"]["text_noise"] == tuned.metadata["training"]["text_noise"] == 0.01
    assert meta["training"]["name_dropout"] == tuned.metadata["training"]["name_dropout"] == 0.2
    assert meta["training"]["sigma_focus_median"] == 0.2
    assert tuned.metadata["training"]["sigma_focus_median"] == 0.2
    assert meta["training"]["sigma_focus_log_std"] == 1.2  # the default
    assert tuned.metadata["normalization"] == meta["normalization"]
    # extra library pairs need the library: a clear refusal, not a silent no-op
    with pytest.raises(SystemExit, match=r"--size-jitter draw .* need a library dataset"):
        train.main(["--finetune", "synthetic", "--init", str(base), "--out",
                    str(tmp_path / "ft2"), "--steps", "5", "--extra-contexts", "0.5", *common])
    assert not (tmp_path / "ft2").exists()


def test_a_model_that_reads_the_relation_words_trains_samples_and_fine_tunes(encoder, tmp_path):
    """--prompt-roles phrase: a fourth text (the relation words) through training, the written
    model, sampling and a fine-tune; a fine-tune cannot change how many texts its model reads."""
    import numpy as np

    from oor_core.model.inference import OORModel
    from oor_core.training import train

    common = ["--cache-dir", str(tmp_path / "cache"), "--threads", "1", "--batch-size", "32",
              "--hidden", "32", "--depth", "1", "--no-probe", "--eval-every", "10"]
    assert train.main(["--data", "synthetic", "--out", str(tmp_path / "w"), "--steps", "10",
                       "--prompt-roles", "phrase", "--name-dropout", "0.2", *common]) == 0
    base = tmp_path / "w" / "oor_model.safetensors"
    model = OORModel.load(base, encoder=encoder)
    assert model.prompt_roles == "phrase" and model.net.config.text_parts == 4
    out = model.sample("A mug under the table", "table", "mug", num_candidates=4, seed=0)
    assert out.phi.shape == (4, 15) and np.isfinite(out.phi).all()
    assert train.main(["--finetune", "synthetic", "--init", str(base), "--out",
                       str(tmp_path / "ft"), "--steps", "3", *common]) == 0
    assert OORModel.load(tmp_path / "ft" / "oor_model.safetensors",
                         encoder=encoder).prompt_roles == "phrase"
    with pytest.raises(SystemExit, match="needs a network that reads 3 texts"):
        train.main(["--finetune", "synthetic", "--init", str(base), "--out",
                    str(tmp_path / "ft2"), "--steps", "3", "--prompt-roles", "marked", *common])


def test_bf16_without_bfloat16_hardware_trains_float32_and_says_so(encoder, tmp_path,
                                                                     monkeypatch, capsys):
    """Emulated bf16 is many times slower than float32: --bf16 must not make `make train` take
    hours on a CPU without it."""
    import json

    from oor_core.training import train

    monkeypatch.setattr(train, "native_bf16", lambda: False)
    assert train.main(["--data", "synthetic", "--out", str(tmp_path / "w"), "--steps", "3",
                       "--bf16", "--cache-dir", str(tmp_path / "cache"), "--threads", "1",
                       "--batch-size", "16", "--hidden", "32", "--depth", "1",
                       "--no-probe"]) == 0
    assert "no bfloat16 hardware" in capsys.readouterr().out
    meta = json.loads((tmp_path / "w" / "oor_model.json").read_text())
    assert meta["training"]["bf16"] is False


def test_training_loop_flushes_subnormals_only_inside_and_numpy_stays_quiet():
    import subprocess
    import sys
    from pathlib import Path

    from oor_core.training.train import subnormals_flushed

    tiny = torch.tensor([1e-39], dtype=torch.float32)  # a float32 subnormal
    with subnormals_flushed():
        assert float(tiny * 1.0) == 0.0
    assert float(tiny * 1.0) > 0.0  # the rest of the process computes with subnormals again
    # numpy computes its float limits on first use; under the flush it would warn that the
    # smallest subnormal is zero. A fresh interpreter, so nothing has looked them up before.
    code = ("import numpy as np\nfrom oor_core.training.train import subnormals_flushed\n"
            "with subnormals_flushed():\n    np.finfo(np.float32); np.finfo(np.float64)\n")
    root = Path(__file__).resolve().parents[3]
    run = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True,
                         text=True, timeout=120, cwd=root)
    assert run.returncode == 0, run.stderr[-2000:]
