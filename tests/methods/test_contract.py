"""The contract every registered method passes (like diffusers' ``SchedulerCommonTest``).

Shapes, bitwise reproducibility from a seed, counted NFE equal to the network calls actually
made, ensemble spread > 0 exactly for stochastic methods, a finite loss that decreases on a tiny
problem, and a checkpoint round trip that reproduces the samples. Sizes are tiny (seconds).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.methods import METHODS, Method
from idff_ts.nets.base import Backbone
from idff_ts.sampling.rollout import forecast_ensemble

ALL = sorted(METHODS)
TRAINABLE = [m for m in ALL if METHODS[m].trainable]
#: (method, solver, nfe) sampler variants that every contract test runs.
VARIANTS = [
    ("idff", "auto", 3),
    ("ot-cfm", "euler", 3),
    ("ot-cfm", "midpoint", 4),
    ("ot-cfm", "rk4", 4),
    ("ot-cfm", "dopri5", 1),
    ("i-cfm", "euler", 2),
    ("ot-cfm-marginal", "euler", 2),
    ("ddpm", "ddim", 3),
    ("ddpm", "ancestral", 3),
    ("dyffusion", "cold", 1),
    ("persistence", "auto", 1),
    ("climatology", "auto", 1),
    ("prob-persistence", "auto", 1),
]
VARIANTS_NAMES = {v[0] for v in VARIANTS}
CONTEXT, HORIZON = 2, 3
SOLVER = {"ot-cfm": "euler", "i-cfm": "euler", "ot-cfm-marginal": "euler", "ddpm": "ddim", "dyffusion": "cold"}


def tiny_cfg(state_shape: tuple[int, ...] = (3,), **kw: object) -> ModelConfig:
    base = {"state_shape": state_shape, "context": CONTEXT, "horizon": HORIZON, "hidden": 16,
            "depth": 1, "emb_dim": 8, "sigma": 0.3}
    if len(state_shape) == 3:
        base.update(backbone="unet", hidden=8, channel_mult=(1, 2), emb_dim=8)
    base.update(kw)
    return ModelConfig(**base)


def toy_series(state_shape: tuple[int, ...], n_series: int = 2, n_time: int = 40) -> torch.Tensor:
    """A noisy rotation (vectors) or a noisy drifting field: (n_series, T, *state)."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn((n_series, *state_shape), generator=g)
    out = []
    for _ in range(n_time):
        x = 0.9 * torch.roll(x, 1, dims=-1) + 0.3 * torch.randn(x.shape, generator=g)
        out.append(x)
    return torch.stack(out, dim=1)


def build(name: str, state_shape: tuple[int, ...] = (3,)) -> Method:
    torch.manual_seed(0)
    method = METHODS[name](tiny_cfg(state_shape))
    if not method.trainable:
        method.fit_reference(toy_series(state_shape))
    # Untrained heads near zero would make every sampler trivially deterministic: perturb.
    with torch.no_grad():
        for p in method.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return method.eval()


def run(method: Method, solver: str, nfe: int, seed: int = 0, members: int = 4,
        context: torch.Tensor | None = None):
    shape = method.cfg.state_shape
    if context is None:
        context = toy_series(shape, n_series=2, n_time=CONTEXT).reshape(2, CONTEXT, *shape)
    sampler = SamplerConfig(nfe=nfe, gamma1=0.0, gamma2=0.0, solver=solver)
    return forecast_ensemble(method, context, HORIZON, members, sampler, seed=seed)


class CallCounter:
    """Counts forward calls of every backbone inside a method (the oracle for NFE)."""

    def __init__(self, method: Method) -> None:
        self.n = 0
        self.handles = [m.register_forward_hook(self._hook) for m in method.modules()
                        if isinstance(m, Backbone)]

    def _hook(self, *_: object) -> None:
        self.n += 1

    def close(self) -> None:
        for h in self.handles:
            h.remove()


def test_registry_has_every_method_of_the_design() -> None:
    assert {"idff", "ot-cfm", "ddpm", "dyffusion", "persistence", "climatology"} <= set(METHODS)
    assert set(VARIANTS_NAMES) == set(METHODS)
    for name, cls in METHODS.items():
        assert cls.name == name
        assert cls.__doc__ or cls.__module__.__doc__


@pytest.mark.parametrize("name,solver,nfe", VARIANTS)
def test_shapes_and_finite(name: str, solver: str, nfe: int) -> None:
    res = run(build(name), solver, nfe)
    assert res.samples.shape == (4, 2, HORIZON, 3)
    assert torch.isfinite(res.samples).all()


