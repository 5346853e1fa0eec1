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
import pickle
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from idff_ts.config import ModelConfig, SamplerConfig, from_dict, to_dict
from idff_ts.errors import CheckpointError, ConfigError
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
    return _parse_config(*_load_payload(path)[::2])


def _load_payload(
    path: str | Path, map_location: str | torch.device = "cpu"
) -> tuple[dict, str, Path]:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    digest = sha256_file(path)
    side = path.with_name(path.name + ".sha256")
    if side.is_file():
        text = side.read_text(errors="replace")
        expected = text.split()[0] if text.strip() else ""
        if expected != digest:
            raise CheckpointError(
                f"checkpoint {path} is corrupted: sha256 {digest[:12]}… does not match "
                f"{side.name} ({expected[:12]}…)"
            )
    payload = safe_torch_load(path, map_location)
    if not isinstance(payload, dict) or "config_json" not in payload:
        raise CheckpointError(
            f"{path} is not an idff-ts checkpoint: expected a dict with config_json and "
            f"state_dict, found {_describe(payload)}"
        )
    return payload, digest, path


def safe_torch_load(path: str | Path, map_location: str | torch.device = "cpu") -> Any:
    """``torch.load(path, weights_only=True)`` with one-line :class:`CheckpointError` errors.

    Tells a file that is not a torch archive (random bytes, another format), a truncated one
    (a zip archive without its end record) and one holding Python objects other than tensors
    and primitives (refused unread, since unpickling them could run code) apart. Never relays
    torch's advice to retry with ``weights_only=False``.
    """
    path = Path(path)
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        if not zipfile.is_zipfile(path):  # not torch's zip format: not a pickle of objects
            raise CheckpointError(_unreadable_message(path, exc)) from None
        raise CheckpointError(
            f"refused {path}: it holds Python objects other than tensors and numbers, which "
            "could run code when loaded; expected a checkpoint written by idff-ts"
        ) from None
    except Exception as exc:  # noqa: BLE001 - anything else: tell what the file is
        raise CheckpointError(_unreadable_message(path, exc)) from None


def _unreadable_message(path: Path, exc: BaseException) -> str:
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(4)
    if size == 0:
        return f"cannot read checkpoint {path}: the file is empty; expected a torch checkpoint"
    if head == b"PK\x03\x04" and not zipfile.is_zipfile(path):
        return (
            f"checkpoint {path} is truncated or damaged ({size} bytes, the end of its zip archive "
            "is missing); copy it again or re-run training"
        )
    found = "a zip archive without torch data" if zipfile.is_zipfile(path) else "another format"
    detail = " ".join(str(exc).split())[:120]
    return (
        f"cannot read {path} as a torch checkpoint: found {found} ({size} bytes; {detail}); "
        "expected a model.pt written by idff-ts train"
    )


def _describe(obj: Any) -> str:
    if isinstance(obj, dict):
        return f"a dict with keys {sorted(map(str, obj))[:8]}"
    return f"a {type(obj).__name__}"


def _parse_config(payload: dict, path: Path) -> dict[str, Any]:
    """The checkpoint's JSON config as a dict; :class:`CheckpointError` if it is not one."""
    try:
        config = json.loads(payload["config_json"])
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"checkpoint {path} has a damaged config (not JSON: {exc})") from None
    if not isinstance(config, dict):
        raise CheckpointError(
            f"checkpoint {path} has a damaged config: expected a JSON object, found "
            f"{type(config).__name__}"
        )
    return config


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> Forecaster:
    """Read a checkpoint (weights only, hash-checked) into a :class:`Forecaster`."""
    payload, digest, path = _load_payload(path, map_location)
    config = _parse_config(payload, path)
    if config.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"checkpoint format {config.get('format_version')} unsupported; expected {FORMAT_VERSION}"
        )
    try:
        cfg = from_dict(ModelConfig, _section(config, "model", path))
        sampler = from_dict(SamplerConfig, _section(config, "sampler", path))
    except ConfigError as exc:
        raise CheckpointError(f"checkpoint {path} has an invalid config: {exc}") from None
    method = build_method(str(config.get("method")), cfg)
    _load_weights(method, payload.get("state_dict"), path)
    method.eval()
    return Forecaster(
        method=method,
        mean=_stat(config, "mean", cfg.state_shape, path),
        std=_stat(config, "std", cfg.state_shape, path),
        sampler=sampler,
        data_info=config.get("data_info") if isinstance(config.get("data_info"), dict) else {},
        sha256=digest,
        assets=_assets(payload.get("assets"), path),
    )


