# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # IDFF on the Lorenz-63 attractor
#
# Train an index-conditioned IDFF on noisy Lorenz-63 trajectories, forecast 10 slots ahead
# with a 20-member ensemble, and score it against persistence and climatology.
# Set `IDFF_QUICK=1` for a small, fast run (as CI does).

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

import idff_ts
from idff_ts.methods.reference import climatology_like, persistence_like
from idff_ts.tasks import get_task

QUICK = os.environ.get("IDFF_QUICK") == "1"
task = get_task("lorenz63")
splits = task.splits()
train, val, test = splits["train"], splits["val"], splits["test"]
print(task.description)
print(train.sizes)

# %% [markdown]
# ## Train
# Validation CRPS (20 members) selects the checkpoint; the normalisation is fitted on the
# training trajectories only.

# %%
overrides = {"max_epochs": 1, "limit_train_batches": 6, "val_inits": 8} if QUICK else {}
model = idff_ts.fit(
    train, val=val, horizon=task.horizon,
    model=task.model_config(**({"hidden": 64, "depth": 2} if QUICK else {})),
    train=task.train_config(seed=0, **overrides), progress=False,
)
print(model.cfg)

# %% [markdown]
# ## Forecast with the accessor

# %%
inits = task.test_inits(test, stride=30 if QUICK else 10)
fc = test.idff.forecast(model=model, horizon=task.horizon, members=20, seed=0, init=inits)
print(dict(fc.sizes), "NFE per slot (counted):", fc.attrs["nfe_counted"])

# %% [markdown]
# One trajectory and one init: the ensemble (grey), its mean and the truth.

# %%
traj = int(fc.trajectory[0])
one = fc.state.sel(trajectory=traj).isel(init=1)
truth = test.sel(trajectory=traj)
fig, axes = plt.subplots(1, 3, figsize=(12, 3), sharex=True)
for ax, var in zip(axes, ["x", "y", "z"], strict=True):
    ens = one.sel(variable=var)
    ax.plot(fc.valid_time.isel(init=1), ens.transpose("lead", "member"), color="0.7", lw=0.8)
    ax.plot(fc.valid_time.isel(init=1), ens.mean("member"), "C0", lw=2, label="ensemble mean")
    window = truth.sel(time=slice(float(fc.init[1]), float(fc.valid_time.isel(init=1)[-1])))
    ax.plot(window.time, window.sel(variable=var), "k.--", label="truth")
    ax.set(title=var, xlabel="model time")
axes[0].legend()
fig.tight_layout()

# %% [markdown]
# ## Scores by lead versus the references

# %%
scores = {
    "IDFF": idff_ts.evaluate(fc, test),
    "persistence": idff_ts.evaluate(persistence_like(fc, test), test, metrics=["crps_ecdf", "rmse"]),
    "climatology": idff_ts.evaluate(climatology_like(fc, train, 20), test),
}
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, s in scores.items():
    ax.plot(s.slot, s.crps_ecdf, "o-", label=f"{name} (mean {float(s.crps_ecdf_mean):.2f})")
ax.set(xlabel="lead (slots)", ylabel="CRPS (ecdf)", title="Lorenz-63, test trajectories")
ax.legend()
for name, s in scores.items():
    print(f"{name:12s} CRPS {float(s.crps_ecdf_mean):.3f}  RMSE {float(s.rmse_mean):.3f}")
assert np.isfinite(float(scores["IDFF"].crps_ecdf_mean))