@pytest.mark.parametrize("name", ALL)
def test_field_states_on_the_unet(name: str) -> None:
    method = build(name, (1, 6, 6))
    solver = SOLVER.get(name, "auto")
    res = run(method, solver, 1, members=2)
    assert res.samples.shape == (2, 2, HORIZON, 1, 6, 6)
    assert torch.isfinite(res.samples).all()


@pytest.mark.parametrize("name,solver,nfe", VARIANTS)
def test_bitwise_reproducible_from_seed(name: str, solver: str, nfe: int) -> None:
    method = build(name)
    a = run(method, solver, nfe, seed=7).samples
    b = run(method, solver, nfe, seed=7).samples
    assert torch.equal(a, b)
    if method.stochastic:
        c = run(method, solver, nfe, seed=8).samples
        assert not torch.equal(a, c)


@pytest.mark.parametrize("name,solver,nfe", VARIANTS)
def test_counted_nfe_equals_network_calls(name: str, solver: str, nfe: int) -> None:
    method = build(name)
    counter = CallCounter(method)
    try:
        res = run(method, solver, nfe)
    finally:
        counter.close()
    assert res.calls == counter.n
    assert res.nfe == counter.n // HORIZON
    fixed = {"idff": 1, "ddpm": 1, "euler": 1, "midpoint": 2, "rk4": 4}  # calls per step
    per_step = fixed.get(name, fixed.get(solver))
    if per_step is not None:  # fixed-grid samplers: exactly nfe calls per slot
        assert counter.n == HORIZON * (nfe // per_step) * per_step
    if not method.trainable:
        assert counter.n == 0


@pytest.mark.parametrize("name,solver,nfe", VARIANTS)
def test_spread_positive_exactly_when_stochastic(name: str, solver: str, nfe: int) -> None:
    method = build(name)
    spread = run(method, solver, nfe, members=6).samples.std(dim=0)
    if method.stochastic:
        assert float(spread.min()) > 0.0
    else:
        assert float(spread.max()) == 0.0


@pytest.mark.parametrize("name", TRAINABLE)
def test_loss_finite_and_decreasing(name: str) -> None:
    torch.manual_seed(0)
    method = METHODS[name](tiny_cfg())
    series = toy_series((3,), n_series=4, n_time=60)
    length = CONTEXT + HORIZON
    windows = torch.stack([series[s, i : i + length] for s in range(4) for i in range(0, 55, 2)])
    batch = {"window": windows}
    opt = torch.optim.Adam(method.parameters(), lr=3e-3)

    def mean_loss() -> float:
        g = torch.Generator().manual_seed(123)  # the same draws each time
        with torch.no_grad():
            return float(np.mean([float(method.loss(batch, g).loss) for _ in range(8)]))

    before = mean_loss()
    gen = torch.Generator().manual_seed(1)
    for _ in range(60):
        out = method.loss(batch, gen)
        assert torch.isfinite(out.loss)
        opt.zero_grad()
        out.loss.backward()
        opt.step()
    after = mean_loss()
    assert np.isfinite(before) and after < 0.95 * before


@pytest.mark.parametrize("name", ALL)
def test_checkpoint_round_trip_reproduces_samples(name: str, tmp_path) -> None:
    from idff_ts.model import Forecaster
    from idff_ts.training.checkpoint import load_checkpoint, save_checkpoint

    method = build(name)
    fc = Forecaster(method=method, mean=np.zeros(3, np.float32), std=np.ones(3, np.float32),
                    sampler=SamplerConfig(nfe=2, gamma1=0.0))
    save_checkpoint(tmp_path / "m.pt", fc)
    back = load_checkpoint(tmp_path / "m.pt")
    assert type(back.method) is type(method)
    solver = SOLVER.get(name, "auto")
    nfe = 1 if name == "dyffusion" else 2  # DYffusion samples at integer steps only
    assert torch.equal(run(method, solver, nfe).samples, run(back.method, solver, nfe).samples)


def test_member_prefix_property_where_promised() -> None:
    """Member m does not depend on M for the methods drawing from per-member streams."""
    for name, solver in (("ot-cfm", "euler"), ("ddpm", "ancestral"), ("climatology", "auto")):
        method = build(name)
        small = run(method, solver, 2, members=2).samples
        large = run(method, solver, 2, members=5).samples
        assert torch.equal(small, large[:2]), name


def test_unknown_solver_is_a_clear_error() -> None:
    from idff_ts.errors import ConfigError

    for name in ("ot-cfm", "ddpm", "dyffusion"):
        with pytest.raises(ConfigError, match="solver"):
            run(build(name), "nope", 2)
    with pytest.raises(ConfigError, match="too few"):
        run(build("ot-cfm"), "rk4", 3)
    assert dataclasses.replace(SamplerConfig(), solver="ddim").solver == "ddim"
