"""Explorer callbacks of the index notebook (00): the mean wait in a queue against utilisation.

- :func:`waiting_explorer_figure`: the Erlang C curve of the mean wait in queue for ``servers``
  servers completing ``service_rate`` requests per second each, with the chosen utilisation
  marked (the formula is checked against the simulated queue in the notebook).
"""

from __future__ import annotations

from typing import Any

from labkit.core.queueing import erlang_c_wait
from labkit.core.validation import check_int, check_positive

__all__ = ["waiting_explorer_figure"]


def waiting_explorer_figure(utilisation: float = 0.8, servers: int = 1,
                            service_rate: float = 10.0) -> Any:
    """Mean wait in queue against utilisation, the chosen point marked.

    >>> fig = waiting_explorer_figure(0.8, 2)
    >>> fig.axes[0].get_legend().get_texts()[1].get_text()
    '80% busy: 178 ms'
    """
    from labkit.viz import new_figure

    if not 0 < utilisation < 1:
        raise ValueError(f"utilisation must be in (0, 1), got {utilisation!r}")
    servers = check_int("servers", servers, minimum=1, maximum=64)
    service_rate = check_positive("service_rate", service_rate)
    fig, ax = new_figure(f"Mean wait in queue against utilisation ({servers} server(s), "
                         f"{service_rate:g} req/s each)",
                         "utilisation (arrival rate / capacity)", "mean wait in queue (s)")
    xs = [u / 100 for u in range(5, 97)]
    ax.plot(xs, [erlang_c_wait(x * servers * service_rate, service_rate, servers) for x in xs],
            label="Erlang C")
    wait = erlang_c_wait(utilisation * servers * service_rate, service_rate, servers)
    ax.plot([utilisation], [wait], "o", label=f"{utilisation:.0%} busy: {wait * 1000:.0f} ms")
    ax.legend(loc="upper left")
    return fig
