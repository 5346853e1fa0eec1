"""IDFF with posterior heads through the whole method: NFE, seeds, member prefix, checkpoints.

Companion of ``tests/sampling/test_posterior_step.py`` (the step against closed forms) and
``test_posterior_training.py`` (what the heads learn).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_contract import CallCounter, tiny_cfg, toy_series

from idff_ts.config import SamplerConfig
from idff_ts.errors import ConfigError
from idff_ts.methods import IDFF
from idff_ts.sampling.rollout import forecast_ensemble

HORIZON = 3


def build(posterior: str, seed: int = 0) -> IDFF:
    torch.manual_seed(seed)
    method = IDFF(tiny_cfg(posterior=posterior))
    with torch.no_grad():
        for p in method.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return method.eval()


def context() -> torch.Tensor:
    return toy_series((3,), n_series=2, n_time=2).reshape(2, 2, 3)


def run(method: IDFF, endpoint: str, nfe: int = 3, members: int = 4, seed: int = 0,
        chunk: int | None = None, gamma1: float = 0.0):
    sampler = SamplerConfig(nfe=nfe, endpoint=endpoint, gamma1=gamma1)
    return forecast_ensemble(method, context(), HORIZON, members, sampler, seed=seed,
                             chunk_members=chunk)


CASES = [("gaussian", "gaussian"), ("gaussian", "mean"), ("distributional", "distributional"),
         ("distributional", "auto"), ("none", "auto")]


@pytest.mark.parametrize("posterior,endpoint", CASES)
def test_counted_nfe_is_one_call_per_step(posterior, endpoint):
    method = build(posterior)
    counter = CallCounter(method)
    try:
        res = run(method, endpoint, nfe=3)
    finally:
        counter.close()
    assert res.calls == counter.n == 3 * HORIZON and res.nfe == 3 and res.n_jvp == 0


@pytest.mark.parametrize("posterior,endpoint", CASES)
def test_seeds_reproduce_and_members_are_a_prefix_and_chunking_free(posterior, endpoint):
    method = build(posterior)
    a = run(method, endpoint, members=5, seed=7, gamma1=0.5).samples
    assert torch.equal(a, run(method, endpoint, members=5, seed=7, gamma1=0.5).samples)
    assert not torch.equal(a, run(method, endpoint, members=5, seed=8, gamma1=0.5).samples)
    assert torch.equal(a[:2], run(method, endpoint, members=2, seed=7, gamma1=0.5).samples)
    assert torch.equal(a, run(method, endpoint, members=5, seed=7, chunk=2, gamma1=0.5).samples)
    assert float(a.std(dim=0).min()) > 0


def test_posterior_step_spreads_more_than_the_mean_step_at_nfe1():
    method = build("gaussian")
    mean_step = run(method, "mean", nfe=1, members=6).samples
    gauss_step = run(method, "gaussian", nfe=1, members=6).samples
    # NFE 1 with the mean step: every member is x̂1(x0), the same for all members at slot 1
    assert float(mean_step[:, :, 0].std(dim=0).max()) == 0.0
    assert float(gauss_step[:, :, 0].std(dim=0).min()) > 0.0


@pytest.mark.parametrize("posterior,endpoint,match", [
    ("none", "gaussian", "posterior='gaussian'"),
    ("none", "distributional", "posterior='distributional'"),
    ("gaussian", "distributional", "posterior='distributional'"),
    ("distributional", "mean", "generator"),
    ("distributional", "gaussian", "posterior='gaussian'"),
])
def test_a_step_without_its_head_is_a_clear_error(posterior, endpoint, match):
    with pytest.raises(ConfigError, match=match):
        run(build(posterior), endpoint)


def test_bad_config_values_are_refused():
    with pytest.raises(ConfigError, match="endpoint"):
        SamplerConfig(endpoint="median")
    with pytest.raises(ConfigError, match="posterior"):
        tiny_cfg(posterior="laplace")


def test_old_checkpoint_without_new_keys_loads_and_samples_the_mean_step_unchanged(tmp_path):
    """A checkpoint written before the posterior heads (no ``posterior``/``endpoint`` keys)
    loads, and ``auto`` gives bitwise the samples of the paper's mean step."""
    import json

    from idff_ts.model import Forecaster
    from idff_ts.training.checkpoint import load_checkpoint, save_checkpoint

    method = build("none")
    fc = Forecaster(method=method, mean=np.zeros(3, np.float32), std=np.ones(3, np.float32),
                    sampler=SamplerConfig(nfe=2))
    save_checkpoint(tmp_path / "m.pt", fc)
    payload = torch.load(tmp_path / "m.pt", weights_only=True)
    config = json.loads(payload["config_json"])
    for key in ("posterior", "posterior_weight"):
        config["model"].pop(key)
    config["sampler"].pop("endpoint")
    payload["config_json"] = json.dumps(config)
    torch.save(payload, tmp_path / "old.pt")
    (tmp_path / "old.pt.sha256").unlink(missing_ok=True)
    back = load_checkpoint(tmp_path / "old.pt")
    assert back.sampler.endpoint == "auto" and back.method.cfg.posterior == "none"
    want = run(method, "mean", nfe=2).samples
    assert torch.equal(run(back.method, "auto", nfe=2).samples, want)
    assert torch.equal(run(back.method, "mean", nfe=2).samples, want)


