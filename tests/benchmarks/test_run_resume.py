"""``run.py --resume``: a rerun reuses finished trainings bit for bit, and a raised epoch cap
continues the trainings that ran into the old one instead of starting them afresh."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_run import _load

ARGS = ["--profile", "smoke", "--methods", "idff", "--seeds", "0"]


def _results(out: Path) -> list[dict]:
    return [json.loads(f.read_text()) for f in sorted((out / "smoke" / "lorenz63").glob("*.json"))]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A smoke run's results (``a/``) and work folder (``work/``), made once."""
    root = tmp_path_factory.mktemp("resume")
    run = _load("run")
    assert run.main([*ARGS, "--out", str(root / "a"), "--work", str(root / "work")]) == 0
    return root


def test_resume_reuses_then_continues_under_a_higher_cap(trained: Path, tmp_path: Path,
                                                         monkeypatch) -> None:
    run = _load("run")
    work = tmp_path / "work"
    shutil.copytree(trained / "work", work)
    first = _results(trained / "a")[0]
    assert first["training"]["epochs_run"] == 2 and "resume" not in first["training"]

    assert run.main([*ARGS, "--resume", "--out", str(tmp_path / "b"), "--work", str(work)]) == 0
    again = _results(tmp_path / "b")[0]
    assert again["training"]["resume"] == "reuse"
    assert again["checkpoint_sha256"] == first["checkpoint_sha256"]
    assert again["mean_over_leads"] == first["mean_over_leads"]

    smoke = run.PROFILES["smoke"]["tasks"]["lorenz63"]
    monkeypatch.setitem(smoke, "train", {**smoke["train"], "max_epochs": 3})
    assert run.main([*ARGS, "--resume", "--out", str(tmp_path / "c"), "--work", str(work)]) == 0
    longer = _results(tmp_path / "c")[0]
    assert longer["training"]["resume"] == "continue"
    assert longer["training"]["epochs_run"] == 3 and longer["training"]["max_epochs"] == 3


def test_plan_refuses_another_definition(trained: Path, tmp_path: Path) -> None:
    resume = _load("_bench_resume")
    shutil.copytree(trained / "work", tmp_path / "work")
    folder = tmp_path / "work" / "lorenz63" / "idff__c0__seed0"
    stored = json.loads(json.dumps(resume._finished(folder)))
    want = {"method": "idff", "model": {k: stored["model"][k] for k in ("sigma",)},
            "sampler": stored["sampler"], "train": dict(stored["train"])}
    assert resume.plan(folder, want, 2) == ("reuse", folder / "model.pt")
    assert resume.plan(folder, want, 5) == ("continue", folder / "last.ckpt")
    assert resume.plan(folder, want, 1)[0] == "fresh"  # it ran past a lower cap
    for key, value in (("model", {"sigma": 9.0}), ("train", {**want["train"], "seed": 7}),
                       ("sampler", {**want["sampler"], "gamma1": 2.0})):
        assert resume.plan(folder, {**want, key: value}, 2) == ("fresh", None), key
    assert resume.plan(folder, {**want, "method": "i-cfm"}, 2) == ("fresh", None)
    # rows run in another order number their folders otherwise: found by what they hold
    renamed = folder.with_name("idff__c7__seed0")
    folder.rename(renamed)
    assert resume.find(folder, want, 2) == (renamed, "reuse", renamed / "model.pt")
    assert resume.find(folder, {**want, "model": {"sigma": 9.0}}, 2) == (folder, "fresh", None)
