"""Service mesh: what a sidecar proxy (Envoy) does for every call. Figures for the notebook are
in :mod:`labkit.mesh.plots`.

Every model runs as configuration -> run -> result with ``.records`` and ``.summary()``.

Routing (pure logic and a seeded rollout)
    WeightedRouter, CanaryController, CanaryStep, CanaryConfig, run_canary, CanaryResult
Outlier detection (pure, clock-injected; Envoy semantics)
    OutlierDetection, OutlierDetector, OutlierConfig, run_outlier_detection, OutlierResult
Retry storms (SimPy)
    StormConfig, run_retry_storm, StormResult, RETRY_POLICIES
Tracing
    Span, Tracer, TraceConfig, simulate_trace, TraceResult
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
from labkit.mesh.outlier import (
    OutlierConfig,
    OutlierDetection,
    OutlierDetector,
    OutlierResult,
    run_outlier_detection,
)
from labkit.mesh.routing import (
    CanaryConfig,
    CanaryController,
    CanaryResult,
    CanaryStep,
    WeightedRouter,
    run_canary,
)
from labkit.mesh.storm import RETRY_POLICIES, StormConfig, StormResult, run_retry_storm
from labkit.mesh.tracing import Span, TraceConfig, Tracer, TraceResult, simulate_trace

__all__ = [
    # routing
    "CanaryConfig", "CanaryController", "CanaryResult", "CanaryStep", "WeightedRouter",
    "run_canary",
    # outlier detection
    "OutlierConfig", "OutlierDetection", "OutlierDetector", "OutlierResult",
    "run_outlier_detection",
    # retry storms
    "RETRY_POLICIES", "StormConfig", "StormResult", "run_retry_storm",
    # tracing
    "Span", "TraceConfig", "TraceResult", "Tracer", "simulate_trace",
    # mutual TLS
    "CallOutcome", "CertificateAuthority", "MutualTLSServer", "ServiceIdentity", "call_service",
]
