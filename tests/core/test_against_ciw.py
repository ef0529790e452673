"""run_queue against Ciw, an established discrete-event queueing library, on the same draws.

Both simulators get the same inter-arrival gaps and the same service times (in the order service
begins, which for FIFO is arrival order), so every request's wait must agree to rounding: any
difference is a difference in queue discipline or bookkeeping, not in randomness. Ciw:
https://ciw.readthedocs.io/ (``ciw.dists.Sequential`` replays a fixed list of durations).
"""

import ciw
import numpy as np
import pytest

from labkit.core import Exponential, run_queue, spawn_rngs
from labkit.core.service import _BLOCK


def _lab_draws(arrival_rate: float, service_rate: float, n: int, seed: int):
    """The gaps and service times run_queue draws for this seed (same streams, same order)."""
    arrival_rng, service_rng = spawn_rngs(seed, 2)
    gaps = Exponential(arrival_rate).sample(arrival_rng, n)
    blocks = -(-n // _BLOCK)
    service = np.concatenate([Exponential(service_rate).sample(service_rng, _BLOCK)
                              for _ in range(blocks)])[:n]
    return gaps, service


def _ciw_waits(gaps, service, servers: int) -> np.ndarray:
    # Sequential cycles through its list: one very long last gap keeps a second pass from
    # arriving before all ``len(gaps)`` requests have finished.
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Sequential([*map(float, gaps), 1e12])],
        service_distributions=[ciw.dists.Sequential(list(map(float, service)))],
        number_of_servers=[servers],
    )
    sim = ciw.Simulation(network)
    sim.simulate_until_max_customers(len(gaps), method="Finish")
    records = sorted(sim.get_all_records(), key=lambda r: r.arrival_date)
    return np.array([r.waiting_time for r in records]), np.array([r.arrival_date for r in records])


@pytest.mark.parametrize(("arrival_rate", "service_rate", "servers", "seed"),
                         [(7.0, 10.0, 1, 1), (16.0, 10.0, 2, 2), (25.0, 10.0, 3, 3)])
def test_waits_identical_to_ciw_on_the_same_draws(arrival_rate, service_rate, servers, seed):
    n = 3_000
    lab = run_queue(arrival_rate, service_rate, servers, n, seed=seed)
    gaps, service = _lab_draws(arrival_rate, service_rate, n, seed)
    # The reconstruction is right: run_queue's arrivals are the cumulative gaps.
    np.testing.assert_allclose(lab.arrival_s, np.cumsum(gaps), rtol=0, atol=1e-9)
    waits, arrivals = _ciw_waits(gaps, service, servers)
    assert len(waits) == n
    np.testing.assert_allclose(arrivals, lab.arrival_s, rtol=0, atol=1e-9)
    np.testing.assert_allclose(waits, lab.wait_s, rtol=0, atol=1e-9)
    assert lab.wait_s.max() > 0  # a queue actually formed, so the comparison has teeth


def test_a_different_discipline_would_be_caught():
    """Guard: the comparison distinguishes disciplines (serving out of order changes waits)."""
    n = 2_000
    lab = run_queue(16.0, 10.0, 2, n, seed=5)
    gaps, service = _lab_draws(16.0, 10.0, n, 5)
    rng = np.random.default_rng(0)
    waits, _ = _ciw_waits(gaps, rng.permutation(service), 2)
    assert not np.allclose(waits, lab.wait_s, atol=1e-9)
