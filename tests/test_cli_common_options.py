"""``-v/-q`` on every subcommand (after the subcommand's name too) and shell completion."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from idff_ts.cli import app
from idff_ts.cli.common import add_common_options


def _leaf_commands(group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, sub in group.commands.items():
        if hasattr(sub, "commands"):
            out += _leaf_commands(sub, (*prefix, name))
        else:
            out.append((*prefix, name))
    return out


LEAVES = _leaf_commands(typer.main.get_command(app))


def test_there_are_commands_to_check():
    assert {("forecast",), ("train",), ("evaluate",), ("leaderboard",)} <= set(LEAVES)
    assert any(len(path) > 1 for path in LEAVES)  # idff-ts data … subcommands too


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_every_subcommand_takes_verbose_and_quiet(path):
    logging.getLogger("idff_ts").setLevel(logging.WARNING)
    result = CliRunner().invoke(app, [*path, "-vv", "-q", "--help"])
    assert result.exit_code == 0, result.output
    assert "--verbose" in result.output and "--quiet" in result.output
    assert logging.getLogger("idff_ts").level in (logging.DEBUG, logging.ERROR)


def test_verbose_after_the_subcommand_sets_the_log_level():
    logging.getLogger("idff_ts").setLevel(logging.WARNING)
    result = CliRunner().invoke(app, ["leaderboard", "-vv", "--help"])
    assert result.exit_code == 0
    assert logging.getLogger("idff_ts").level == logging.DEBUG
    result = CliRunner().invoke(app, ["evaluate", "-v", "--help"])
    assert logging.getLogger("idff_ts").level == logging.INFO


def test_commands_keep_their_own_quiet_flag():
    command = typer.main.get_command(app)
    add_common_options(command, lambda count: None)
    forecast = command.commands["forecast"]
    quiet = [p for p in forecast.params if "--quiet" in p.opts]
    assert len(quiet) == 1 and quiet[0].expose_value  # the command's own, passed to it


def test_shell_completion_script():
    # typer detects the user's shell from the parent processes; a test runner may have none,
    # so detection is off and the shell is named (what `--show-completion bash` does then)
    env = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    proc = subprocess.run([sys.executable, "-m", "idff_ts.cli", "--show-completion", "bash"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "_idff_ts_completion" in proc.stdout and "complete" in proc.stdout