def _section(config: dict, key: str, path: Path) -> dict[str, Any]:
    value = config.get(key)
    if not isinstance(value, dict):
        raise CheckpointError(
            f"checkpoint {path} has a damaged config: expected a {key!r} mapping, found "
            f"{type(value).__name__}"
        )
    return value


def _load_weights(method: torch.nn.Module, state: Any, path: Path) -> None:
    """Load ``state`` into ``method``; a one-line error if it is another architecture."""
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"checkpoint {path} has no state_dict of tensors")
    try:
        method.load_state_dict(state)
    except RuntimeError as exc:
        raise CheckpointError(
            f"checkpoint {path}: its weights do not fit the architecture its config describes "
            f"({state_mismatch(exc)}); the file was edited or written by another idff-ts version"
        ) from None


def check_resume(path: str | Path, module: torch.nn.Module) -> dict[str, Any]:
    """Refuse a Lightning ``last.ckpt`` that cannot continue training ``module``, in one line;
    return the checkpoint as read.

    Read with ``weights_only=True`` (:func:`safe_torch_load`: random bytes, truncation and
    pickled objects get their own messages); it must hold a ``state_dict`` that loads into
    ``module`` (another architecture names the first mismatch). Loading it here is harmless:
    Lightning restores the same weights, optimizer and loop state from it next.
    """
    path = Path(path)
    ckpt = safe_torch_load(path)
    state = ckpt.get("state_dict") if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or "global_step" not in ckpt:
        raise CheckpointError(
            f"cannot resume from {path}: expected a Lightning checkpoint written by idff-ts train "
            f"(state_dict, global_step), found {_describe(ckpt)}"
        )
    try:
        module.load_state_dict(state)
    except RuntimeError as exc:
        raise CheckpointError(
            f"cannot resume from {path}: it was written for another architecture "
            f"({state_mismatch(exc)}); resume with the settings of that run or start afresh"
        ) from None
    return ckpt


def state_mismatch(exc: BaseException) -> str:
    """The first concrete problem of torch's multi-line ``load_state_dict`` error, one line."""
    lines = [" ".join(line.split()) for line in str(exc).splitlines()]
    detail = next((ln for ln in lines[1:] if ln), lines[0] if lines else "")
    detail = detail.replace("copying a param with shape ", "").replace("torch.Size", "")
    return detail[:200] + ("…" if len(detail) > 200 else "")


def _stat(config: dict, key: str, state_shape: tuple[int, ...], path: Path) -> np.ndarray:
    """The normalisation ``mean``/``std``, checked to broadcast against the state shape."""
    try:
        values = np.asarray(config[key], dtype=np.float32)
        np.broadcast_shapes(values.shape, state_shape)
    except (KeyError, TypeError, ValueError):
        raise CheckpointError(
            f"checkpoint {path} has a damaged config: {key!r} does not match the state shape "
            f"{list(state_shape)}"
        ) from None
    return values


def _assets(assets: Any, path: Path) -> dict[str, np.ndarray]:
    if assets is None:
        return {}
    if not isinstance(assets, dict) or not all(isinstance(v, torch.Tensor) for v in assets.values()):
        raise CheckpointError(f"checkpoint {path} has damaged assets (expected tensors)")
    return {str(k): v.numpy() for k, v in assets.items()}
