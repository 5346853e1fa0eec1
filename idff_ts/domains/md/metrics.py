"""Scores of generated dihedral trajectories (the IDFF paper's MD metrics), on the circle.

**Per generated trajectory** (:func:`trajectory_scores`). A generated trajectory ``x_m(t)``
(member ``m``) is compared with the held-out truth ``y(t)`` angle by angle, over time, with
the wrapped difference ``e = ((x − y + 180) mod 360) − 180`` (method.md §6)::

    MAE_{m,a}  = mean_t |e|
    RMSE_{m,a} = sqrt(mean_t e²)
    CC_{m,a}   = Σ_t sin(x − x̄₀) sin(y − ȳ₀) / sqrt(Σ_t sin²(x − x̄₀) Σ_t sin²(y − ȳ₀))

(CC: Jammalamadaka–SenGupta circular correlation, ``x̄₀, ȳ₀`` circular means over time — the
metrics package's ``cc(distance="circular")``). The paper's summary numbers are the averages
of these per-(member, angle) values (``*_mean``: RMSE averaged after the root, as in the
paper). With ≥ 2 members the circular CRPS of the ensemble at each time (kernel form, geodesic
distance) is added, averaged over time.

**Distribution** (:func:`ramachandran_js`). How well the generated trajectories populate the
Ramachandran plane: the Jensen–Shannon divergence between the 2-D histograms of (φ_i, ψ_i)
pairs of the generated and the reference sets, pooled over residues ``i`` (and members,
time…), on a periodic grid of ``bins × bins`` cells over ``[−180, 180)²`` (default 36 × 36:
10° cells; angles are wrapped before binning, so 180° and −180° fall in the same cell)::

    P, Q = normalised histograms,  M = (P + Q)/2
    JS(P, Q) = ½ KL(P ‖ M) + ½ KL(Q ‖ M)      (log base 2: 0 ≤ JS ≤ 1 bit)

Why JS on a histogram: it is symmetric, bounded, defined with empty cells (unlike KL), needs
no kernel bandwidth, costs O(N) for N pairs, and is the usual way MD generative models compare
free-energy surfaces. Its resolution is the cell size: shifts smaller than a cell are not
seen. Identical sets give 0, disjoint supports give 1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import xarray as xr

from idff_ts.errors import ConfigError, DataError
from idff_ts.metrics.crps import crps_ensemble_xr
from idff_ts.metrics.deterministic import cc, mae, mse

_NAME = re.compile(r"^(phi|psi)_(-?\d+)$")


def trajectory_scores(
    generated: xr.DataArray,
    truth: xr.DataArray,
    *,
    member_dim: str = "member",
    time_dim: str = "time",
    angle_dim: str = "angle",
    period: float = 360.0,
) -> xr.Dataset:
    """MAE, RMSE, CC per generated trajectory and angle (wrapped), then averaged (module doc).

    Args:
        generated: ``(member, time, angle)`` degrees (other dims, e.g. ``trajectory``, are
            kept and averaged into the ``*_mean`` values).
        truth: ``(time, angle)`` degrees on the same times and angles (exact alignment).

    Returns:
        Dataset with ``mae``, ``rmse``, ``cc`` over ``(member, angle, …)``; ``mae_mean``,
        ``rmse_mean``, ``cc_mean`` (means over every dim); with ≥ 2 members ``crps(angle, …)``
        (circular ecdf CRPS per time, averaged over time) and ``crps_mean``.
    """
    for name, da, dims in (("generated", generated, (member_dim, time_dim, angle_dim)),
                           ("truth", truth, (time_dim, angle_dim))):
        missing = [d for d in dims if d not in da.dims]
        if missing:
            raise DataError(f"{name} lacks dims {missing}; expected {dims}, found "
                            f"{list(map(str, da.dims))}")
    if member_dim in truth.dims:
        raise DataError(f"truth must not have the {member_dim!r} dim")
    try:
        generated, truth = xr.align(generated, truth, join="exact")
    except ValueError as err:
        raise DataError(f"generated and truth times / angles do not align exactly ({err})") \
            from None
    kw = {"dim": time_dim, "member_dim": None, "distance": "circular", "period": period}
    out = xr.Dataset({
        "mae": mae(generated, truth, **kw),
        "rmse": np.sqrt(mse(generated, truth, **kw)),
        "cc": cc(generated, truth, **kw),
    })
    out["mae"].attrs = {"long_name": "MAE per generated trajectory (wrapped)", "units": "degree"}
    out["rmse"].attrs = {"long_name": "RMSE per generated trajectory (wrapped)", "units": "degree"}
    out["cc"].attrs = {"long_name": "circular correlation (Jammalamadaka-SenGupta) per "
                       "generated trajectory"}
    if generated.sizes[member_dim] >= 2:
        crps = crps_ensemble_xr(generated, truth, member_dim=member_dim, distance="circular",
                                period=period)
        out["crps"] = crps.mean(time_dim).assign_attrs(
            long_name="circular CRPS (ecdf) of the members per time, mean over time",
            units="degree")
    out = out.transpose(member_dim, ...)
    for name in list(out.data_vars):
        out[f"{name}_mean"] = out[name].mean()
    out.attrs = {"distance": "circular", "period": float(period),
                 "ensemble_size": int(generated.sizes[member_dim]),
                 "reduction": "per (member, angle) over time, then mean over members and angles"}
    return out


# ------------------------------------------------------------------------------ Ramachandran
def ramachandran_pairs(angles: xr.DataArray, angle_dim: str = "angle") -> np.ndarray:
    """All (φ_i, ψ_i) pairs of ``angles`` pooled over residues and other dims: ``(N, 2)``.

    Residues are matched by name (``phi_3`` with ``psi_3``); residues lacking one of the two
    are skipped. NaNs are dropped.
    """
    if angle_dim not in angles.dims:
        raise DataError(f"expected an {angle_dim!r} dim, found {list(map(str, angles.dims))}")
    names = [str(n) for n in angles[angle_dim].values] if angle_dim in angles.coords else []
    by_res: dict[str, dict[str, str]] = {}
    for n in names:
        m = _NAME.match(n)
        if m:
            by_res.setdefault(m.group(2), {})[m.group(1)] = n
    residues = [r for r, d in by_res.items() if {"phi", "psi"} <= set(d)]
    if not residues:
        raise DataError(
            f"no (phi_i, psi_i) pair among the angles {names[:8]}"
            f"{' …' if len(names) > 8 else ''}; expected names like phi_3, psi_3"
        )
    phi = angles.sel({angle_dim: [by_res[r]["phi"] for r in residues]})
    psi = angles.sel({angle_dim: [by_res[r]["psi"] for r in residues]})
    pairs = np.stack([np.asarray(phi.values, np.float64).ravel(),
                      np.asarray(psi.values, np.float64).ravel()], axis=1)
    return pairs[np.isfinite(pairs).all(axis=1)]


def ramachandran_histogram(pairs: np.ndarray, bins: int = 36) -> np.ndarray:
    """Normalised ``bins × bins`` histogram of (φ, ψ) pairs on the periodic grid [−180, 180)²."""
    pairs = np.asarray(pairs, dtype=np.float64)
    if pairs.ndim != 2 or pairs.shape[1] != 2 or pairs.shape[0] == 0:
        raise DataError(f"expected a non-empty (N, 2) array of (phi, psi), found {pairs.shape}")
    if bins < 1:
        raise ConfigError(f"bins must be >= 1, got {bins}")
    wrapped = (pairs + 180.0) % 360.0  # [0, 360): −180 and 180 share the first cell
    idx = np.minimum((wrapped * (bins / 360.0)).astype(np.int64), bins - 1)
    hist = np.bincount(idx[:, 0] * bins + idx[:, 1], minlength=bins * bins).astype(np.float64)
    return (hist / hist.sum()).reshape(bins, bins)


def js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen–Shannon divergence (bits) of two normalised histograms of the same shape."""
    p, q = np.asarray(p, np.float64).ravel(), np.asarray(q, np.float64).ravel()
    if p.shape != q.shape:
        raise DataError(f"histograms differ in shape: {p.shape} vs {q.shape}")
    m = 0.5 * (p + q)

    def kl(a: np.ndarray) -> float:
        nz = a > 0
        return float(np.sum(a[nz] * np.log2(a[nz] / m[nz])))

    return float(min(max(0.5 * kl(p) + 0.5 * kl(q), 0.0), 1.0))


