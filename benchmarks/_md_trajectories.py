"""The IDFF paper's MD protocol on a held-out run, shared by ``md_polyala.py``, ``run.py`` (MD
tasks) and ``md_trajectory_scores.py``.

From the first frame of the held-out test run, ``M`` trajectories are generated over every
remaining frame (``K``-slot rollouts chained on the model's own states,
:func:`idff_ts.domains.md.generate_angles`), then per generated trajectory and angle the
wrapped MAE, RMSE and circular CC over time are averaged over trajectories and angles, as the
IDFF paper reports them (:func:`idff_ts.domains.md.metrics.trajectory_scores`); with ≥ 2
trajectories also the circular CRPS of the trajectories per time, and the Ramachandran
Jensen–Shannon divergence of the generated angles against the held-out run.
"""

from __future__ import annotations

import math
import time
from typing import Any

import xarray as xr

#: Generated trajectories per model, as in the IDFF paper (and ``md_polyala.py``).
TRAJ_MEMBERS = 10
PROTOCOL = ("from the test run's first frame, M generated trajectories over every remaining "
            "frame; MAE, RMSE (wrapped, degrees) and circular CC per trajectory and angle over "
            "time, averaged over trajectories and angles; CRPS (circular, ecdf) of the M "
            "trajectories per time, averaged over time; Ramachandran JS (bits) against the test "
            "run")


def start_and_truth(test: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    """The first frame of the held-out run (its first trajectory) and every later frame."""
    run = test.isel(trajectory=0) if "trajectory" in test.dims else test
    return run.isel(time=[0]), run.isel(time=slice(1, None))


def paper_scores(gen: xr.DataArray, truth: xr.DataArray, reference: xr.DataArray
                 ) -> dict[str, float]:
    """Trajectory scores (means) + Ramachandran JS against the held-out angles."""
    from idff_ts.domains.md.metrics import ramachandran_js, trajectory_scores

    s = trajectory_scores(gen, truth)
    out = {k: round(float(s[f"{k}_mean"]), 4) for k in ("mae", "rmse", "cc", "crps")
           if f"{k}_mean" in s}
    out["cc_percent"] = round(100 * out["cc"], 2)
    out["ramachandran_js"] = round(ramachandran_js(gen, reference), 4)
    out["members"] = int(gen.sizes["member"])
    return out


def _finite(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def trajectory_record(test: xr.DataArray, model: Any, members: int, seed: int) -> dict[str, Any]:
    """Generate ``members`` trajectories with ``model`` (its own sampler) and score them.

    Returns the means (``mae``, ``rmse``, ``cc``, ``crps`` with ≥ 2 members,
    ``ramachandran_js``; ``None`` where undefined: the CC of constant trajectories), the
    per-angle values (mean over trajectories), the counted NFE and the wall time.
    """
    from idff_ts.domains.md import generate_angles
    from idff_ts.domains.md.metrics import ramachandran_js, trajectory_scores

    start, truth = start_and_truth(test)
    t0 = time.perf_counter()
    gen = generate_angles(start, model, truth.sizes["time"], members=members, seed=seed)
    wall = time.perf_counter() - t0
    s = trajectory_scores(gen, truth)
    keys = [k for k in ("mae", "rmse", "cc", "crps") if k in s]
    if bool((gen.max("time") == gen.min("time")).all()):  # persistence: CC is 0 / 0
        keys.remove("cc")
    per_angle = {k: [_finite(v) for v in (s[k].mean("member") if "member" in s[k].dims
                                          else s[k]).values] for k in keys}
    return {
        "protocol": PROTOCOL, "members": int(members), "steps": int(truth.sizes["time"]),
        "seed": int(seed), "nfe_counted": float(gen.attrs["nfe_counted"]), "wall_s": wall,
        **{k: _finite(s[f"{k}_mean"]) for k in keys},
        "cc": _finite(s["cc_mean"]) if "cc" in keys else None,
        "ramachandran_js": _finite(ramachandran_js(gen, truth)),
        "angles": [str(a) for a in s["angle"].values], "per_angle": per_angle,
    }


__all__ = ["PROTOCOL", "TRAJ_MEMBERS", "paper_scores", "start_and_truth", "trajectory_record"]
