"""Which Region a request really goes to (``aws:RequestedRegion``).

Global single-endpoint services are called in **us-east-1** whatever Region the caller works in
(IAM, Organizations, Route 53, CloudFront, Support); a few go to **us-west-2** (Device Farm,
Amazon Q Developer in chat applications, formerly Chatbot). That is why Region-deny SCPs carry a
long ``NotAction`` list of global services.

STS is no longer one of them from most Regions: requests to its global endpoint
(``sts.amazonaws.com``) are served in the caller's own Region when that Region is enabled by
default, and still in us-east-1 from opt-in Regions
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_region-endpoints.html).
The model sends an STS call to the Region that serves it; that page does not say which Region
``aws:RequestedRegion`` names for such a call, which is one more reason to keep ``sts:*`` in the
``NotAction`` list.
"""

from __future__ import annotations

__all__ = ["DEFAULT_REGIONS", "GLOBAL_SERVICE_REGIONS", "requested_region"]

#: service prefix -> the Region its global endpoint lives in.
GLOBAL_SERVICE_REGIONS: dict[str, str] = {
    "iam": "us-east-1",
    "organizations": "us-east-1",
    "route53": "us-east-1",
    "cloudfront": "us-east-1",
    "support": "us-east-1",
    "devicefarm": "us-west-2",
    "chatbot": "us-west-2",
}

#: Regions enabled by default (launched before 20 March 2019); every later Region is opt-in
#: (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html).
DEFAULT_REGIONS: frozenset[str] = frozenset({
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
    "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1",
    "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-1", "ap-southeast-2",
})

#: Where the STS global endpoint serves requests that come from an opt-in Region.
_STS_GLOBAL_ENDPOINT_HOME = "us-east-1"


def requested_region(action: str, region: str) -> str:
    """The Region that serves ``action`` called by someone working in ``region``.

    >>> requested_region("iam:CreateRole", "eu-west-1"), requested_region("s3:GetObject",
    ...                                                                    "eu-west-1")
    ('us-east-1', 'eu-west-1')
    >>> requested_region("sts:AssumeRole", "ap-southeast-2")   # enabled by default
    'ap-southeast-2'
    >>> requested_region("sts:AssumeRole", "af-south-1")       # opt-in Region
    'us-east-1'
    """
    if not isinstance(action, str) or ":" not in action:
        raise ValueError(f"action must look like 'service:ActionName', got {action!r}")
    service = action.split(":", 1)[0].lower()
    if service == "sts":
        return region if region in DEFAULT_REGIONS else _STS_GLOBAL_ENDPOINT_HOME
    return GLOBAL_SERVICE_REGIONS.get(service, region)
