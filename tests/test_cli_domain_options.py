"""Flags a domain adds to the generic ``idff-ts train`` / ``forecast`` (Domain.cli_options):
shown under "Domain options", their values handed to the owning domain, never to another one,
and a broken declaration is one error line (idff_ts.cli.domain_options)."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from idff_ts.cli import app
from idff_ts.domains import CliOption, Domain, register_domain, unregister_domain
from idff_ts.errors import DataError
from idff_ts.tasks import TASKS, Task


class ProbeDomain(Domain):
    """Owns the task ``probe-task``; its training records the request instead of training."""

    name = "probe"
    priority = 40
    declared: tuple[CliOption, ...] = (
        CliOption("--probe-level", "Probe data: a level.", type=int),
        CliOption("--probe-name", "Probe data: a name."),
    )
    seen: list[dict[str, Any]] = []

    def tasks(self) -> tuple[Task, ...]:
        return (Task(name="probe-task", description="never trained", make_splits=dict),)

    def cli_options(self, command: str) -> tuple[CliOption, ...]:
        return self.declared if command == "train" else ()

    def cli_notes(self, command: str) -> tuple[str, ...]:
        return ("Probe tasks note this paragraph.",) if command == "train" else ()

    def train_from_cli(self, request: Any) -> Any:
        self.seen.append(dict(request.options))
        raise DataError("probe domain: recorded")


@pytest.fixture
def probe():
    domain = ProbeDomain()
    domain.seen = []
    register_domain(domain)
    yield domain
    unregister_domain(domain.name)
    TASKS.pop("probe-task", None)


def invoke(*args: Any):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_declared_flags_show_in_help_under_domain_options(probe):
    result = invoke("train", "--help")
    assert result.exit_code == 0, result.output
    panel = result.output[result.output.index("Domain options"):]
    for text in ("--probe-level", "Probe data: a level.", "--probe-name", "--box"):
        assert text in panel, text
    assert "Probe tasks note this paragraph." in result.output
    assert "--probe-level" not in invoke("forecast", "--help").output


def test_values_reach_the_owning_domain_typed_and_none_when_absent(probe, tmp_path):
    result = invoke("train", "--task", "probe-task", "--probe-level", "3", "-o", tmp_path / "r")
    assert result.exit_code == 1 and "probe domain: recorded" in result.output
    options = probe.seen[-1]
    assert options["probe_level"] == 3 and options["probe_name"] is None
    assert {"box", "train_period", "val_period"} <= set(options)  # other domains' flags: None
    assert all(options[k] is None for k in ("box", "train_period", "val_period"))


def test_a_bad_value_is_a_usage_error(probe, tmp_path):
    result = invoke("train", "--task", "probe-task", "--probe-level", "three")
    assert result.exit_code == 2 and "--probe-level" in result.output and not probe.seen


def test_another_domains_flag_is_refused_by_the_generic_domain(tmp_path):
    result = invoke("train", "--task", TASKS["lorenz63"].name, "--box", "84", "-o", tmp_path / "r")
    assert result.exit_code == 2
    assert "--box go with a task whose kind of data takes them" in result.output


@pytest.mark.parametrize("declared,needle", [
    ((CliOption("--seed", "clashes"),), "clash with idff-ts train"),
    ((CliOption("--box", "another type", type=int),), "domains 'probe' and 'sst' declare --box"),
    ((CliOption("-p", "no long name"),), "--some-name"),
])
def test_a_broken_declaration_is_one_error_line(probe, declared, needle):
    probe.declared = declared
    result = invoke("train", "--help")
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], lines
