"""The Lightning module: train a :class:`~idff_ts.methods.Method`, validate by ensemble CRPS.

**Training step.** ``loss = method.loss(batch, generator)`` (e.g. IDFF's bridge loss, method.md
§2), optimised by AdamW; gradient clipping is the Trainer's (``gradient_clip_val``). The loss's
random draws (slot ``k``, time ``t``, noise ``ε``) come from a CPU generator re-seeded at every
step from ``(seed, rank, global_step)``: different on each DDP rank, identical on CPU and GPU,
and exactly reproduced after a resume without storing generator state. After each optimiser step
the EMA shadow is updated (:mod:`idff_ts.training.ema`).

**Validation** uses the EMA weights. For each fixed validation init ``n`` it samples an
``M``-member ensemble (``M = val_members``, ``val_nfe`` network calls per slot, seed fixed) with
:func:`~idff_ts.sampling.rollout.forecast_ensemble` and scores it against the true next ``K``
states, in standardised units::

    val_crps = 1/K Σ_k  CRPS_k,    CRPS_k = Σ_{n, points} crps(X_{n,k}, y_{n+k}) / #(n, points)

(ecdf estimator, valid points only; evaluation.md §2: per lead over inits and space, then the
mean over leads). Per-lead sums and counts are reduced across ranks before dividing, so the
number is the same on one process and under DDP. ``val_crps`` drives early stopping and the
choice of the best checkpoint. ``val_loss`` is the training loss of the EMA weights on the same
windows with fixed random draws.

Per-step logging is avoided (it costs a device sync and bookkeeping each step): the training
loss is accumulated on the device and logged once per epoch, plus one ``train_loss_step``
every ``log_every_n_steps``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import lightning as L
import torch

from idff_ts.config import SamplerConfig, TrainConfig, to_dict
from idff_ts.methods.base import Method
from idff_ts.sampling.rollout import forecast_ensemble
from idff_ts.training.ema import EMA
from idff_ts.training.val_crps import crps_per_lead_sums


def step_seed(seed: int, rank: int, step: int) -> int:
    """A 63-bit seed for the loss draws of optimiser step ``step`` on rank ``rank``.

    Tuples of ints hash deterministically in Python (no ``PYTHONHASHSEED`` dependence).
    """
    return hash((int(seed), int(rank), int(step))) & ((1 << 63) - 1)


class ForecastModule(L.LightningModule):
    """Lightning wrapper of a method, its EMA shadow and the validation CRPS.

    Args:
        method: the network and its loss (its ``cfg`` gives ``L`` and ``K``).
        train: optimisation and validation settings.
        sampler: sampler used for validation ensembles (its ``nfe`` is replaced by
            ``train.val_nfe``).
        mask: optional static mask (1 = valid point) broadcastable to the state shape; added to
            every batch so that masked points never count in the loss or the CRPS.
    """

    def __init__(
        self,
        method: Method,
        train: TrainConfig | None = None,
        sampler: SamplerConfig | None = None,
        mask: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        self.method = method
        self.train_cfg = train or TrainConfig()
        self.ema = EMA(method, self.train_cfg.ema_decay, warmup=self.train_cfg.ema_warmup)
        self.val_sampler = replace(sampler or SamplerConfig(), nfe=self.train_cfg.val_nfe)
        self.register_buffer(
            "mask",
            None if mask is None else torch.as_tensor(mask, dtype=torch.float32),
            persistent=False,
        )
        self._generator = torch.Generator(device="cpu")
        self._train_sums: dict[str, torch.Tensor] = {}
        self._train_count = 0
        self._val_acc: torch.Tensor | None = None
        self.val_history: list[dict[str, float]] = []

    def __setattr__(self, name: str, value: Any) -> None:
        # Lightning sets ``_current_fx_name`` (a str or None) around every hook it calls, some
        # two dozen times per training step; ``nn.Module.__setattr__`` would look the name up
        # in the parameter, buffer and submodule tables each time. It is none of those, so a
        # plain attribute write is equivalent (benchmarks/train_overhead.py: fixed cost).
        if name == "_current_fx_name":
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)

    # ----------------------------------------------------------------------------- helpers
    def _with_mask(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        if self.mask is None:
            return batch
        return {**batch, "mask": self.mask}

    def _acc_dtype(self) -> torch.dtype:
        return torch.float32 if self.device.type == "mps" else torch.float64

    # ---------------------------------------------------------------------------- training
    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.AdamW(
            self.method.parameters(), lr=self.train_cfg.lr, weight_decay=self.train_cfg.weight_decay
        )

    def on_train_epoch_start(self) -> None:
        self._train_sums = {}
        self._train_count = 0

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        self._generator.manual_seed(
            step_seed(self.train_cfg.seed, self.global_rank, self.global_step)
        )
        out = self.method.loss(self._with_mask(batch), generator=self._generator)
        # Accumulate on the device: no host sync per step.
        for name, value in {"loss": out.loss, **out.parts}.items():
            v = value.detach()
            acc = self._train_sums.get(name)
            self._train_sums[name] = v.clone() if acc is None else acc.add_(v)
        self._train_count += 1
        every = self.train_cfg.log_every_n_steps
        if every > 0 and self.global_step % every == 0:
            self.log("train_loss_step", out.loss.detach(), on_step=True, on_epoch=False)
        return out.loss

    def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None:
        self.ema.update(self.method)

    def on_train_epoch_end(self) -> None:
        if self._train_count == 0:
            return
        for name, total in self._train_sums.items():
            key = "train_loss" if name == "loss" else f"train_loss_{name}"
            self.log(key, total.float() / self._train_count, sync_dist=True)

    # -------------------------------------------------------------------------- validation
    def on_validation_epoch_start(self) -> None:
        k = self.method.cfg.horizon
        self._val_acc = torch.zeros(2 * k + 2, dtype=torch.float64)

    @torch.no_grad()
    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        if self._val_acc is None:
            self.on_validation_epoch_start()
        assert self._val_acc is not None
        cfg = self.method.cfg
        window = batch["window"]
        context, truth = window[:, : cfg.context], window[:, cfg.context :]
        # Seed from the batch's first init id: fixed across epochs (comparable val_crps).
        first = int(batch["index"][0]) if "index" in batch else batch_idx
        seed = self.train_cfg.seed + first
        res = forecast_ensemble(
            self.ema.shadow,
            context,
            cfg.horizon,
            self.train_cfg.val_members,
            self.val_sampler,
            seed=seed,
            device=self.device,
        )
        mask = None if self.mask is None else self.mask.cpu()
        sums, counts = crps_per_lead_sums(res.samples, truth.cpu(), mask)
        gen = torch.Generator(device="cpu")
        gen.manual_seed(step_seed(self.train_cfg.seed, -1, seed))
        loss = self.ema.shadow.loss(self._with_mask(batch), generator=gen).loss
        b = window.shape[0]
        k = cfg.horizon
        self._val_acc[:k] += sums
        self._val_acc[k : 2 * k] += counts
        self._val_acc[2 * k] += float(loss) * b
        self._val_acc[2 * k + 1] += b

    def on_validation_epoch_end(self) -> None:
        if self._val_acc is None or self.trainer.sanity_checking:
            return
        k = self.method.cfg.horizon
        acc = self._val_acc.to(device=self.device, dtype=self._acc_dtype())
        acc = self.trainer.strategy.reduce(acc, reduce_op="sum")
        acc = acc.detach().double().cpu()
        sums, counts = acc[:k], acc[k : 2 * k]
        if counts.min() <= 0:
            return
        crps_lead = sums / counts
        val_crps = float(crps_lead.mean())
        val_loss = float(acc[2 * k] / acc[2 * k + 1])
        self.log("val_crps", val_crps, prog_bar=True, sync_dist=True)
        self.log("val_loss", val_loss, sync_dist=True)
        for lead in range(k):
            self.log(f"val_crps_lead{lead + 1}", float(crps_lead[lead]), sync_dist=True)
        self.val_history.append(
            {
                "epoch": int(self.current_epoch),
                "step": int(self.global_step),
                "val_crps": val_crps,
                "val_loss": val_loss,
            }
        )

    # ------------------------------------------------------------------------- checkpoints
    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        # Primitives only: Lightning checkpoints stay loadable with weights_only=True.
        checkpoint["idff_ts"] = json.dumps(
            {
                "method": self.method.name,
                "model": to_dict(self.method.cfg),
                "train": to_dict(self.train_cfg),
                "val_sampler": to_dict(self.val_sampler),
                "val_history": self.val_history,
            }
        )

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        meta = json.loads(checkpoint.get("idff_ts", "{}"))
        self.val_history = list(meta.get("val_history", []))


def ema_state_from_lightning(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The EMA weights of the method (``ema.shadow.*``) from a ForecastModule state dict."""
    prefix = "ema.shadow."
    return {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}


__all__ = ["ForecastModule", "ema_state_from_lightning", "step_seed"]
