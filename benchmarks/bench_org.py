"""Multi-account explorer and evaluator timings: the explorer callback (evaluate + redraw +
PNG) against the 150 ms budget, and raw decisions per second.

CPU time is reported next to wall time: on a shared machine the wall time includes waiting for
a core, the CPU time is what the callback itself costs.

Run: .venv/bin/python benchmarks/bench_org.py
"""

import io
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from labkit.org import access_request, build_landing_zone, plot_access_decision  # noqa: E402
from labkit.org.scenarios import ACTIONS, PRINCIPAL_KINDS  # noqa: E402
from labkit.viz import use_style  # noqa: E402


def main() -> None:
    use_style()
    lz = build_landing_zone(region_deny=True, strongly_recommended=True)

    def callback(principal: str, account: str, action: str) -> None:
        decision = access_request(lz, principal, account, action, region="ap-southeast-2")
        fig = plot_access_decision(lz.organization, decision)
        fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")
        plt.close(fig)

    callback(PRINCIPAL_KINDS[0], "Prod", ACTIONS[0])  # warm-up (fonts, caches)
    wall, cpu = [], []
    for principal in PRINCIPAL_KINDS:
        for account in ("Prod", "Management", "Log Archive"):
            for action in ACTIONS[:2]:
                c0, w0 = time.process_time(), time.perf_counter()
                callback(principal, account, action)
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - w0)
    n = 2000
    c0, w0 = time.process_time(), time.perf_counter()
    for i in range(n):
        access_request(lz, PRINCIPAL_KINDS[i % len(PRINCIPAL_KINDS)], "Prod",
                       ACTIONS[i % len(ACTIONS)], region="eu-west-1")
    eval_cpu, eval_wall = time.process_time() - c0, time.perf_counter() - w0
    print(f"explorer callback over {len(wall)} menu choices (budget: median 150 ms, worst 500 ms)")
    print(f"  wall: median {statistics.median(wall) * 1000:6.1f} ms, "
          f"worst {max(wall) * 1000:6.1f} ms")
    print(f"  CPU:  median {statistics.median(cpu) * 1000:6.1f} ms, "
          f"worst {max(cpu) * 1000:6.1f} ms")
    print(f"access_request + evaluate: {n / eval_wall:,.0f} decisions/s wall, "
          f"{n / eval_cpu:,.0f} decisions/s CPU")


if __name__ == "__main__":
    main()
