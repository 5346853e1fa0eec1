"""The runner end to end on the ``smoke`` profile: result files with provenance, selection on
validation only, and a leaderboard rendered from them."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str):
    bench = str(ROOT / "benchmarks")
    if bench not in sys.path:  # run.py imports its sibling _provenance, as when run as a script
        sys.path.insert(0, bench)
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "benchmarks" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


def test_smoke_profile_writes_result_files_and_a_leaderboard(tmp_path: Path) -> None:
    run = _load("run")
    out, work = tmp_path / "runs", tmp_path / "work"
    assert run.main(["--profile", "smoke", "--methods", "idff,ddpm-ddim,persistence",
                     "--out", str(out), "--work", str(work)]) == 0
    files = sorted((out / "smoke" / "lorenz63").glob("*.json"))
    grid = run.PROFILES["smoke"]["tasks"]["lorenz63"]["nfe"]
    expected = len(grid["idff"]) + len(grid["ddpm-ddim"]) + 1
    assert len(files) == expected
    for f in files:
        res = json.loads(f.read_text())
        assert res["schema"] == run.SCHEMA and res["split"] == "test"
        for key in ("checkpoint_sha256", "seed", "members", "crps_estimators", "nfe_counted",
                    "wall_s", "data_version", "command"):
            assert res[key] is not None, key
        assert res["provenance"]["git_sha"]
        assert len(res["checkpoint_sha256"]) == 64
        assert len(res["metrics"]["crps_ecdf"]) == len(res["leads"]) == 10
        if res["method"] == "idff":
            assert res["nfe_counted"] == res["nfe_setting"]  # one call per bridge step
            sel = res["selection"]
            if res["nfe_setting"] <= 2:  # γ1 cannot change the samples: nothing searched
                assert sel["searched"] == "nothing" and res["sampler"]["gamma1"] == 0.0
            else:
                assert sel["split"] == "val" and res["sampler"]["gamma1"] == sel["chosen"]
                val = sel["val_crps_ecdf_mean"]
                assert val[f"{sel['chosen']:g}"] == min(val.values())
        if res["method"] == "persistence":
            assert res["nfe_counted"] == 0 and res["members"] == 1
    lb = _load("leaderboard")
    assert lb.main(["--runs", str(out), "--out", str(tmp_path / "lb"), "--no-plots"]) == 0
    md = (tmp_path / "lb" / "leaderboard.md").read_text()
    assert "### lorenz63" in md and "| persistence |" in md


def test_gamma1_cannot_matter_at_two_steps_or_fewer() -> None:
    """Why the runner does not search γ1 at NFE ≤ 2: the samples are identical."""
    import torch

    from idff_ts.config import ModelConfig, SamplerConfig
    from idff_ts.methods import IDFF
    from idff_ts.sampling.rollout import forecast_ensemble

    torch.manual_seed(0)
    method = IDFF(ModelConfig(state_shape=(3,), horizon=2, hidden=16, depth=1, emb_dim=8, sigma=0.5))
    with torch.no_grad():
        for p in method.parameters():
            p.add_(0.1 * torch.randn_like(p))
    ctx = torch.randn(4, 1, 3)
    for nfe in (1, 2):
        a, b = (forecast_ensemble(method, ctx, 2, 3, SamplerConfig(nfe=nfe, gamma1=g), seed=1).samples
                for g in (0.0, 2.0))
        assert torch.equal(a, b)
    a, b = (forecast_ensemble(method, ctx, 2, 3, SamplerConfig(nfe=3, gamma1=g), seed=1).samples
            for g in (0.0, 2.0))
    assert not torch.equal(a, b)  # from three steps on it does


def test_gamma1_candidates_follow_the_grid_only_from_three_steps() -> None:
    run = _load("run")
    spec = run.method_specs("quick")["idff"]
    assert spec.gamma1_grid == (0.0, 2.0)
    assert run.gamma1_candidates(spec, 1) == run.gamma1_candidates(spec, 2) == (0.0,)
    assert run.gamma1_candidates(spec, 3) == run.gamma1_candidates(spec, 20) == (0.0, 2.0)
