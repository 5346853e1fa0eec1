"""ForecastModule and SeriesDataModule: batches, shuffling, sharding, loss seeding, val CRPS."""

from __future__ import annotations

import logging
import warnings
from dataclasses import replace

import lightning as L
import numpy as np
import properscoring as ps
import pytest
import torch

from idff_ts.config import ModelConfig, SamplerConfig, TrainConfig
from idff_ts.data.windows import WindowDataset
from idff_ts.model import build_method
from idff_ts.sampling.rollout import forecast_ensemble
from idff_ts.training.datamodule import (
    BatchedWindows,
    EpochRandomSampler,
    SeriesDataModule,
    ShardSampler,
    fixed_inits,
)
from idff_ts.training.module import ForecastModule, ema_state_from_lightning, step_seed

pytestmark = pytest.mark.filterwarnings("ignore:.*LeafSpec.*")

CFG = ModelConfig(state_shape=(2,), context=2, horizon=3, hidden=16, depth=1, emb_dim=8)


@pytest.fixture(autouse=True)
def _quiet() -> None:
    logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*(does not have many workers|in eval mode).*")


def _series(n_series: int = 3, n_time: int = 40, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n_series, n_time, 2)).astype(np.float32)


def _trainer() -> L.Trainer:
    return L.Trainer(
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
        inference_mode=False,
    )


# ---------------------------------------------------------------------------- datamodule
def test_batched_windows_equal_window_dataset_items() -> None:
    series = [_series(1, 30)[0], _series(1, 25, seed=1)[0]]  # ragged lengths
    ref = WindowDataset(series, context=2, horizon=3)
    ds = BatchedWindows(series, context=2, horizon=3)
    idx = [0, 40, 3, len(ds) - 1, 26]
    batch = ds.__getitems__(idx)
    assert batch["window"].shape == (5, 5, 2) and batch["window"].dtype == torch.float32
    for row, j in enumerate(idx):
        torch.testing.assert_close(batch["window"][row], ref[j]["window"])
    assert ds[3]["window"].shape == (5, 2)
    sub = BatchedWindows(series, 2, 3, indices=[5, 7])
    assert len(sub) == 2 and sub.__getitems__([1])["index"].tolist() == [7]


def test_epoch_sampler_depends_on_seed_and_epoch_only() -> None:
    data = list(range(50))
    a, b = EpochRandomSampler(data, seed=3), EpochRandomSampler(data, seed=3)
    a.set_epoch(2)
    b.set_epoch(2)
    assert list(a) == list(b) and sorted(a) == data
    b.set_epoch(3)
    assert list(a) != list(b)
    assert list(a) == list(a)  # re-iterating does not advance a hidden state


def test_fixed_inits_spread_and_shards_cover_each_once() -> None:
    ids = fixed_inits(100, 7)
    assert ids[0] == 0 and ids[-1] == 99 and len(set(ids)) == 7
    assert list(fixed_inits(3, 10)) == [0, 1, 2]
    data = list(range(11))
    shards = [list(ShardSampler(data, num_replicas=3, rank=r)) for r in range(3)]
    assert sorted(sum(shards, [])) == data  # no padding, no duplicates
    assert [len(ShardSampler(data, 3, r)) for r in range(3)] == [4, 4, 3]


def test_datamodule_loaders() -> None:
    dm = SeriesDataModule(
        _series(),
        _series(1, 30, 5),
        context=2,
        horizon=3,
        batch_size=8,
        val_inits=6,
        val_batch_size=4,
    )
    batch = next(iter(dm.train_dataloader()))
    assert batch["window"].shape == (8, 5, 2)
    val = list(dm.val_dataloader())
    assert [len(b["index"]) for b in val] == [4, 2]
    assert torch.cat([b["index"] for b in val]).tolist() == fixed_inits(26, 6).tolist()
    assert dm.steps_per_epoch == int(np.ceil(3 * 36 / 8))


