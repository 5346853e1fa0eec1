"""Helpers and fixtures of the hostile-input corpus (issue 16).

Every case runs the CLI in-process (typer's ``CliRunner``) in a fresh working folder and checks
the same contract: a non-zero exit, exactly one line ``error: …`` on stderr, no traceback, no
new file anywhere (working folder and inputs) and every existing file byte-for-byte unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.model import Forecaster, build_method
from idff_ts.training.checkpoint import save_checkpoint

DATA_INFO = {"name": "x", "state_dims": ["component"], "time_kind": "datetime",
             "time_step": 1.0, "time_step_units": "D", "series_dim": None, "task": None}


def series(n: int = 60, d: int = 2, seed: int = 0, **time_kw) -> xr.Dataset:
    """A smooth daily two-component series ``x(time, component)``."""
    rng = np.random.default_rng(seed)
    k = np.arange(n)
    x = np.stack([np.sin(k / (5 + 2 * j)) for j in range(d)], -1) + 0.1 * rng.standard_normal((n, d))
    time = time_kw.get("time", pd.date_range("2020-01-01", periods=n))
    return xr.Dataset(
        {"x": (("time", "component"), x, {"units": "K"})},
        coords={"time": time, "component": list("abcd")[:d]},
    )


def tiny_forecaster(state: int = 2, context: int = 2, hidden: int = 16) -> Forecaster:
    import torch

    torch.manual_seed(0)
    cfg = ModelConfig(state_shape=(state,), context=context, horizon=4, hidden=hidden, depth=1,
                      emb_dim=8)
    return Forecaster(
        build_method("idff", cfg), mean=np.zeros(state, np.float32),
        std=np.ones(state, np.float32), sampler=SamplerConfig(nfe=2), data_info=dict(DATA_INFO),
    )


@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Valid inputs shared by the cases: ``obs.nc`` and an untrained checkpoint ``model.pt``."""
    root = tmp_path_factory.mktemp("hostile_inputs")
    series().to_netcdf(root / "obs.nc")
    save_checkpoint(root / "model.pt", tiny_forecaster())
    return root


def snapshot(*folders: Path) -> dict[Path, str]:
    """Path → sha256 of every file under ``folders`` (a Zarr store counts file by file)."""
    out: dict[Path, str] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out[path] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def invoke(args: list[str], **kw):
    """Run ``idff-ts ARGS`` in-process; files the command left open are closed afterwards."""
    from idff_ts.cli import app

    try:
        return CliRunner().invoke(app, [str(a) for a in args], **kw)
    finally:
        _close_open_files()


def _close_open_files() -> None:
    """Close every netCDF handle xarray still caches (one process runs many commands here)."""
    import gc

    from xarray.backends.file_manager import FILE_CACHE

    gc.collect()
    for manager in list(FILE_CACHE.values()):
        manager.close()
    FILE_CACHE.clear()


def assert_one_line_error(result, code: int | tuple[int, ...] | None = None,
                          needles: tuple[str, ...] = ()) -> str:
    """Non-zero exit (``code`` if given), one ``error:`` line on stderr, no traceback."""
    out = result.output
    assert result.exit_code != 0, f"accepted (exit 0):\n{out}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}\n{out}"
    )
    assert "Traceback" not in out, out
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{result.stderr}"
    assert lines[0].startswith("error: "), lines[0]
    assert not lines[0].startswith("error: unexpected"), f"an unforeseen failure: {lines[0]}"
    if code is not None:
        codes = code if isinstance(code, tuple) else (code,)
        assert result.exit_code in codes, f"exit {result.exit_code}: {lines[0]}"
    low = lines[0].lower()
    for needle in needles:
        assert needle.lower() in low, f"{needle!r} not in: {lines[0]}"
    return lines[0]


@pytest.fixture
def hostile(tmp_path: Path, inputs: Path, monkeypatch: pytest.MonkeyPatch) -> Callable:
    """``hostile(args, code, needles)``: run in an empty folder, assert the whole contract.

    Arguments may contain ``{tmp}`` and ``{in}`` (the case's folder and the shared inputs).
    """
    monkeypatch.chdir(tmp_path)

    def run(args: list[str], code=None, needles: tuple[str, ...] = (), **kw) -> str:
        argv = [str(a).replace("{tmp}", str(tmp_path)).replace("{in}", str(inputs)) for a in args]
        before = snapshot(tmp_path, inputs)
        result = invoke(argv, **kw)
        line = assert_one_line_error(result, code, needles)
        after = snapshot(tmp_path, inputs)
        assert set(after) == set(before), f"files left behind: {set(after) ^ set(before)}"
        changed = [p for p in before if before[p] != after[p]]
        assert not changed, f"existing files changed: {changed}"
        return line

    return run
