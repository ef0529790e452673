"""labkit: the helper package behind Architecture Patterns Lab.

Each family of patterns has its own subpackage, so a reader can find the code behind any cell:

- ``labkit.core``: seeded randomness, workloads, the SimPy service, queueing formulas, metrics
- ``labkit.resilience``: circuit breakers, timeouts, the outage scenario (and bulkheads, retries)
- ``labkit.viz`` / ``labkit.ui``: the plotting style, shared figures, explorers and self-checks

Importing ``labkit`` itself loads nothing heavy; import the subpackage you need.
"""

__version__ = "0.1.0"
