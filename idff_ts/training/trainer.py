"""The Lightning side of :func:`~idff_ts.training.fit.fit`: trainer, callbacks, quiet logs."""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch

from idff_ts.config import TrainConfig


@contextlib.contextmanager
def quiet_lightning(quiet: bool) -> Iterator[None]:
    """Silence Lightning's info messages and benign warnings; restore torch's global flags."""
    det = torch.are_deterministic_algorithms_enabled()
    det_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    cublas = os.environ.get("CUBLAS_WORKSPACE_CONFIG")
    loggers = [logging.getLogger(n) for n in ("lightning.pytorch", "lightning.fabric", "lightning")]
    levels = [lg.level for lg in loggers]
    try:
        if quiet:
            for lg in loggers:
                lg.setLevel(logging.WARNING)
        with warnings.catch_warnings():
            for pattern in (
                ".*does not have many workers.*",
                ".*number of training batches.*is smaller than the logging interval.*",
                ".*Checkpoint directory .* exists and is not empty.*",
                ".*`isinstance\\(treespec, LeafSpec\\)` is deprecated.*",
                ".*module\\(s\\) in eval mode at the start of training.*",  # the EMA shadow
            ):
                warnings.filterwarnings("ignore", message=pattern)
            yield
    finally:
        for lg, lvl in zip(loggers, levels, strict=True):
            lg.setLevel(lvl)
        torch.use_deterministic_algorithms(det, warn_only=det_warn)
        if cublas is None:
            os.environ.pop("CUBLAS_WORKSPACE_CONFIG", None)
        else:
            os.environ["CUBLAS_WORKSPACE_CONFIG"] = cublas


def _progress_callbacks(progress: bool) -> tuple[bool, list[Any]]:
    """Lightning's rich progress bar on a TTY when ``progress``; no bar otherwise."""
    enabled = bool(progress) and sys.stderr.isatty()
    if not enabled:
        return False, []
    try:
        from lightning.pytorch.callbacks import RichProgressBar

        return True, [RichProgressBar()]
    except Exception:  # noqa: BLE001 - rich missing: Lightning's default tqdm bar
        return True, []


def _best_ema_callback(checkpoint: Any) -> Any:
    """A callback that, at the end of fit, holds the EMA weights of ``checkpoint``'s best file.

    Rank 0 reads the file (``weights_only=True``) and broadcasts the weights, so every rank
    returns the same model even when the checkpoint directory is local to rank 0's node.
    """
    from lightning.pytorch.callbacks import Callback

    from idff_ts.training.module import ema_state_from_lightning

    class BestEMA(Callback):
        def __init__(self) -> None:
            self.state: dict[str, torch.Tensor] | None = None
            self.path = ""
            self.score: float | None = None

        def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
            path = checkpoint.best_model_path or ""
            payload = None
            if trainer.is_global_zero and path and os.path.isfile(path):
                raw = torch.load(path, map_location="cpu", weights_only=True)
                payload = ema_state_from_lightning(raw["state_dict"])
            if trainer.world_size > 1:
                payload = trainer.strategy.broadcast(payload, src=0)
            if payload is None:  # no validation ran: the current EMA weights
                payload = {
                    k: v.detach().cpu().clone()
                    for k, v in pl_module.ema.shadow.state_dict().items()
                }
            self.state = payload
            self.path = path
            score = checkpoint.best_model_score
            self.score = None if score is None else float(score)

    return BestEMA()


def _checkpoint_callbacks(ckpt_dir: Path) -> tuple[Any, Any]:
    """``best-epoch=NNN.ckpt`` (lowest ``val_crps``) and ``last.ckpt`` (every epoch)."""
    from lightning.pytorch.callbacks import ModelCheckpoint

    best = ModelCheckpoint(
        dirpath=str(ckpt_dir), filename="best-{epoch:03d}", monitor="val_crps", mode="min",
        save_top_k=1, enable_version_counter=False,
    )
    last = ModelCheckpoint(
        dirpath=str(ckpt_dir), filename="last", monitor=None, save_top_k=1,
        save_on_train_epoch_end=True, enable_version_counter=False,
    )
    return best, last


