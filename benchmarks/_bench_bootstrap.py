"""The paired bootstrap of the leaderboard verdicts; it lives in the package
(:mod:`idff_ts.leaderboard.bootstrap`) so that ``idff-ts leaderboard`` needs no file on disk."""

from idff_ts.leaderboard.bootstrap import REPLICATES, paired_difference, verdict

__all__ = ["REPLICATES", "paired_difference", "verdict"]
