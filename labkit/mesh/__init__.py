"""Service mesh: what a sidecar proxy (Envoy) does for every call.

Routing (pure logic and a seeded rollout)
    WeightedRouter, CanaryController, CanaryStep, run_canary
Outlier detection (pure, clock-injected; Envoy semantics)
    OutlierDetector, run_outlier_detection
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
from labkit.mesh.tracing import Span, Tracer, simulate_trace

__all__ = [
    # routing
    "CanaryController", "CanaryStep", "WeightedRouter", "run_canary",
    # outlier detection
    "OutlierDetector", "run_outlier_detection",
    # tracing
    "Span", "Tracer", "simulate_trace",
    # mutual TLS
    "CallOutcome", "CertificateAuthority", "MutualTLSServer", "ServiceIdentity", "call_service",
]
