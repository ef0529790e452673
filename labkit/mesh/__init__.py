"""Service mesh: what a sidecar proxy (Envoy) does for every call. Figures for the notebook are
in :mod:`labkit.mesh.plots`.

Routing (pure logic and a seeded rollout)
    WeightedRouter, CanaryController, CanaryStep, run_canary
Outlier detection (pure, clock-injected; Envoy semantics)
    OutlierDetector, run_outlier_detection
Retry storms (SimPy)
    run_retry_storm, StormResult, RETRY_POLICIES
Tracing
    Span, Tracer, simulate_trace
Mutual TLS (real sockets on 127.0.0.1)
    CertificateAuthority, ServiceIdentity, MutualTLSServer, call_service, CallOutcome
"""

from labkit.mesh.mtls import (
    CallOutcome,
    CertificateAuthority,
    MutualTLSServer,
    ServiceIdentity,
    call_service,
)
from labkit.mesh.outlier import OutlierDetector, run_outlier_detection
from labkit.mesh.routing import CanaryController, CanaryStep, WeightedRouter, run_canary
from labkit.mesh.storm import RETRY_POLICIES, StormResult, run_retry_storm
from labkit.mesh.tracing import Span, Tracer, simulate_trace

__all__ = [
    # routing
    "CanaryController", "CanaryStep", "WeightedRouter", "run_canary",
    # outlier detection
    "OutlierDetector", "run_outlier_detection",
    # retry storms
    "RETRY_POLICIES", "StormResult", "run_retry_storm",
    # tracing
    "Span", "Tracer", "simulate_trace",
    # mutual TLS
    "CallOutcome", "CertificateAuthority", "MutualTLSServer", "ServiceIdentity", "call_service",
]
