"""Replay cost of the event store: wall-clock load times with and without snapshots.

Run: .venv/bin/python benchmarks/bench_eventstore.py
"""

from labkit.eventstore.cqrs import replay_cost


def main() -> None:
    replay = replay_cost(events_per_order=(260, 2_530, 10_020), snapshot_every=50, repeats=5)
    times = replay.pivot(index="events_in_stream", columns="mode", values="load_ms")
    times["speed-up"] = times["full replay"] / times["snapshot every 50"]
    print("Median load time (ms) of one order aggregate, 5 loads each")
    print(times.round(3).to_string())


if __name__ == "__main__":
    main()
