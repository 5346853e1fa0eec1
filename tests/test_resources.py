"""Memory estimate of an ensemble, checked before allocating (issue 16)."""

from __future__ import annotations

import pytest

from idff_ts.errors import ConfigError, ResourceError
from idff_ts.resources import (
    BYTES_PER_VALUE,
    OUTPUT_COPIES,
    WORKING_COPIES,
    available_memory,
    check_ensemble_memory,
    ensemble_bytes,
)


def test_estimate_is_members_times_state_times_chunking():
    out, work = ensemble_bytes(members=20, windows=3, slots=7, state_size=3600, chunk_members=5)
    assert out == OUTPUT_COPIES * BYTES_PER_VALUE * 20 * 3 * 7 * 3600
    assert work == WORKING_COPIES * BYTES_PER_VALUE * 5 * 3 * 3600
    assert ensemble_bytes(20, 3, 7, 3600)[1] == 4 * work  # no chunking: all 20 members at once
    assert ensemble_bytes(20, 3, 7, 3600, chunk_members=100)[1] == 4 * work  # capped at M


def test_a_request_that_fits_passes_and_one_that_does_not_is_refused():
    check_ensemble_memory(20, 1, 7, 2, available=10**9)
    with pytest.raises(ResourceError, match="fewer members") as err:
        check_ensemble_memory(10**9, 1, 7, 2, available=8 * 2**30)
    assert isinstance(err.value, ConfigError) and "\n" not in str(err.value)


def test_chunking_is_suggested_when_only_the_working_set_is_too_big():
    out, work = ensemble_bytes(1000, 1, 1, 10**5)
    available = out + work // 2
    with pytest.raises(ResourceError, match="--chunk-members (\\d+)") as err:
        check_ensemble_memory(1000, 1, 1, 10**5, available=available)
    chunk = int(str(err.value).split("--chunk-members ")[1].split()[0])
    check_ensemble_memory(1000, 1, 1, 10**5, chunk_members=chunk, available=available)  # fits


def test_available_memory_is_positive_on_this_system():
    mem = available_memory()
    assert mem is None or mem > 0