def test_bundled_demo_checkpoint_samples_the_mean_step():
    from idff_ts.domains.sst.demo import demo_checkpoint
    from idff_ts.training.checkpoint import load_checkpoint, read_config

    assert "endpoint" not in read_config(demo_checkpoint())["sampler"]  # written before them
    fc = load_checkpoint(demo_checkpoint())
    assert fc.method.cfg.posterior == "none" and fc.sampler.endpoint == "auto"
    state = fc.method.cfg.state_shape
    series = torch.randn((1, 1, *state), generator=torch.Generator().manual_seed(0))
    kw = {"members": 2, "seed": 0}
    a = forecast_ensemble(fc.method, series, 1, sampler=SamplerConfig(nfe=1), **kw).samples
    b = forecast_ensemble(fc.method, series, 1, sampler=SamplerConfig(nfe=1, endpoint="mean"), **kw).samples
    assert torch.equal(a, b)


@pytest.mark.parametrize("posterior", ["gaussian", "distributional"])
def test_unet_heads_sample_and_train_with_a_land_mask(posterior):
    torch.manual_seed(0)
    method = IDFF(tiny_cfg((1, 6, 6), posterior=posterior))
    ctx = toy_series((1, 6, 6), n_series=2, n_time=2).reshape(2, 2, 1, 6, 6)
    res = forecast_ensemble(method, ctx, HORIZON, 3, SamplerConfig(nfe=2, endpoint=posterior))
    assert res.samples.shape == (3, 2, HORIZON, 1, 6, 6) and res.nfe == 2
    assert torch.isfinite(res.samples).all()
    method.train()
    window = toy_series((1, 6, 6), n_series=4, n_time=5)
    mask = torch.ones(1, 6, 6)
    mask[..., :2] = 0.0
    out = method.loss({"window": window, "mask": mask}, torch.Generator().manual_seed(0))
    assert torch.isfinite(out.loss)
    out.loss.backward()
    grads = [p.grad for p in method.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)


def test_sde_and_ode_adapters_refuse_a_generator_data_head():
    from idff_ts.sampling.adapters import sample_ode, sample_sde
    from idff_ts.sampling.counting import CountingField

    method = build("distributional")
    ctx = context()
    field = CountingField(method, torch.ones(2, dtype=torch.long), ctx)
    with pytest.raises(ConfigError, match="generator"):
        sample_sde(field, ctx[:, -1], 0.3)
    with pytest.raises(ConfigError, match="generator"):
        sample_ode(field, ctx[:, -1], 0.3, lambda s: torch.zeros((2, *s)))
    assert field.calls == 0
