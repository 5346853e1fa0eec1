"""Hostile checkpoints (``forecast -c``, ``train --resume``) and training configs (``--config``).

A checkpoint that carries a pickled object must be refused by ``torch.load(weights_only=True)``
without running it: the payload would create a marker file, and the test checks it does not
exist (the no-new-file check of the ``hostile`` fixture covers it too).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hostile_kit import series, tiny_forecaster

from idff_ts.errors import IdffError
from idff_ts.training.checkpoint import load_checkpoint, save_checkpoint


class _Payload:
    """Unpickling this calls ``Path.touch`` on a marker: proof that code ran."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (Path(self.marker),))


def _save(obj, path: Path) -> None:
    torch.save(obj, path)


def _valid_payload(tmp: Path) -> dict:
    save_checkpoint(tmp / "ok.pt", tiny_forecaster())
    payload = torch.load(tmp / "ok.pt", weights_only=True)
    (tmp / "ok.pt").unlink()
    (tmp / "ok.pt.sha256").unlink()
    return payload


def _edit_config(**changes):
    def make(tmp: Path) -> None:
        payload = _valid_payload(tmp)
        config = json.loads(payload["config_json"])
        for key, value in changes.items():
            section, _, field = key.partition("__")
            if field:
                config[section][field] = value
            else:
                config[section] = value
        payload["config_json"] = json.dumps(config)
        _save(payload, tmp / "bad.pt")
    return make


def _random_bytes(tmp: Path) -> None:
    (tmp / "bad.pt").write_bytes(bytes(np.random.default_rng(0).integers(0, 256, 2048, np.uint8)))


