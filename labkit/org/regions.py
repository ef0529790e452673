"""Which Region a request really goes to (``aws:RequestedRegion``).

Global single-endpoint services are called in **us-east-1** whatever Region the caller works in
(IAM, Organizations, Route 53, CloudFront, Support, STS on its global endpoint); a few go to
**us-west-2** (Device Farm, Amazon Q Developer in chat applications, formerly Chatbot). That is
why Region-deny SCPs carry a long ``NotAction`` list of global services.
"""

from __future__ import annotations

__all__ = ["GLOBAL_SERVICE_REGIONS", "requested_region"]

#: service prefix -> the Region its global endpoint lives in.
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


def requested_region(action: str, region: str) -> str:
    """``aws:RequestedRegion`` for ``action`` called by someone working in ``region``.

    >>> requested_region("iam:CreateRole", "eu-west-1"), requested_region("s3:GetObject",
    ...                                                                    "eu-west-1")
    ('us-east-1', 'eu-west-1')
    """
    if not isinstance(action, str) or ":" not in action:
        raise ValueError(f"action must look like 'service:ActionName', got {action!r}")
    return GLOBAL_SERVICE_REGIONS.get(action.split(":", 1)[0].lower(), region)
