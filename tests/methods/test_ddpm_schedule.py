"""DDPM / DDIM with a prediction that is exact up to a 1 % error, as any trained network's is
(issue 11 item 2). Target x1 ~ N(μ, s²) in 1-D; the network returns the exact prediction of its
parameterisation times 1.01.

Oracle for DDIM. In the variance-exploding variable ``x/sqrt(ᾱ)`` with ``σ = sqrt((1 − ᾱ)/ᾱ)``
and the angle ``u = atan(σ/s)``, one DDIM step with the exact ``x̂1`` multiplies the deviation
from μ by ``(s² + σσ')/(s² + σ²)`` where the exact flow multiplies it by
``sqrt((s² + σ'²)/(s² + σ²))``; their ratio is ``cos(u − u')``. So N DDIM steps from ``σ = ∞`` to
0 give the variance ratio ``Π cos²(u_i − u_{i+1})`` (at most ``cos^{2N}(π/2N)``: 0.605 at N = 5,
0.884 at N = 20, for *any* spacing). The issue's target "variance ratio in [0.8, 1.25] at NFE 5"
is therefore out of reach for DDIM; what is tested is that the fixed sampler (v-prediction on
the zero-terminal-SNR cosine schedule, trailing spacing; Lin et al. 2024) attains this closed
form at NFE 5 and 20 and lies in [0.8, 1.25] at NFE 20, while the old first step (ε-prediction at
step T of the plain cosine schedule, sqrt(ᾱ_T) ≈ 5e-5) amplifies the 1 % error and fails.
Ancestral steps (posterior variance, Ho et al.) under-disperse more at coarse steps; they
reach [0.8, 1.25] at NFE 50 and the right mean at every NFE.
"""

from __future__ import annotations

import math

import pytest
import torch

from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.errors import ConfigError
from idff_ts.methods.ddpm import DDPM, cosine_alpha_bar, respaced_steps, zero_terminal_snr
from idff_ts.nets.base import Backbone
from idff_ts.sampling.noise import MemberNoise

MU, S, ERROR = 1.0, 1.0, 0.01
NEW = {"schedule": "cosine-zsnr", "prediction": "v", "spacing": "trailing"}
OLD = {"schedule": "cosine", "prediction": "eps", "spacing": "trailing"}


class ExactTimesOnePercent(Backbone):
    """The exact ``E[ε | x_n]`` or ``E[v | x_n]`` of the Gaussian target, times ``1 + ERROR``."""

    def __init__(self, alpha_bar: torch.Tensor, prediction: str) -> None:
        super().__init__()
        self.alpha_bar, self.prediction = alpha_bar.double(), prediction

    def heads(self, x_t, t, k, cond):  # noqa: ANN001
        n = torch.round(t * (len(self.alpha_bar) - 1)).long().cpu()
        ab = self.alpha_bar[n].reshape(-1, 1)
        a, b, x = ab.sqrt(), (1 - ab).sqrt(), x_t.double()
        eps = b * (x - a * MU) / (ab * S**2 + b * b)
        x1 = MU + a * S**2 * (x - a * MU) / (ab * S**2 + b * b)
        out = eps if self.prediction == "eps" else a * eps - b * x1
        return x_t, ((1 + ERROR) * out).to(x_t)


def _variance_ratio_and_mean(options: dict, solver: str, nfe: int, n: int = 20000) -> tuple[float, float]:
    cfg = ModelConfig(state_shape=(1,), context=1, horizon=1, method_options=options)
    probe = DDPM(cfg, backbone=ExactTimesOnePercent(torch.ones(2), "eps"))
    method = DDPM(cfg, backbone=ExactTimesOnePercent(probe.alpha_bar, options["prediction"]))
    res = method.sample_next(torch.zeros(n, 1, 1), torch.ones(n, dtype=torch.long),
                             SamplerConfig(nfe=nfe, solver=solver), MemberNoise(0, range(1), n))
    assert res.nfe == nfe
    x = res.x1.double()
    return float(x.var() / S**2), float(x.mean())


def ddim_variance_ratio(options: dict, nfe: int) -> float:
    """The closed form ``Π cos²(u_i − u_{i+1})`` of the module docstring."""
    cfg = ModelConfig(state_shape=(1,), method_options=options)
    ab = DDPM(cfg, backbone=ExactTimesOnePercent(torch.ones(2), "eps")).alpha_bar.double()
    taus = respaced_steps(nfe, 1000, options["spacing"])
    sig = [((1 - ab[n]) / ab[n]).sqrt() if ab[n] > 0 else torch.tensor(float("inf")) for n in taus]
    u = [float(torch.atan(x / S)) for x in sig] + [0.0]
    return float(torch.tensor([math.cos(a - b) ** 2 for a, b in zip(u[:-1], u[1:], strict=True)]).prod())


@pytest.mark.parametrize("nfe", [5, 20])
def test_fixed_ddim_attains_the_closed_form(nfe: int) -> None:
    ratio, mean = _variance_ratio_and_mean(NEW, "ddim", nfe)
    assert ratio == pytest.approx(ddim_variance_ratio(NEW, nfe), rel=0.06)
    assert abs(mean - MU) < 0.05, mean
    if nfe >= 20:
        assert 0.8 <= ratio <= 1.25, ratio
    assert ratio <= math.cos(math.pi / (2 * nfe)) ** (2 * nfe) * 1.06  # no spacing does better


@pytest.mark.parametrize("nfe", [5, 20, 50])
def test_fixed_ancestral_gets_the_mean_and_the_variance_with_steps(nfe: int) -> None:
    ratio, mean = _variance_ratio_and_mean(NEW, "ancestral", nfe)
    assert abs(mean - MU) < 0.05, mean
    if nfe >= 50:
        assert 0.8 <= ratio <= 1.25, ratio


@pytest.mark.parametrize("nfe", [5, 20])
def test_old_first_step_fails_the_same_check(nfe: int) -> None:
    ratio, mean = _variance_ratio_and_mean(OLD, "ddim", nfe)
    closed = ratio == pytest.approx(ddim_variance_ratio(OLD, nfe), rel=0.06)
    assert not (closed and abs(mean - MU) < 0.05), (ratio, mean)


def test_zero_terminal_snr_and_spacings() -> None:
    ab = cosine_alpha_bar(1000)
    z = zero_terminal_snr(ab)
    assert float(z[-1]) == 0.0 and float(z[1]) == pytest.approx(float(ab[1]), rel=1e-12)
    assert bool((z[1:] < z[:-1]).all())
    assert respaced_steps(5, 1000, "trailing") == [1000, 800, 600, 400, 200]
    assert respaced_steps(5, 1000, "leading") == [801, 601, 401, 201, 1]
    assert respaced_steps(5, 1000, "quadratic") == [1000, 640, 360, 160, 40]


def test_eps_prediction_at_zero_terminal_snr_is_refused() -> None:
    with pytest.raises(ConfigError, match="terminal SNR"):
        DDPM(ModelConfig(state_shape=(1,), method_options={"schedule": "cosine-zsnr",
                                                            "prediction": "eps"}))
    with pytest.raises(ConfigError, match="spacing"):
        DDPM(ModelConfig(state_shape=(1,), method_options={"spacing": "linspace"}))
