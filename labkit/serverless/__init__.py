"""Serverless: Lambda-style functions and what sits around them.

Function instances (SimFaaS's scale-per-request model)
    simulate_functions, FunctionStats
"""

from labkit.serverless.functions import FunctionStats, simulate_functions

__all__ = [
    # Function instances
    "simulate_functions", "FunctionStats",
]
