"""How fast is labkit's M/M/c queue, and is it right?

In one run, on the same M/M/c queue (default: 25 req/s arriving, 10 req/s per server, 3 servers,
200,000 requests; a few repetitions, median taken), this measures the throughput (simulated
requests per second of CPU time) of

- ``labkit.core.run_queue`` (the lab's SimPy ``Service``, returning a tidy DataFrame),
- a minimal hand-written SimPy model: a source process, one process per customer holding a
  ``simpy.Resource``, numpy ``Generator`` draws. Two variants: all draws made up front in two
  vectors (the fastest plain SimPy; the main yardstick) and one draw per event (the textbook
  style),
- Ciw 3.2.7 (a queueing-network simulation library) on the same network,

and prints the ratios against the budgets (docs/architecture.md, "Budgets": labkit >= 0.7x the
minimal SimPy model,
and faster than Ciw). It also checks labkit's mean wait against the Erlang C formula and times
``import labkit`` in fresh interpreters (budget 0.5 s).

Run: ``make benchmarks`` or ``.venv/bin/python benchmarks/bench_queue.py [--requests N]``.
Exits with status 1 if a budget is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import ciw
import numpy as np
import simpy

from labkit.core import erlang_c_wait, run_queue

MIN_RATIO_VS_SIMPY = 0.7
IMPORT_BUDGET_S = 0.5


# --- the peers -----------------------------------------------------------------------------------

def simpy_predrawn(arrival_rate: float, service_rate: float, servers: int, n_requests: int,
                   seed: int) -> np.ndarray:
    """Minimal SimPy M/M/c, all random draws made up front; returns each request's wait (s)."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1.0 / arrival_rate, n_requests)
    services = rng.exponential(1.0 / service_rate, n_requests)
    waits = np.empty(n_requests)
    env = simpy.Environment()
    counter = simpy.Resource(env, capacity=servers)

    def customer(i):
        arrived = env.now
        with counter.request() as req:
            yield req
            waits[i] = env.now - arrived
            yield env.timeout(services[i])

    def source():
        for i in range(n_requests):
            yield env.timeout(gaps[i])
            env.process(customer(i))

    env.process(source())
    env.run()
    return waits


def simpy_per_event(arrival_rate: float, service_rate: float, servers: int, n_requests: int,
                    seed: int) -> np.ndarray:
    """Minimal SimPy M/M/c in the textbook style: one Generator draw per arrival and service."""
    rng = np.random.default_rng(seed)
    arrival_mean, service_mean = 1.0 / arrival_rate, 1.0 / service_rate
    waits = np.empty(n_requests)
    env = simpy.Environment()
    counter = simpy.Resource(env, capacity=servers)

    def customer(i):
        arrived = env.now
        with counter.request() as req:
            yield req
            waits[i] = env.now - arrived
            yield env.timeout(rng.exponential(service_mean))

    def source():
        for i in range(n_requests):
            yield env.timeout(rng.exponential(arrival_mean))
            env.process(customer(i))

    env.process(source())
    env.run()
    return waits


def ciw_queue(arrival_rate: float, service_rate: float, servers: int, n_requests: int,
              seed: int) -> np.ndarray:
    """The same M/M/c in Ciw, run until ``n_requests`` customers have finished."""
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=arrival_rate)],
        service_distributions=[ciw.dists.Exponential(rate=service_rate)],
        number_of_servers=[servers])
    ciw.seed(seed)
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_customers(n_requests, method="Finish")
    return np.array([r.waiting_time for r in simulation.get_all_records()])


def labkit_queue(arrival_rate: float, service_rate: float, servers: int, n_requests: int,
                 seed: int) -> np.ndarray:
    """``labkit.core.run_queue`` (includes building its DataFrame)."""
    return run_queue(arrival_rate, service_rate, servers, n_requests, seed).wait_s.to_numpy()


MODELS: dict[str, Callable[..., np.ndarray]] = {
    "labkit run_queue": labkit_queue,
    "SimPy minimal, pre-drawn": simpy_predrawn,
    "SimPy minimal, per-event draws": simpy_per_event,
    "Ciw 3.2.7": ciw_queue,
}
YARDSTICK = "SimPy minimal, pre-drawn"


# --- measurement ---------------------------------------------------------------------------------

def measure(args: argparse.Namespace) -> dict[str, dict[str, list[float]]]:
    """Run every model ``repeats`` times, interleaved so machine load hits them alike."""
    params = (args.arrival_rate, args.service_rate, args.servers, args.requests)
    results = {name: {"cpu_s": [], "wall_s": [], "mean_wait_s": [], "n": []} for name in MODELS}
    for rep in range(args.repeats):
        for name, model in MODELS.items():
            wall0, cpu0 = time.perf_counter(), time.process_time()
            waits = model(*params, seed=rep + 1)
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            results[name]["cpu_s"].append(cpu)
            results[name]["wall_s"].append(wall)
            results[name]["mean_wait_s"].append(float(waits.mean()))
            results[name]["n"].append(len(waits))
            print(f"  rep {rep + 1}/{args.repeats}  {name:<32} cpu {cpu:6.2f} s  "
                  f"wall {wall:6.2f} s",
                  flush=True)
    return results