# -------------------------------------------------------------------------------- module
def test_loss_draws_are_a_function_of_seed_rank_and_step() -> None:
    assert step_seed(0, 0, 5) != step_seed(0, 1, 5) != step_seed(0, 0, 6)
    torch.manual_seed(0)
    module = ForecastModule(build_method("idff", CFG), TrainConfig(seed=1, log_every_n_steps=0))
    batch = {"window": torch.from_numpy(_series(1, 40)[0][:35].reshape(7, 5, 2))}
    torch.manual_seed(123)  # the global RNG must not matter
    first = module.training_step(batch, 0)
    torch.manual_seed(456)
    second = module.training_step(batch, 0)
    assert torch.isfinite(first) and first.requires_grad
    torch.testing.assert_close(first, second)
    assert module._train_count == 2 and set(module._train_sums) >= {"loss"}


def test_validation_crps_uses_ema_weights_and_matches_properscoring() -> None:
    torch.manual_seed(0)
    train = TrainConfig(val_members=6, val_nfe=3, val_inits=5, val_batch_size=3, seed=7)
    module = ForecastModule(build_method("idff", CFG), train, SamplerConfig(nfe=9))
    assert module.val_sampler.nfe == 3
    with torch.no_grad():  # make the EMA differ from the raw weights
        for p in module.ema.shadow.parameters():
            p.add_(0.05 * torch.randn_like(p))
    val = _series(1, 30, seed=5)
    dm = SeriesDataModule(_series(), val, 2, 3, val_inits=5, val_batch_size=3)
    out = _trainer().validate(module, datamodule=dm, verbose=False)[0]

    sums, counts = np.zeros(3), np.zeros(3)
    for batch in dm.val_dataloader():
        w = batch["window"]
        res = forecast_ensemble(
            module.ema.shadow,
            w[:, :2],
            3,
            6,
            replace(SamplerConfig(), nfe=3),
            seed=7 + int(batch["index"][0]),
        )
        crps = ps.crps_ensemble(w[:, 2:].numpy(), np.moveaxis(res.samples.numpy(), 0, -1))
        sums += crps.sum(axis=(0, 2))
        counts += crps.shape[0] * crps.shape[2]
    want = float((sums / counts).mean())
    assert out["val_crps"] == pytest.approx(want, abs=1e-6)
    assert module.val_history[-1]["val_crps"] == pytest.approx(want, abs=1e-6)
    # raw (non-EMA) weights do not enter validation
    with torch.no_grad():
        for p in module.method.parameters():
            p.mul_(-3.0)
    module.val_history.clear()
    again = _trainer().validate(module, datamodule=dm, verbose=False)[0]
    assert again["val_crps"] == pytest.approx(out["val_crps"], abs=1e-7)


def test_ema_follows_training_and_mask_reaches_the_loss() -> None:
    torch.manual_seed(0)
    train = TrainConfig(max_epochs=1, batch_size=16, lr=1e-2, val_members=4, val_nfe=2, val_inits=4)
    mask = torch.tensor([1.0, 0.0])
    module = ForecastModule(build_method("idff", CFG), train, mask=mask)
    before = {k: v.clone() for k, v in module.ema.shadow.state_dict().items()}
    dm = SeriesDataModule(_series(), _series(1, 30, 5), 2, 3, batch_size=16, val_inits=4)
    trainer = L.Trainer(
        accelerator="cpu",
        devices=1,
        max_epochs=1,
        limit_train_batches=3,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
        num_sanity_val_steps=0,
        inference_mode=False,
    )
    trainer.fit(module, datamodule=dm)
    assert int(module.ema.num_updates) == 3 == trainer.global_step
    after = ema_state_from_lightning(module.state_dict())
    assert set(after) == set(before)
    assert any(not torch.equal(before[k], after[k]) for k in before)
    assert "val_crps" in trainer.callback_metrics and "train_loss" in trainer.callback_metrics
    # the static mask is added to every batch: the step's loss is the masked loss
    batch = next(iter(dm.train_dataloader()))
    got = module.training_step(batch, 0)
    gen = torch.Generator().manual_seed(step_seed(train.seed, 0, trainer.global_step))
    want = module.method.loss({**batch, "mask": mask}, generator=gen).loss
    torch.testing.assert_close(got, want)
    gen.manual_seed(step_seed(train.seed, 0, trainer.global_step))
    assert not torch.allclose(module.method.loss(batch, generator=gen).loss, want)
