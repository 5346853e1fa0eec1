"""The SST forecasting protocol: which tiles, which years train / validate / test, L, K, M.

:data:`DYFFUSION` is the benchmark of DYffusion and of the IDFF paper (data.md §2): the 11
eastern-tropical-Pacific boxes, train 1982–2018, validation 2019, test 2020, one input day,
leads 1..7 days, 20 members for validation and 50 for testing. :data:`DEMO` is the same
protocol scaled to fit a 2-core CPU: two ETP boxes (88–89: 15°S–0°, 120°W–90°W, holding the
cold tongue and an island, so a tile with land inside it), train 2010–2018, validation 2019,
test 2020, on the bundled synthetic archive.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from idff_ts.domains.sst.dyffusion import ENSEMBLE_SIZE, ETP_BOXES, INPUT_DAYS, LEAD_DAYS, SPLITS


@dataclass(frozen=True)
class SSTProtocol:
    """Tiles, splits and ensemble sizes of an SST task.

    Attributes:
        boxes: DYffusion box indices (``lat_band · 24 + lon_band``).
        train, val, test: inclusive (start, end) periods; years or dates.
        context: input days ``L``.
        horizon: leads ``K`` (days).
        val_members, test_members: ensemble sizes ``M``.
    """

    boxes: tuple[int, ...] = ETP_BOXES
    train: tuple[str, str] = SPLITS["train"]
    val: tuple[str, str] = SPLITS["val"]
    test: tuple[str, str] = SPLITS["test"]
    context: int = INPUT_DAYS
    horizon: int = len(LEAD_DAYS)
    val_members: int = ENSEMBLE_SIZE["val"]
    test_members: int = ENSEMBLE_SIZE["test"]
    notes: str = field(default="DYffusion OISST protocol", compare=False)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SSTProtocol:
        keys = {f for f in cls.__dataclass_fields__}
        vals = {k: tuple(v) if isinstance(v, list) else v for k, v in d.items() if k in keys}
        return cls(**vals)


DYFFUSION = SSTProtocol()
DEMO = SSTProtocol(
    boxes=(88, 89),
    train=("2010-01-01", "2018-12-31"),
    val=("2019-01-01", "2019-12-31"),
    test=("2020-01-01", "2020-12-31"),
    notes="DYffusion protocol scaled to a CPU: boxes 88-89, train 2010-2018, val 2019, test 2020",
)

__all__ = ["DEMO", "DYFFUSION", "SSTProtocol"]