def ramachandran_js(
    generated: xr.DataArray | np.ndarray,
    reference: xr.DataArray | np.ndarray,
    *,
    bins: int = 36,
    angle_dim: str = "angle",
) -> float:
    """JS divergence (bits, in [0, 1]) between the Ramachandran histograms of two angle sets.

    Each input is an angle DataArray (pairs by residue name, pooled: :func:`ramachandran_pairs`)
    or an ``(N, 2)`` array of (φ, ψ) pairs. Symmetric; 0 for identical sets.
    """
    pg, pr = (x if isinstance(x, np.ndarray) else ramachandran_pairs(x, angle_dim)
              for x in (generated, reference))
    return js_divergence(ramachandran_histogram(pg, bins), ramachandran_histogram(pr, bins))


def ramachandran_js_per_residue(
    generated: xr.DataArray, reference: xr.DataArray, *, bins: int = 36,
    angle_dim: str = "angle", residues: Sequence[str] | None = None,
) -> xr.DataArray:
    """:func:`ramachandran_js` for each residue separately: ``js(residue)``."""
    names = [str(n) for n in reference[angle_dim].values]
    res = residues or [m.group(2) for n in names if (m := _NAME.match(n)) and m.group(1) == "phi"
                       and f"psi_{m.group(2)}" in names]
    values = [ramachandran_js(generated.sel({angle_dim: [f"phi_{r}", f"psi_{r}"]}),
                              reference.sel({angle_dim: [f"phi_{r}", f"psi_{r}"]}),
                              bins=bins, angle_dim=angle_dim) for r in res]
    return xr.DataArray(np.asarray(values), dims="residue", coords={"residue": list(res)},
                        name="ramachandran_js", attrs={"units": "bit", "bins": bins})


__all__ = [
    "js_divergence",
    "ramachandran_histogram",
    "ramachandran_js",
    "ramachandran_js_per_residue",
    "ramachandran_pairs",
    "trajectory_scores",
]
