"""``init="all"`` and ``stride`` in the Python API reach a domain with its own init rule (the
SST domain: calendar days with a full window and truth for every lead), as ``--init all``."""

from __future__ import annotations

import numpy as np
import xarray as xr

import idff_ts
from idff_ts.domains import get_domain
from idff_ts.domains.sst.cli.forecast import hindcast_days
from idff_ts.domains.sst.demo import demo_checkpoint


def test_sst_init_all_follows_the_cli_rule(monkeypatch):
    seen = {}
    sst = get_domain("sst")
    monkeypatch.setattr(type(sst), "forecast",  # the inits it is handed; no sampling
                        lambda self, data, model, request, run: seen.setdefault("init",
                                                                                request.init))
    model = idff_ts.load_model(demo_checkpoint())
    path = next(demo_checkpoint().parent.glob("*.nc"))
    with xr.open_dataset(path) as ds:
        idff_ts.forecast(ds, model, init="all", stride=30, horizon=3, boxes=[88])
        want = hindcast_days(ds["time"].values, int(model.cfg.context), 3, 30)
        every = hindcast_days(ds["time"].values, int(model.cfg.context), 0, 1, need_truth=False)
    np.testing.assert_array_equal(np.asarray(seen.pop("init")), np.asarray(want))
    assert len(want) > 1
    with xr.open_dataset(path) as ds:
        idff_ts.forecast(ds, model, init="all-context", horizon=3, boxes=[88])
    np.testing.assert_array_equal(np.asarray(seen["init"]), np.asarray(every))
