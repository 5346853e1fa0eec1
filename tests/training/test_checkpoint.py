"""Checkpoint format: round trip, hash check, weights-only loading."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.errors import CheckpointError
from idff_ts.model import Forecaster, build_method
from idff_ts.training.checkpoint import load_checkpoint, read_config, save_checkpoint

INFO = {
    "name": "x",
    "units": "K",
    "long_name": None,
    "state_dims": ["variable"],
    "state_coords": {"variable": ["a", "b", "c"]},
    "kind": "vector",
    "time_kind": "numeric",
    "time_step": 0.05,
    "time_step_units": "model time",
    "series_dim": "trajectory",
    "context": 2,
    "task": None,
}


def _forecaster() -> Forecaster:
    torch.manual_seed(0)
    cfg = ModelConfig(state_shape=(3,), context=2, horizon=4, hidden=32, depth=2, emb_dim=16)
    method = build_method("idff", cfg)
    with torch.no_grad():  # non-trivial heads
        for p in method.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return Forecaster(
        method,
        mean=np.array([1.0, -2.0, 3.0], np.float32),
        std=np.array([0.5, 2.0, 1.5], np.float32),
        sampler=SamplerConfig(nfe=4, gamma1=0.1),
        data_info=INFO,
    )


def test_round_trip_gives_identical_predictions(tmp_path: Path) -> None:
    fc = _forecaster()
    path = tmp_path / "m" / "model.pt"
    digest = save_checkpoint(path, fc, extra={"note": "hi"})
    assert fc.sha256 == digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (tmp_path / "m" / "model.pt.sha256").read_text() == f"{digest}  model.pt\n"
    loaded = load_checkpoint(path)
    assert loaded.sha256 == digest and loaded.cfg == fc.cfg and loaded.sampler == fc.sampler
    assert loaded.data_info == INFO and read_config(path)["extra"] == {"note": "hi"}
    np.testing.assert_array_equal(loaded.mean, fc.mean)
    ctx = np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32)
    a, _ = fc.predict(ctx, horizon=4, members=6, seed=3)
    b, _ = loaded.predict(ctx, horizon=4, members=6, seed=3)
    np.testing.assert_array_equal(a, b)
    c, _ = loaded.predict(ctx, horizon=4, members=6, seed=4)
    assert not np.array_equal(a, c)


def test_flipped_byte_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    save_checkpoint(path, _forecaster())
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="corrupted"):
        load_checkpoint(path)


class _Evil:
    """Unpickling this would create a file (arbitrary code)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.makedirs, (self.marker,))


def test_pickled_objects_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.pt"
    marker = tmp_path / "pwned"
    torch.save({"config_json": "{}", "state_dict": {}, "payload": _Evil(str(marker))}, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    (tmp_path / "evil.pt.sha256").write_text(f"{digest}  evil.pt\n")  # a "valid" hash
    with pytest.raises(CheckpointError, match="could run code") as err:
        load_checkpoint(path)
    assert "weights_only=False" not in str(err.value)  # never relay torch's unsafe advice
    assert not marker.exists()


def test_missing_and_foreign_files(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "none.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="not an idff-ts checkpoint"):
        load_checkpoint(tmp_path / "other.pt")
