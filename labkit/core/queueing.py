"""Closed-form queueing results to check simulations against: Erlang B and Erlang C.

Offered load ``a = arrival_rate / service_rate`` (in Erlangs), ``c`` servers.
"""

from __future__ import annotations

from labkit.core.validation import check_int, check_positive

__all__ = ["erlang_b", "erlang_c_probability", "erlang_c_wait"]


def erlang_b(offered_load: float, servers: int) -> float:
    """Blocking probability of an M/M/c/c loss system (Erlang B), by the stable recursion.

    >>> round(erlang_b(1.0, 1), 3)
    0.5
    """
    a = check_positive("offered_load", offered_load)
    c = check_int("servers", servers, minimum=1)
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c_probability(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Probability that an arriving request waits in an M/M/c queue (Erlang C).

    >>> round(erlang_c_probability(8, 10, 1), 3)
    0.8
    """
    lam = check_positive("arrival_rate", arrival_rate)
    mu = check_positive("service_rate", service_rate)
    c = check_int("servers", servers, minimum=1)
    a = lam / mu
    rho = a / c
    if rho >= 1.0:
        raise ValueError(
            f"arrival_rate must be below servers * service_rate ({c * mu:g}) for a steady state, "
            f"got {lam:g} (utilisation {rho:.3f})")
    b = erlang_b(a, c)
    return b / (1.0 - rho * (1.0 - b))


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean time a request waits for a server in a stable M/M/c queue (seconds).

    ``W_q = C(c, a) / (c * mu - lambda)``.

    >>> round(erlang_c_wait(8, 10, 1), 3)   # M/M/1: rho / (mu - lambda) = 0.8 / 2
    0.4
    """
    p_wait = erlang_c_probability(arrival_rate, service_rate, servers)
    return p_wait / (servers * float(service_rate) - float(arrival_rate))