def _truncated(tmp: Path) -> None:
    save_checkpoint(tmp / "full.pt", tiny_forecaster())
    data = (tmp / "full.pt").read_bytes()
    (tmp / "bad.pt").write_bytes(data[: len(data) // 2])
    (tmp / "full.pt").unlink()
    (tmp / "full.pt.sha256").unlink()


def _malicious(tmp: Path) -> None:
    _save({"config_json": "{}", "state_dict": _Payload(str(tmp / "PWNED"))}, tmp / "bad.pt")


def _sha_mismatch(tmp: Path) -> None:
    save_checkpoint(tmp / "bad.pt", tiny_forecaster())
    (tmp / "bad.pt.sha256").write_text("0" * 64 + "  bad.pt\n")


def _other_architecture(tmp: Path) -> None:
    save_checkpoint(tmp / "wide.pt", tiny_forecaster(hidden=32))
    wide = torch.load(tmp / "wide.pt", weights_only=True)
    payload = _valid_payload(tmp)
    payload["state_dict"] = wide["state_dict"]
    _save(payload, tmp / "bad.pt")
    for p in tmp.glob("wide.pt*"):
        p.unlink()


def _missing_keys(tmp: Path) -> None:
    payload = _valid_payload(tmp)
    payload["state_dict"] = dict(list(payload["state_dict"].items())[:2])
    _save(payload, tmp / "bad.pt")


def _zip(tmp: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "not a checkpoint")
    (tmp / "bad.pt").write_bytes(buf.getvalue())


CHECKPOINTS = [
    ("random-bytes", _random_bytes, ("bad.pt",)),
    ("empty-file", lambda t: (t / "bad.pt").write_bytes(b""), ("bad.pt",)),
    ("truncated", _truncated, ("bad.pt", "truncated")),
    ("malicious-pickle", _malicious, ("bad.pt",)),
    ("sha256-mismatch", _sha_mismatch, ("bad.pt", "sha256")),
    ("plain-tensor", lambda t: _save(torch.zeros(3), t / "bad.pt"), ("bad.pt",)),
    ("dict-without-config", lambda t: _save({"state_dict": {}}, t / "bad.pt"), ("bad.pt",)),
    ("config-not-json", lambda t: _save({"config_json": "{nope", "state_dict": {}}, t / "bad.pt"),
     ("bad.pt",)),
    ("config-json-a-list", lambda t: _save({"config_json": "[1, 2]", "state_dict": {}}, t / "bad.pt"),
     ("bad.pt",)),
    ("format-version-99", _edit_config(format_version=99), ("format",)),
    ("unknown-method", _edit_config(method="alchemy"), ("alchemy",)),
    ("model-field-wrong-type", _edit_config(model__hidden="wide"), ("hidden",)),
    ("model-unknown-field", _edit_config(model__colour="red"), ("colour",)),
    ("mean-wrong-length", _edit_config(mean=[0.0, 0.0, 0.0]), ("bad.pt",)),
    ("sampler-nfe-zero", _edit_config(sampler__nfe=0), ("nfe",)),
    ("model-section-missing", _edit_config(model=None), ("bad.pt",)),
    ("other-architecture", _other_architecture, ("bad.pt", "architecture")),
    ("missing-weights", _missing_keys, ("bad.pt",)),
    ("zip-not-torch", _zip, ("bad.pt",)),
    ("netcdf-as-checkpoint", lambda t: series().to_netcdf(t / "bad.pt"), ("bad.pt",)),
    ("folder-without-model", lambda t: (t / "bad.pt").mkdir(), ("bad.pt",)),
]


@pytest.mark.parametrize("name,setup,needles", CHECKPOINTS, ids=[c[0] for c in CHECKPOINTS])
def test_bad_checkpoint(hostile, tmp_path, name, setup, needles):
    setup(tmp_path)
    line = hostile(["forecast", "-c", "bad.pt", "--data", "{in}/obs.nc", "-o", "out.nc", "-q"],
                   (1, 2), needles)
    assert "weights_only=False" not in line  # never relay torch's unsafe advice
    assert not (tmp_path / "PWNED").exists()
    if name != "folder-without-model":  # the Python API: an IdffError with the same message
        with pytest.raises(IdffError) as err:
            load_checkpoint("bad.pt")
        assert str(err.value) == line.removeprefix("error: ")


def _run_with_last(setup):
    def make(tmp: Path) -> None:
        (tmp / "run").mkdir()
        setup(tmp)
        (tmp / "bad.pt").rename(tmp / "run" / "last.ckpt")
    return make


def _lightning_ckpt_other_architecture(tmp: Path) -> None:
    """A Lightning-style last.ckpt whose weights belong to a wider network."""
    wide = tiny_forecaster(hidden=64).method.state_dict()
    _save({"state_dict": {f"method.{k}": v for k, v in wide.items()}, "epoch": 0,
           "global_step": 1, "pytorch-lightning_version": "2.0"}, tmp / "bad.pt")


RESUME = [
    ("resume-malicious", _run_with_last(_malicious), ("last.ckpt",)),
    ("resume-random-bytes", _run_with_last(_random_bytes), ("last.ckpt",)),
    ("resume-truncated", _run_with_last(_truncated), ("last.ckpt",)),
    ("resume-other-architecture", _run_with_last(_lightning_ckpt_other_architecture),
     ("last.ckpt",)),
    ("resume-without-last", lambda t: (t / "run").mkdir(), ("last.ckpt",)),
    ("resume-output-is-a-file", lambda t: (t / "run").write_text("x"), ("run",)),
]


@pytest.mark.parametrize("name,setup,needles", RESUME, ids=[c[0] for c in RESUME])
def test_bad_resume(hostile, tmp_path, name, setup, needles):
    setup(tmp_path)
    line = hostile(["train", "--data", "{in}/obs.nc", "--var", "x", "--context", "2",
                    "--horizon", "4", "--hidden", "16", "--depth", "1", "--epochs", "1",
                    "--max-batches", "1", "-o", "run", "--resume", "-q"], (1, 2), needles)
    assert "weights_only=False" not in line
    assert not (tmp_path / "PWNED").exists()


CONFIGS = [
    ("batch-size-text", "train:\n  batch_size: zero\n", ("batch_size", "zero")),
    ("lr-text", "train:\n  lr: fast\n", ("lr", "fast")),
    ("lr-list", "train:\n  lr: [1, 2]\n", ("lr",)),
    ("batch-size-negative", "train:\n  batch_size: -3\n", ("batch_size",)),
    ("val-members-float", "train:\n  val_members: 1.5\n", ("val_members",)),
    ("batch-size-bool", "train:\n  batch_size: true\n", ("batch_size",)),
    ("hidden-list", "model:\n  hidden: [1, 2]\n", ("hidden",)),
    ("hidden-huge", "model:\n  hidden: 100000000\n", ("memory",)),
    ("sigma-negative", "model:\n  sigma: -1\n", ("sigma",)),
    ("sigma-nan", "model:\n  sigma: .nan\n", ("sigma",)),
    ("dropout-text", "model:\n  dropout: lots\n", ("dropout",)),
    ("context-text", "context: two\n", ("context",)),
    ("horizon-zero", "horizon: 0\n", ("horizon",)),
    ("model-a-string", "model: big\n", ("model",)),
    ("train-a-list", "train: [1, 2]\n", ("train",)),
    ("unknown-section", "optimiser:\n  lr: 1\n", ("optimiser",)),
    ("unknown-train-key", "train:\n  learning_rate: 0.1\n", ("learning_rate",)),
    ("not-a-mapping", "- a\n- b\n", ("mapping",)),
    ("yaml-syntax-error", "train: {batch_size: 3\n", ("yaml",)),
    ("python-tag", "train: !!python/object/apply:os.system ['touch PWNED']\n", ("yaml",)),
    ("binary-garbage", None, ("cfg.yaml",)),
    ("config-missing", "", ("nope.yaml",)),
]


@pytest.mark.parametrize("name,text,needles", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_bad_config(hostile, tmp_path, name, text, needles):
    cfg = "nope.yaml" if name == "config-missing" else "cfg.yaml"
    if text is None:
        (tmp_path / cfg).write_bytes(b"\xff\xfe\x00garbage\x00\x9c")
    elif name != "config-missing":
        (tmp_path / cfg).write_text(text)
    hostile(["train", "--data", "{in}/obs.nc", "--var", "x", "--config", cfg, "-o", "run",
             "--epochs", "1", "--max-batches", "1", "-q"], (1, 2), needles)
    assert not (tmp_path / "PWNED").exists()
