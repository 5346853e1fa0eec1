"""MD metrics: per-trajectory wrapped MAE / RMSE / CC / CRPS against brute-force oracles, and the
Ramachandran Jensen–Shannon distance (identity, symmetry, shift, periodicity)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from idff_ts.domains.md.metrics import (
    js_divergence,
    ramachandran_histogram,
    ramachandran_js,
    ramachandran_js_per_residue,
    ramachandran_pairs,
    trajectory_scores,
)
from idff_ts.errors import DataError

NAMES = ["phi_2", "psi_2", "phi_3", "psi_3"]


def _wrap(x: np.ndarray) -> np.ndarray:
    return (x + 180.0) % 360.0 - 180.0


def _truth(values: np.ndarray, names: list[str] = NAMES) -> xr.DataArray:
    return xr.DataArray(values, dims=("time", "angle"),
                        coords={"time": np.arange(values.shape[0]) * 1.0, "angle": names})


def _generated(values: np.ndarray, names: list[str] = NAMES) -> xr.DataArray:
    return xr.DataArray(values, dims=("member", "time", "angle"),
                        coords={"time": np.arange(values.shape[1]) * 1.0, "angle": names})


def _circ_corr(x: np.ndarray, y: np.ndarray) -> float:
    """Jammalamadaka–SenGupta, written out with loops-free numpy on radians."""
    a, b = np.radians(x), np.radians(y)
    a0 = np.arctan2(np.sin(a).sum(), np.cos(a).sum())
    b0 = np.arctan2(np.sin(b).sum(), np.cos(b).sum())
    u, v = np.sin(a - a0), np.sin(b - b0)
    return float((u * v).sum() / np.sqrt((u * u).sum() * (v * v).sum()))


def _crps_bruteforce(x: np.ndarray, y: float) -> float:
    d = lambda p, q: np.abs(_wrap(p - q))  # noqa: E731
    m = x.size
    return float(d(x, y).mean() - d(x[:, None], x[None, :]).sum() / (2 * m * m))


def test_trajectory_scores_match_bruteforce() -> None:
    rng = np.random.default_rng(0)
    t, m = 40, 3
    y = rng.uniform(-180, 180, (t, 4))
    g = _wrap(y[None] + rng.normal(0, 25, (m, t, 4)) + 170.0 * (rng.random((m, t, 4)) < 0.05))
    s = trajectory_scores(_generated(g), _truth(y))
    assert s["mae"].dims == ("member", "angle")
    for i in range(m):
        for a in range(4):
            e = _wrap(g[i, :, a] - y[:, a])
            assert s["mae"][i, a].item() == pytest.approx(np.abs(e).mean())
            assert s["rmse"][i, a].item() == pytest.approx(np.sqrt((e**2).mean()))
            assert s["cc"][i, a].item() == pytest.approx(_circ_corr(g[i, :, a], y[:, a]))
    crps = [[_crps_bruteforce(g[:, k, a], y[k, a]) for k in range(t)] for a in range(4)]
    assert np.allclose(s["crps"].values, np.mean(crps, axis=1))
    assert s["mae_mean"].item() == pytest.approx(float(s["mae"].mean()))
    # RMSE summary = mean of per-trajectory RMSEs (the paper's protocol), not the pooled root
    assert s["rmse_mean"].item() == pytest.approx(float(s["rmse"].mean()))
    assert s.attrs["ensemble_size"] == m


def test_trajectory_scores_wrap_and_rotation_invariance() -> None:
    rng = np.random.default_rng(1)
    y = _wrap(178.0 + rng.normal(0, 3, (30, 4)))  # straddles ±180
    g = _wrap(y + 4.0)[None]
    s = trajectory_scores(_generated(g), _truth(y))
    assert s["mae_mean"].item() == pytest.approx(4.0)
    assert s["rmse_mean"].item() == pytest.approx(4.0)
    assert s["cc_mean"].item() == pytest.approx(1.0)  # a rotated copy is perfectly correlated
    assert "crps" not in s  # one member: no ensemble score


def test_trajectory_scores_errors() -> None:
    y = _truth(np.zeros((5, 4)))
    with pytest.raises(DataError, match="lacks dims"):
        trajectory_scores(y, y)
    g = _generated(np.zeros((2, 5, 4)))
    with pytest.raises(DataError, match="align"):
        trajectory_scores(g, y.assign_coords(time=y["time"] + 0.5))


# ------------------------------------------------------------------------------ Ramachandran
def _sample(n: int, centre: tuple[float, float], spread: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return _wrap(np.asarray(centre) + rng.normal(0, spread, (n, 2)))


def test_js_identity_symmetry_bounds() -> None:
    a = _sample(4000, (-70, 140), 15, 0)
    b = _sample(4000, (-70, -40), 15, 1)
    assert ramachandran_js(a, a) == 0.0
    assert ramachandran_js(a, b) == pytest.approx(ramachandran_js(b, a))
    assert 0.0 < ramachandran_js(a, b) <= 1.0
    far = _sample(4000, (60, 40), 5, 2)
    assert ramachandran_js(_sample(4000, (-100, -100), 5, 3), far) == pytest.approx(1.0)


def test_js_grows_with_the_shift() -> None:
    base = _sample(20000, (-70, 140), 20, 0)
    same = _sample(20000, (-70, 140), 20, 1)
    scores = [ramachandran_js(base, _wrap(same + [s, 0.0])) for s in (0, 20, 60, 120)]
    assert scores == sorted(scores) and scores[-1] > 0.5 and scores[0] < 0.05


def test_js_periodic_grid() -> None:
    h = ramachandran_histogram(np.array([[180.0, 180.0], [-180.0, -180.0], [179.9, -179.9]]))
    assert h[0, 0] == pytest.approx(2 / 3) and h[-1, 0] == pytest.approx(1 / 3)
    # a cloud around the corner (±180, ±180) compares equal to itself wrapped differently
    c = _sample(2000, (180, 180), 8, 0)
    assert ramachandran_js(c, c + 360.0) == 0.0
    assert js_divergence(np.array([1.0, 0]), np.array([0, 1.0])) == pytest.approx(1.0)


def test_pairs_from_named_angles() -> None:
    da = _generated(np.arange(2 * 3 * 5, dtype=float).reshape(2, 3, 5),
                    names=["phi_2", "psi_2", "phi_3", "psi_3", "phi_4"])
    pairs = ramachandran_pairs(da)
    assert pairs.shape == (2 * 3 * 2, 2)  # residue 4 has no psi: skipped
    assert set(map(tuple, pairs[:2])) <= {(0.0, 1.0), (2.0, 3.0), (5.0, 6.0), (7.0, 8.0)}
    with pytest.raises(DataError, match="no \\(phi_i, psi_i\\) pair"):
        ramachandran_pairs(_truth(np.zeros((3, 2)), names=["a", "b"]))
    a = _generated(_sample(600, (-70, 140), 10, 0).reshape(2, 300, 2)[..., :],
                   names=["phi_2", "psi_2"])
    per = ramachandran_js_per_residue(a, a)
    assert per.dims == ("residue",) and per.item() == 0.0
