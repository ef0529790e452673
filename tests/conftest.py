"""Shared fixtures: a fresh SimPy environment and a seeded generator."""

import sys
from pathlib import Path

import numpy as np
import pytest
import simpy


@pytest.fixture
def env():
    return simpy.Environment()


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# Test helpers shared across families (``import fuzzing``) live next to this file.
sys.path.insert(0, str(Path(__file__).parent))