def import_time(statement: str, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds ``statement`` takes in ``runs`` fresh interpreters (after a warm-up)."""
    code = ("import time; w0, c0 = time.perf_counter(), time.process_time(); " + statement
            + "; print(time.perf_counter() - w0, time.process_time() - c0)")
    walls, cpus = [], []
    for i in range(runs + 1):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
        if i:
            wall, cpu = map(float, out.stdout.split()[-2:])
            walls.append(wall)
            cpus.append(cpu)
    return walls, cpus


def labkit_packages() -> list[str]:
    """Every subpackage of labkit (``labkit.core``, ``labkit.resilience``, ...)."""
    import pkgutil

    import labkit

    return sorted(f"labkit.{m.name}" for m in pkgutil.iter_modules(labkit.__path__) if m.ispkg)


def import_breakdown(statement: str) -> tuple[float, list[tuple[float, str]]]:
    """From ``python -X importtime``: seconds spent in labkit's own modules (self time), and the
    dependencies imported at top level or by labkit with their cumulative seconds."""
    def lines(code: str) -> list[str]:
        return subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                              capture_output=True, text=True, check=True).stderr.splitlines()

    startup = {line.split("|")[-1].strip() for line in lines("pass")}
    own, deps = 0.0, {}
    for line in lines(statement):
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        self_us, cumulative_us, name = int(parts[0].split(":")[1]), int(parts[1]), parts[2]
        module = name.strip()
        if module in startup:
            continue
        if module.split(".")[0] == "labkit":
            own += self_us / 1e6
        elif "." not in module and len(name) - len(name.lstrip()) <= 5:
            deps[module] = cumulative_us / 1e6
    slowest = sorted(((t, m) for m, t in deps.items()), reverse=True)[:4]
    return own, slowest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arrival-rate", type=float, default=25.0)
    parser.add_argument("--service-rate", type=float, default=10.0)
    parser.add_argument("--servers", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--import-runs", type=int, default=5)
    args = parser.parse_args(argv)
    ok = True

    lam, mu, c, n = args.arrival_rate, args.service_rate, args.servers, args.requests
    print(f"M/M/c queue: arrival rate {lam:g} req/s, service rate {mu:g} req/s per server, "
          f"{c} servers (utilisation {lam / (c * mu):.3f}), {n:,} requests, "
          f"{args.repeats} repetitions, median taken")
    print(f"python {sys.version.split()[0]}, simpy {simpy.__version__}, ciw {ciw.__version__}, "
          f"numpy {np.__version__}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f}")
    results = measure(args)

    median = {name: {k: statistics.median(v) for k, v in r.items()} for name, r in results.items()}
    base = median["labkit run_queue"]
    print()
    print("Throughput = simulated requests per second of CPU time (wall time shown for reference;")
    print("the machine is shared, so CPU time is the fairer clock). Ratio = labkit / model.")
    print()
    header = (f"{'model':<32} {'CPU s':>7} {'wall s':>7} {'req/s (CPU)':>12} "
              f"{'labkit ratio':>13}  budget")
    print(header)
    print("-" * len(header))
    for name, m in median.items():
        rate = m["n"] / m["cpu_s"]
        ratio = (n / base["cpu_s"]) / rate
        if name == "labkit run_queue":
            verdict = ""
        elif name == YARDSTICK:
            passed = ratio >= MIN_RATIO_VS_SIMPY
            ok &= passed
            verdict = f">= {MIN_RATIO_VS_SIMPY}: {'PASS' if passed else 'FAIL'}"
        elif name.startswith("Ciw"):
            passed = ratio > 1.0
            ok &= passed
            verdict = f"> 1: {'PASS' if passed else 'FAIL'}"
        else:
            verdict = "(for reference)"
        print(f"{name:<32} {m['cpu_s']:7.2f} {m['wall_s']:7.2f} {rate:12,.0f} "
              f"{ratio:13.2f}  {verdict}")

    exact = erlang_c_wait(lam, mu, c)
    print()
    print(f"Mean wait in queue against Erlang C ({exact * 1000:.2f} ms), per repetition "
          f"(seeds 1..{args.repeats}) and averaged:")
    for name, r in results.items():
        waits = r["mean_wait_s"]
        pooled = statistics.fmean(waits)
        per_rep = ", ".join(f"{w * 1000:.2f}" for w in waits)
        print(f"  {name:<32} {pooled * 1000:7.2f} ms  relative error {pooled / exact - 1:+.2%}"
              f"   (runs: {per_rep} ms)")

    print()
    print(f"Import time in fresh interpreters (median of {args.import_runs} runs after a warm-up; "
          f"budget {IMPORT_BUDGET_S} s on CPU time):")
    for statement in ("import labkit", "import " + ", ".join(["labkit", *labkit_packages()])):
        walls, cpus = import_time(statement, args.import_runs)
        cpu = statistics.median(cpus)
        passed = cpu <= IMPORT_BUDGET_S
        ok &= passed
        own, slowest = import_breakdown(statement)
        print(f"  `{statement}`")
        print(f"      CPU {cpu:.3f} s (wall {statistics.median(walls):.3f} s, worst "
              f"{max(walls):.3f} s): {'PASS' if passed else 'FAIL'}; labkit's own modules "
              f"{own:.3f} s; largest dependencies: "
              + (", ".join(f"{m} {t:.3f} s" for t, m in slowest) or "none"))
    print()
    print("all budgets met" if ok else "BUDGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
