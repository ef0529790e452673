"""Which Region a request names in ``aws:RequestedRegion``.

Global single-endpoint services are called in **us-east-1** whatever Region the caller works in
(IAM, Organizations, Route 53, CloudFront, Support, STS on its global endpoint); a few go to
**us-west-2** (Device Farm, Amazon Q Developer in chat applications, formerly Chatbot). That is
why Region-deny SCPs carry a long ``NotAction`` list of global services.

STS also has regional endpoints (``sts.<region>.amazonaws.com``); a call to one names that
Region. A call to the global endpoint ``sts.amazonaws.com`` is now often *served* in the caller's
own Region (from Regions enabled by default, when the Amazon DNS server resolves the name), but
it still carries ``aws:RequestedRegion = us-east-1`` and is logged by CloudTrail in us-east-1
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_region-endpoints.html).
Policies see the requested Region, so that is what this module returns.
"""

from __future__ import annotations

__all__ = ["GLOBAL_SERVICE_REGIONS", "STS_ENDPOINTS", "requested_region"]

#: service prefix -> the Region its global endpoint names in ``aws:RequestedRegion``.
GLOBAL_SERVICE_REGIONS: dict[str, str] = {
    "iam": "us-east-1",
    "organizations": "us-east-1",
    "route53": "us-east-1",
    "cloudfront": "us-east-1",
    "support": "us-east-1",
    "sts": "us-east-1",
    "devicefarm": "us-west-2",
    "chatbot": "us-west-2",
}

#: The STS endpoint kinds a caller can use.
STS_ENDPOINTS: tuple[str, ...] = ("global", "regional")


def requested_region(action: str, region: str, *, sts_endpoint: str = "global") -> str:
    """``aws:RequestedRegion`` for ``action`` called by someone working in ``region``.

    ``sts_endpoint`` says whether an ``sts:*`` call goes to the global endpoint (us-east-1,
    wherever it is served) or to the regional endpoint of ``region``; other actions ignore it.

    >>> requested_region("iam:CreateRole", "eu-west-1"), requested_region("s3:GetObject",
    ...                                                                    "eu-west-1")
    ('us-east-1', 'eu-west-1')
    >>> requested_region("sts:AssumeRole", "ap-southeast-2")
    'us-east-1'
    >>> requested_region("sts:AssumeRole", "ap-southeast-2", sts_endpoint="regional")
    'ap-southeast-2'
    """
    if not isinstance(action, str) or ":" not in action:
        raise ValueError(f"action must look like 'service:ActionName', got {action!r}")
    if sts_endpoint not in STS_ENDPOINTS:
        raise ValueError(f"sts_endpoint must be one of {STS_ENDPOINTS}, got {sts_endpoint!r}")
    service = action.split(":", 1)[0].lower()
    if service == "sts" and sts_endpoint == "regional":
        return region
    return GLOBAL_SERVICE_REGIONS.get(service, region)
