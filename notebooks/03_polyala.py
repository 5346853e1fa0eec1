# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # IDFF on polyalanine backbone dihedrals
#
# The IDFF paper's molecular-dynamics task, with data made here by real physics: OpenMM
# simulates an extended Ace-(Ala)n-Nme chain in vacuum at 500 K; mdtraj computes the backbone
# dihedrals φ_i, ψ_i. IDFF learns the dynamics on the `(sin, cos)` features of the angles,
# forecasts in degrees, and every score is a wrapped difference.
#
# The `polyala` task: 23 residues (the paper's 46 dihedrals), 3 / 1 / 1 independent runs for
# train / validation / test (about 4 minutes of simulation the first time, cached after).
# Set `IDFF_QUICK=1` for 5 residues and short runs (as CI does). Needs the `md` extra
# (`pip install 'idff-ts[md]'`).

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

import idff_ts
from idff_ts.domains.md import circular_mean, generate_angles, wrap_degrees
from idff_ts.domains.md.metrics import ramachandran_js, ramachandran_pairs, trajectory_scores
from idff_ts.domains.md.tasks import polyala_task
from idff_ts.methods.reference import climatology_like, persistence_like
from idff_ts.tasks import get_task

QUICK = os.environ.get("IDFF_QUICK") == "1"
task = (polyala_task("quick", picoseconds=20.0, frame_interval_ps=0.5, counts=(2, 1, 1))
        if QUICK else get_task("polyala"))
print(task.description)
splits = task.make_splits(task.data_seed)  # simulates on first use, then reads the cache
train, val, test = splits["train"], splits["val"], splits["test"]
print(dict(train.sizes), train.attrs["units"], list(train.angle.values[:4]), "…")

# %% [markdown]
# ## Train
# `idff_ts.fit` sees angles (the data carry `circular=1`, `units="degree"`) and trains on
# their `(sin, cos)` features; validation CRPS on the validation run picks the checkpoint.

# %%
overrides = {"max_epochs": 2, "limit_train_batches": 4, "val_inits": 8, "val_members": 4} \
    if QUICK else {}  # the task's own sizes
model = idff_ts.fit(
    train, val=val, horizon=task.horizon,
    model=task.model_config(**({"hidden": 64, "depth": 2} if QUICK else {})),
    train=task.train_config(seed=0, **overrides), progress=False,
)
print(model.data_info["angle_encoding"], "features:", model.cfg.state_shape)

# %% [markdown]
# ## Forecasts with ensemble bands
# Forecasts from every 10th frame of the held-out run, 20 members, through the accessor; the
# result is in degrees with the angle names. The bands are the 10–90 % range of the members
# around their circular mean, unwrapped along the leads so that a forecast crossing ±180°
# stays one band (it may then leave the [−180°, 180°] frame, dotted).

# %%
inits = task.test_inits(test, stride=10)
fc = test.idff.forecast(model=model, horizon=task.horizon, members=20, seed=0, init=inits)
da = fc["dihedral"]
print(dict(fc.sizes), da.attrs["units"], "NFE per slot (counted):", fc.attrs["nfe_counted"])

residue = int(str(test.angle.values[len(test.angle) // 2]).split("_")[1])
traj = int(test.trajectory[0])
truth = test.sel(trajectory=traj)
fig, axes = plt.subplots(2, 1, figsize=(11, 5), sharex=True)
for ax, kind in zip(axes, ("phi", "psi"), strict=True):
    name = f"{kind}_{residue}"
    ax.plot(truth.time, truth.sel(angle=name), "k.", ms=2, label="MD (held out)")
    for i in range(fc.sizes["init"]):
        ens = da.sel(trajectory=traj, angle=name).isel(init=i)  # (lead, member)
        centre = circular_mean(ens, "member")
        offset = wrap_degrees(ens - centre)
        centre = np.degrees(np.unwrap(np.radians(centre.values)))  # continuous over leads
        lo, hi = (centre + offset.quantile(q, "member").values for q in (0.1, 0.9))
        t = fc.valid_time.isel(init=i)
        ax.fill_between(t, lo, hi, color="C0", alpha=0.3, lw=0,
                        label="IDFF 10–90 %" if i == 0 else None)
        ax.plot(t, centre, "C0", lw=1)
    ax.axhline(180, color="0.5", ls=":", lw=0.8)
    ax.axhline(-180, color="0.5", ls=":", lw=0.8)
    ax.set(ylabel=f"{name} (°)", ylim=(-300, 300))
axes[0].legend(loc="upper right")
axes[-1].set_xlabel("time (ps)")
fig.tight_layout()

# %% [markdown]
# ## Scores by lead (wrapped) versus persistence and climatology
# `idff_ts.evaluate` reads `circular=1` on the forecast and scores wrapped differences.

# %%
scores = {
    "IDFF": idff_ts.evaluate(fc, test),
    "persistence": idff_ts.evaluate(persistence_like(fc, test), test, metrics=["crps_ecdf", "mae"]),
    "climatology": idff_ts.evaluate(climatology_like(fc, train, 20), test),
}
for name, s in scores.items():
    print(f"{name:12s} CRPS {float(s.crps_ecdf_mean):6.2f}°  MAE {float(s.mae_mean):6.2f}°  "
          f"({s.attrs['distance']})")
assert scores["IDFF"].attrs["distance"] == "circular"

# %% [markdown]
# ## Generated trajectories (the paper's protocol) and Ramachandran plots
# From the held-out run's first frame the model generates whole trajectories, chaining
# `K`-slot rollouts on its own states. Per generated trajectory and angle: wrapped MAE, RMSE
# and circular correlation over time; and the Jensen–Shannon divergence between the
# Ramachandran histograms of the generated and the MD angles.

# %%
start = truth.isel(time=[0])
n_steps = truth.sizes["time"] - 1
gen = generate_angles(start, model, n_steps, members=5, seed=0)
ts = trajectory_scores(gen, truth.isel(time=slice(1, None)))
js = ramachandran_js(gen, truth)
print(f"MAE {float(ts.mae_mean):.1f}°  RMSE {float(ts.rmse_mean):.1f}°  CC {float(ts.cc_mean):.3f}"
      f"  CRPS {float(ts.crps_mean):.1f}°  Ramachandran JS {js:.3f} bits")

fig, axes = plt.subplots(1, 2, figsize=(9, 4.2), sharey=True)
edges = np.linspace(-180, 180, 37)
for ax, (label, angles) in zip(axes, (("MD, held-out run", truth), ("IDFF, generated", gen)),
                               strict=True):
    pairs = ramachandran_pairs(angles)
    ax.hist2d(pairs[:, 0], pairs[:, 1], bins=[edges, edges], cmap="viridis", cmin=1)
    ax.set(title=label, xlabel="φ (°)", xlim=(-180, 180), ylim=(-180, 180), aspect="equal")
axes[0].set_ylabel("ψ (°)")
fig.suptitle(f"Ramachandran plots, all residues pooled (JS = {js:.3f} bits)")
fig.tight_layout()
assert np.isfinite(float(ts.mae_mean)) and 0.0 <= js <= 1.0
