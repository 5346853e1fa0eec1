"""Checkpoint format: ``state_dict`` + JSON config + sha256 (architecture.md §3).

A checkpoint is one file written by ``torch.save`` holding only tensors and one JSON string
(primitives): ``{"state_dict": {name: tensor}, "config_json": str}`` plus, for models that
carry inference-time arrays (:attr:`Forecaster.assets`, e.g. an SST climatology), an optional
``"assets": {name: tensor}`` (absent in older files, which load unchanged). So
``torch.load(..., weights_only=True)`` reads it and a checkpoint can never run code. A sidecar
``<file>.sha256`` holds the file's hash, checked on load. Writes are atomic.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from idff_ts.config import ModelConfig, SamplerConfig, from_dict, to_dict
from idff_ts.errors import CheckpointError
from idff_ts.model import Forecaster, build_method

FORMAT_VERSION = 1


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save_checkpoint(path: str | Path, forecaster: Forecaster, extra: dict[str, Any] | None = None) -> str:
    """Write ``forecaster`` to ``path`` atomically; returns the file's sha256."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    config = {
        "format_version": FORMAT_VERSION,
        "method": forecaster.method.name,
        "model": to_dict(forecaster.cfg),
        "sampler": to_dict(forecaster.sampler),
        "mean": np.asarray(forecaster.mean, dtype=np.float64).tolist(),
        "std": np.asarray(forecaster.std, dtype=np.float64).tolist(),
        "data_info": forecaster.data_info,
        "extra": extra or {},
    }
    state = {k: v.detach().cpu().contiguous() for k, v in forecaster.method.state_dict().items()}
    payload: dict[str, Any] = {"state_dict": state, "config_json": json.dumps(config)}
    if forecaster.assets:
        payload["assets"] = {
            str(k): torch.from_numpy(np.ascontiguousarray(v)) for k, v in forecaster.assets.items()
        }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        torch.save(payload, tmp)
        digest = sha256_file(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a checkpoint is an ordinary file
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    side = path.with_name(path.name + ".sha256")
    side_tmp = side.with_name(side.name + ".tmp")
    side_tmp.write_text(f"{digest}  {path.name}\n")
    os.replace(side_tmp, side)
    forecaster.sha256 = digest
    return digest


def read_config(path: str | Path) -> dict[str, Any]:
    """The JSON config of a checkpoint, without building the network."""
    return json.loads(_load_payload(path)[0]["config_json"])


def _load_payload(path: str | Path, map_location: str | torch.device = "cpu") -> tuple[dict, str]:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    digest = sha256_file(path)
    side = path.with_name(path.name + ".sha256")
    if side.is_file():
        expected = side.read_text().split()[0] if side.read_text().strip() else ""
        if expected != digest:
            raise CheckpointError(
                f"checkpoint {path} is corrupted: sha256 {digest[:12]}… does not match "
                f"{side.name} ({expected[:12]}…)"
            )
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is a bad checkpoint
        raise CheckpointError(f"cannot read checkpoint {path}: {exc}") from None
    if not isinstance(payload, dict) or "config_json" not in payload:
        raise CheckpointError(f"{path} is not an idff-ts checkpoint (no config_json)")
    return payload, digest


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> Forecaster:
    """Read a checkpoint (weights only, hash-checked) into a :class:`Forecaster`."""
    payload, digest = _load_payload(path, map_location)
    config = json.loads(payload["config_json"])
    if config.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"checkpoint format {config.get('format_version')} unsupported; expected {FORMAT_VERSION}"
        )
    cfg = from_dict(ModelConfig, config["model"])
    method = build_method(config["method"], cfg)
    method.load_state_dict(payload["state_dict"])
    method.eval()
    state_shape = cfg.state_shape
    return Forecaster(
        method=method,
        mean=np.asarray(config["mean"], dtype=np.float32).reshape(_stat_shape(config["mean"], state_shape)),
        std=np.asarray(config["std"], dtype=np.float32).reshape(_stat_shape(config["std"], state_shape)),
        sampler=from_dict(SamplerConfig, config["sampler"]),
        data_info=config.get("data_info", {}),
        sha256=digest,
        assets={str(k): v.numpy() for k, v in (payload.get("assets") or {}).items()},
    )


def _stat_shape(values: Any, state_shape: tuple[int, ...]) -> tuple[int, ...]:
    return np.asarray(values).shape
