"""The ``lorenz63`` and ``rossler`` tasks (evaluation.md §3).

Simulated trajectories (:func:`~idff_ts.domains.attractors.simulate.simulate_attractor`) split
by whole trajectory (:func:`~idff_ts.data.series.split_by_trajectory`), never by frame.
"""

from __future__ import annotations

from collections.abc import Callable

from idff_ts.tasks import Splits, Task


def attractor_splits(
    system: str,
    n_trajectories: int,
    n_steps: int,
    counts: tuple[int, int, int],
    obs_noise: float = 0.0,
) -> Callable[[int], Splits]:
    """A ``make_splits`` recipe: simulate ``n_trajectories`` of ``system``, split by trajectory.

    The simulation uses ``seed``, the split ``seed + 1`` (independent streams); trajectories
    are on the attractor (spin-up discarded) and sampled at the system's default ``dt``.
    """

    def make(seed: int) -> Splits:
        from idff_ts.data.series import split_by_trajectory
        from idff_ts.domains.attractors.simulate import simulate_attractor

        da = simulate_attractor(
            system, n_trajectories=n_trajectories, n_steps=n_steps, seed=seed, obs_noise=obs_noise
        )
        return split_by_trajectory(da, counts=counts, seed=seed + 1)

    return make


# Observation noise (about 12 % of Lorenz's and 10 % of Rössler's x std) makes the next state
# genuinely uncertain given the current one, so ensembles have something to represent.
# Sizes: 40 trajectories × 300 samples (28 train / 6 val / 6 test); an MLP of width 128 and
# depth 3 trains for ≈ 1 minute on a 2-core CPU (8 epochs × 24 steps of 256 windows).
# σ = 0.5 (standardised units) was chosen on the validation splits of both tasks over
# σ ∈ {0.1, 0.3, 0.5, 1, 2, 3} (benchmarks/results/attractor_nfe.md): 0.3–1 within ~4 %,
# σ = 0.1 ≈ 34 % worse.
ATTRACTOR_MODEL = {"hidden": 128, "depth": 3, "emb_dim": 32, "sigma": 0.5}
ATTRACTOR_TRAIN = {
    "max_epochs": 8, "batch_size": 256, "lr": 2e-3, "stride": 1, "limit_train_batches": 24,
    "val_members": 16, "val_nfe": 5, "val_inits": 48, "patience": 3,
}

ATTRACTOR_TASKS = (
    Task(
        name="lorenz63",
        description="Lorenz-63 (σ=10, ρ=28, β=8/3), dt=0.05, 40 trajectories × 300 steps, "
        "observation noise 1.0, split 28/6/6 by trajectory",
        make_splits=attractor_splits("lorenz63", 40, 300, (28, 6, 6), obs_noise=1.0),
        context=1, horizon=10, model=ATTRACTOR_MODEL, train=ATTRACTOR_TRAIN,
    ),
    Task(
        name="rossler",
        description="Rössler (a=b=0.2, c=5.7), dt=0.5, 40 trajectories × 300 steps, "
        "observation noise 0.5, split 28/6/6 by trajectory",
        make_splits=attractor_splits("rossler", 40, 300, (28, 6, 6), obs_noise=0.5),
        context=1, horizon=10, model=ATTRACTOR_MODEL, train=ATTRACTOR_TRAIN,
    ),
)

__all__ = ["ATTRACTOR_MODEL", "ATTRACTOR_TASKS", "ATTRACTOR_TRAIN", "attractor_splits"]
