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
# # Sea-surface temperature forecasts on DYffusion tiles
#
# Forecast 1–7 days of daily SST with 20 members from the bundled demo model, map the
# ensemble, and score a few 2020 hindcasts against persistence and climatology.
#
# **Synthetic demo data.** The bundled archive and model are synthetic (made by
# `idff_ts.domains.sst.synthetic` in the exact NOAA PSL layout), not NOAA OISST. With real files,
# open them the same way and pass the checkpoint of a model trained on them
# (`idff-ts train --task sst --data "sst.day.mean.*.nc"`).
# Set `IDFF_QUICK=1` for a small, fast run (as CI does).

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr

import idff_ts
from idff_ts.domains.sst.demo import demo_archive_files, demo_checkpoint, model_card
from idff_ts.domains.sst.train import climatology_of

QUICK = os.environ.get("IDFF_QUICK") == "1"
MEMBERS = 20
ds = xr.open_dataset(demo_archive_files()[0])  # a PSL-layout file, as a user would open it
card = model_card()
print(card["data"])
print("model trained with:", card["command"], "| sampler:", card["sampler"])
print(ds)

# %% [markdown]
# ## Forecast from the latest day with the accessor
# The same call as `idff-ts forecast --days 7 --members 20` (a test checks they agree).

# %%
model = idff_ts.load_model(demo_checkpoint())
fc = ds.idff.forecast(model=model, days=7, members=MEMBERS, seed=0)
print(dict(fc.sizes), "| NFE per slot (counted):", fc.attrs["nfe_counted"])

# %% [markdown]
# ## Maps: ensemble mean, spread and one member at leads 1, 4 and 7 days
# Grey is land (the ocean mask comes with the forecast).

# %%
box = int(fc.box[0])
one = fc.sel(box=box).isel(init=0)
lon, lat = one.lon.values, one.lat.values
leads = [0, 3, 6]
rows = [
    ("mean (°C)", one.sst.mean("member"), "RdYlBu_r"),
    ("spread (°C)", one.sst.std("member"), "viridis"),
    ("member 0 (°C)", one.sst.isel(member=0), "RdYlBu_r"),
]
fig, axes = plt.subplots(3, 3, figsize=(10, 8.5), sharex=True, sharey=True,
                         constrained_layout=True)
for r, (label, field, cmap) in enumerate(rows):
    vmin, vmax = np.nanpercentile(field.values, [1, 99])
    for c, k in enumerate(leads):
        ax = axes[r, c]
        cm = plt.get_cmap(cmap).with_extremes(bad="0.6")
        im = ax.pcolormesh(lon, lat, field.isel(lead=k).values, cmap=cm, vmin=vmin, vmax=vmax)
        ax.set_title(f"{label}, +{k + 1} d", fontsize=9)
        ax.set_aspect("equal")
    fig.colorbar(im, ax=axes[r, :], shrink=0.9, label=label)
for ax in axes[-1]:
    ax.set_xlabel("longitude (°E)")
for ax in axes[:, 0]:
    ax.set_ylabel("latitude (°N)")
fig.suptitle(f"box {box}, init {pd.Timestamp(one.init.values):%Y-%m-%d} — SYNTHETIC DEMO DATA")

# %% [markdown]
# ## Hindcasts in 2020 and their scores
# Initialise on several days of the test year and score the standardised anomalies against
# the truth (the model's own training-years climatology standardises both). Persistence
# repeats the initial anomaly; climatology predicts zero anomaly with unit spread, drawn as an
# ensemble of training-like anomalies (here: standard normal draws, the climatological
# distribution of a standardised anomaly).

# %%
days = pd.DatetimeIndex(ds.time.values)
step = 60 if QUICK else 15
inits = list(days[: len(days) - 7 : step])
hind = ds.idff.forecast(model=model, days=7, members=MEMBERS, seed=0, init=inits)
from idff_ts.domains.sst.tiles import as_tiles  # noqa: E402

truth = climatology_of(model).transform(as_tiles(ds["sst"], list(hind.box.values)))
truth = truth.rename("sst_anomaly")
scores = {"IDFF": idff_ts.evaluate(hind["sst_anomaly"], truth)}

persist = hind["sst_anomaly"].isel(member=[0]).copy(
    data=np.broadcast_to(
        truth.sel(time=hind.init.values).values[:, :, None, None],
        hind["sst_anomaly"].isel(member=[0]).shape,
    ).copy()
)
persist = persist.where(np.isfinite(hind["sst_anomaly"].isel(member=[0])))
scores["persistence"] = idff_ts.evaluate(persist, truth, metrics=["crps_ecdf", "rmse"])
rng = np.random.default_rng(0)
clim = hind["sst_anomaly"].copy(data=rng.standard_normal(hind["sst_anomaly"].shape))
clim = clim.where(np.isfinite(hind["sst_anomaly"]))
scores["climatology"] = idff_ts.evaluate(clim, truth, metrics=["crps_ecdf", "rmse"])

fig, ax = plt.subplots(figsize=(6, 3.5))
lead_days = np.arange(1, 8)
for name, s in scores.items():
    ax.plot(lead_days, s.crps_ecdf, "o-", label=f"{name} (mean {float(s.crps_ecdf_mean):.3f})")
ax.set(xlabel="lead (days)", ylabel="CRPS (standardised anomaly)",
       title=f"sst-demo, {len(inits)} inits in 2020 — synthetic demo data")
ax.legend()
for name, s in scores.items():
    print(f"{name:12s} CRPS {float(s.crps_ecdf_mean):.3f}  RMSE {float(s.rmse_mean):.3f}")
assert np.isfinite(float(scores["IDFF"].crps_ecdf_mean))