def relocate_resume(resume_from: Path, ckpt: dict[str, Any], ckpt_dir: Path) -> Path:
    """``resume_from`` (read as ``ckpt``), or a copy of it in ``ckpt_dir`` whose checkpoint
    callbacks point there.

    Lightning restores a ``ModelCheckpoint``'s best score only when the run folder has not
    changed (it compares the stored ``dirpath`` with the current one, resolved): resumed in a
    moved or copied folder, the best epoch before the restart would be forgotten and the model
    chosen among the later epochs only, or from the old folder. When the stored folder differs,
    the paths in the callbacks' state are moved to ``ckpt_dir`` (whose files are those of the
    moved folder) in ``ckpt_dir/.resume-<pid>.ckpt`` (one per process, for multi-process
    runs), which :func:`fit` removes after training.
    """
    here = os.path.realpath(ckpt_dir)
    states = [s for k, s in (ckpt.get("callbacks") or {}).items()
              if k.startswith("ModelCheckpoint") and isinstance(s, dict)]
    old = next((s.get("dirpath") for s in states if s.get("dirpath")), None)
    if old is None or os.path.realpath(old) == here:
        return Path(resume_from)

    def moved(path: Any) -> Any:
        inside = isinstance(path, str) and (path == old or path.startswith(old.rstrip(os.sep)
                                                                            + os.sep))
        return os.path.join(here, os.path.relpath(path, old)) if inside else path

    for state in states:
        state["dirpath"] = here
        for key in ("best_model_path", "last_model_path", "kth_best_model_path"):
            if key in state:
                state[key] = moved(state[key])
        if isinstance(state.get("best_k_models"), dict):
            state["best_k_models"] = {moved(k): v for k, v in state["best_k_models"].items()}
    target = Path(here) / f".resume-{os.getpid()}.ckpt"
    torch.save(ckpt, target)
    return target


def build_trainer(
    train: TrainConfig,
    ckpt_dir: Path,
    logger: Any,
    *,
    accelerator: str,
    devices: Any,
    strategy: Any,
    num_nodes: int,
    progress: bool,
    callbacks: Sequence[Any] | None,
) -> tuple[Any, Any]:
    """The Lightning Trainer of :func:`fit` and the callback that collects the best EMA weights.

    Checkpoints: ``best-epoch=NNN.ckpt`` (lowest ``val_crps``, model selection) and
    ``last.ckpt`` after every completed epoch (for ``resume_from``; Lightning's own
    ``save_last`` only writes when the monitored metric improved). Early stopping on
    ``val_crps``; gradient-norm clipping; no sanity validation (the validation ensemble is the
    expensive part and runs after every epoch anyway).
    """
    import lightning as L
    from lightning.pytorch.callbacks import EarlyStopping

    best_ckpt, last_ckpt = _checkpoint_callbacks(ckpt_dir)
    best = _best_ema_callback(best_ckpt)
    bar, bar_callbacks = _progress_callbacks(progress)
    trainer = L.Trainer(
        accelerator=accelerator,
        devices=devices,
        strategy=strategy,
        num_nodes=num_nodes,
        max_epochs=train.max_epochs,
        gradient_clip_val=train.grad_clip or None,
        gradient_clip_algorithm="norm",
        deterministic=train.deterministic,
        precision=train.precision,
        accumulate_grad_batches=train.accumulate_grad_batches,
        limit_train_batches=train.limit_train_batches,
        check_val_every_n_epoch=train.check_val_every_n_epoch,
        log_every_n_steps=max(1, train.log_every_n_steps),
        num_sanity_val_steps=0,
        inference_mode=False,  # the γ2 sampler term takes JVPs during validation
        logger=logger,
        enable_progress_bar=bar,
        enable_model_summary=bar,
        default_root_dir=str(ckpt_dir),
        callbacks=[
            best_ckpt,
            last_ckpt,
            EarlyStopping(monitor="val_crps", mode="min", patience=train.patience),
            best,
            *bar_callbacks,
            *(callbacks or []),
        ],
    )
    return trainer, best


def provenance() -> dict[str, Any]:
    import lightning

    return {
        "torch": torch.__version__,
        "lightning": lightning.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


__all__ = ["build_trainer", "provenance", "quiet_lightning"]
