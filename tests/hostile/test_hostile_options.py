"""Hostile option values and output paths of ``idff-ts forecast`` / ``evaluate``."""

from __future__ import annotations

import os
import shutil

import pytest

BASE = ["forecast", "-c", "{in}/model.pt", "--data", "{in}/obs.nc", "-q"]

OPTIONS = [
    ("days-nan", ["--days", "nan"], ("days",)),
    ("days-inf", ["--days", "inf"], ("days",)),
    ("days-minus-inf", ["--days", "-inf"], ("days",)),
    ("days-negative", ["--days", "-1"], ("days",)),
    ("days-zero", ["--days", "0"], ("days",)),
    ("days-huge", ["--days", "1e30"], ("horizon",)),
    ("days-text", ["--days", "seven"], ("days",)),
    ("days-and-horizon-disagree", ["--days", "3", "--horizon", "2"], ("disagree",)),
    ("seed-negative", ["--seed", "-1"], ("seed",)),
    ("seed-2-pow-70", ["--seed", str(2**70)], ("seed",)),
    ("seed-2-pow-64", ["--seed", str(2**64)], ("seed",)),
    ("seed-text", ["--seed", "lucky"], ("seed",)),
    ("members-zero", ["--members", "0"], ("members",)),
    ("members-negative", ["--members", "-5"], ("members",)),
    ("members-billion", ["--members", "1000000000"], ("memory", "--chunk-members")),
    ("members-float", ["--members", "2.5"], ("members",)),
    ("horizon-zero", ["--horizon", "0"], ("horizon",)),
    ("horizon-billion", ["--horizon", "1000000000"], ("horizon",)),
    ("nfe-zero", ["--nfe", "0"], ("nfe",)),
    ("nfe-negative", ["--nfe", "-3"], ("nfe",)),
    ("gamma1-negative", ["--gamma1", "-1"], ("gamma1",)),
    ("gamma1-nan", ["--gamma1", "nan"], ("gamma1",)),
    ("gamma2-inf", ["--gamma2", "inf"], ("gamma2",)),
    ("init-not-a-date", ["--init", "yesterday-ish"], ("yesterday-ish",)),
    ("init-not-in-data", ["--init", "1999-01-01"], ("1999-01-01",)),
    ("init-before-context", ["--init", "2020-01-01"], ("2020-01-01",)),
    ("init-all-and-last", ["--init", "all,last"], ("all",)),
    ("init-duplicated", ["--init", "2020-01-10,2020-01-10"], ("duplicate",)),
    ("init-empty", ["--init", ","], ("init",)),
    ("stride-zero", ["--init", "all", "--stride", "0"], ("stride",)),
    ("chunk-members-zero", ["--chunk-members", "0"], ("chunk-members",)),
    ("device-tpu", ["--device", "tpu"], ("device",)),
    ("device-cuda-absent", ["--device", "cuda"], ("cuda",)),
    ("box-on-vector-model", ["--box", "84"], ("box",)),
    ("task-unknown", ["--task", "nosuchtask"], ("nosuchtask",)),
    ("unknown-flag", ["--frobnicate"], ("--frobnicate",)),
    ("var-missing", ["--var", "nope"], ("nope",)),
]


@pytest.mark.parametrize("name,args,needles", OPTIONS, ids=[c[0] for c in OPTIONS])
def test_bad_forecast_option(hostile, name, args, needles):
    if name == "device-cuda-absent":
        import torch

        if torch.cuda.is_available():
            pytest.skip("a CUDA GPU is present")
    if name == "task-unknown":  # --task and --data together is its own error: drop --data
        hostile(["forecast", "-c", "{in}/model.pt", *args, "-o", "out.nc", "-q"], (1, 2), needles)
        return
    hostile([*BASE, *args, "-o", "out.nc"], (1, 2), needles)


def _read_only_folder(tmp):
    (tmp / "ro").mkdir()
    os.chmod(tmp / "ro", 0o555)


def _parent_is_file(tmp):
    (tmp / "afile").write_text("x")


OUTPUTS = [
    ("suffix-txt", None, "out.txt", ("out.txt", ".nc")),
    ("no-suffix", None, "out", ("out", ".nc")),
    ("folder-named-nc", lambda t: (t / "dir.nc").mkdir(), "dir.nc", ("dir.nc",)),
    ("file-named-zarr", lambda t: (t / "f.zarr").write_text("x"), "f.zarr", ("f.zarr",)),
    ("read-only-folder", _read_only_folder, "ro/out.nc", ("ro/out.nc",)),
    ("parent-is-a-file", _parent_is_file, "afile/out.nc", ("afile",)),
    ("existing-output-no-overwrite", lambda t: shutil.copy(t.parent / "obs.nc", t / "old.nc")
     if (t.parent / "obs.nc").exists() else (t / "old.nc").write_bytes(b"old"), "old.nc",
     ("old.nc", "--overwrite")),
]


@pytest.mark.parametrize("name,setup,output,needles", OUTPUTS, ids=[c[0] for c in OUTPUTS])
def test_bad_forecast_output(hostile, tmp_path, name, setup, output, needles):
    if name == "read-only-folder" and os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    if setup is not None:
        setup(tmp_path)
    try:
        hostile([*BASE, "--members", "2", "-o", output], (1, 2), needles)
    finally:
        if (tmp_path / "ro").exists():
            os.chmod(tmp_path / "ro", 0o755)


@pytest.fixture(scope="module")
def forecast_file(tmp_path_factory, inputs):
    """A small valid forecast of ``obs.nc`` (made once, copied into each case's folder)."""
    from hostile_kit import invoke

    path = tmp_path_factory.mktemp("fc") / "fc.nc"
    result = invoke(["forecast", "-c", inputs / "model.pt", "--data", inputs / "obs.nc", "--init",
                     "all", "--stride", "20", "--members", "3", "-o", path, "-q"])
    assert result.exit_code == 0, result.output
    return path


EVALUATE = [
    ("forecast-missing", ["missing.nc", "--truth", "{in}/obs.nc"], ("missing.nc",)),
    ("forecast-not-an-ensemble", ["{in}/obs.nc", "--truth", "{in}/obs.nc"], ("ensemble",)),
    ("forecast-random-bytes", ["junk.nc", "--truth", "{in}/obs.nc"], ("junk.nc",)),
    ("truth-missing", ["fc.nc", "--truth", "nothere.nc"], ("nothere.nc",)),
    ("truth-wrong-var", ["fc.nc", "--truth", "{in}/obs.nc", "--var", "y"], ("y",)),
    ("truth-and-task", ["fc.nc", "--truth", "{in}/obs.nc", "--task", "lorenz63"], ("truth", "task")),
    ("no-truth", ["fc.nc"], ("truth",)),
    ("metrics-bad-suffix", ["fc.nc", "--truth", "{in}/obs.nc", "-o", "m.xlsx"], ("m.xlsx",)),
    ("metrics-existing-no-overwrite", ["fc.nc", "--truth", "{in}/obs.nc", "-o", "m.csv"],
     ("m.csv", "--overwrite")),
]


@pytest.mark.parametrize("name,args,needles", EVALUATE, ids=[c[0] for c in EVALUATE])
def test_bad_evaluate_input(hostile, tmp_path, forecast_file, name, args, needles):
    shutil.copy(forecast_file, tmp_path / "fc.nc")
    (tmp_path / "junk.nc").write_bytes(b"\x00" * 100)
    if name == "metrics-existing-no-overwrite":
        (tmp_path / "m.csv").write_text("old metrics\n")
    hostile(["evaluate", *args, "-q"], (1, 2), needles)
