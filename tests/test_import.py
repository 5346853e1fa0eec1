"""``import idff_ts`` is light (no torch, no Lightning), registers the accessor, exposes the API."""

from __future__ import annotations

import subprocess
import sys

PUBLIC = [
    "fit", "forecast", "evaluate", "load_model", "save_model", "Forecaster", "ModelConfig",
    "SamplerConfig", "TrainConfig", "IdffError", "DataError", "ConfigError", "CheckpointError",
    "simulate_attractor",
]


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_import_does_not_load_torch_and_registers_accessor():
    _run(
        "import sys, xarray as xr, idff_ts\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        "assert 'lightning' not in sys.modules, 'lightning imported'\n"
        "assert idff_ts.__version__ == '0.1.0'\n"
        "assert hasattr(xr.DataArray([1.0], dims='time'), 'idff')\n"
        "assert hasattr(xr.Dataset(), 'idff')\n"
        "assert callable(idff_ts.forecast) and callable(idff_ts.evaluate)\n"
        "assert 'torch' not in sys.modules\n"
    )


def test_cli_module_import_is_light():
    _run("import sys, idff_ts.cli\nassert 'torch' not in sys.modules")


def test_public_names_resolve_lazily():
    import idff_ts

    for name in PUBLIC:
        assert getattr(idff_ts, name) is not None, name
        assert name in idff_ts.__all__ and name in dir(idff_ts)
    from idff_ts.training.checkpoint import load_checkpoint

    assert idff_ts.load_model is load_checkpoint
    assert issubclass(idff_ts.DataError, idff_ts.IdffError)
    try:
        idff_ts.nope  # noqa: B018
    except AttributeError as err:
        assert "nope" in str(err)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_demo_forecast_imports_no_scipy_of_its_own(tmp_path):
    """``idff-ts forecast`` on the bundled demo imports no scipy module itself (issue 15):
    OT-CFM's assignment solver (scipy.optimize) is imported only when training OT-CFM.

    dask.array, which xarray imports with its first array when dask is installed, loads
    scipy.sparse and scipy.fft for its own chunk types; those are loaded first and allowed.
    """
    _run(
        "import sys\n"
        "import dask.array\n"
        "before = {m for m in sys.modules if m.split('.')[0] == 'scipy'}\n"
        "from typer.testing import CliRunner\n"
        "from idff_ts.cli import app\n"
        f"out = {str(tmp_path / 'fc.nc')!r}\n"
        "r = CliRunner().invoke(app, ['forecast', '--days', '2', '-m', '2', '--nfe', '1', '-q',"
        " '-o', out])\n"
        "assert r.exit_code == 0, r.output\n"
        "import xarray as xr\n"
        "assert xr.open_dataset(out).sizes['member'] == 2\n"
        "new = sorted(m for m in sys.modules if m.split('.')[0] == 'scipy' and m not in before)\n"
        "assert not new, new\n"
    )
