"""The cache layers as a template (notebook 12): a CloudFront cache policy and distribution at
the edge, ElastiCache Serverless (Valkey) for cache-aside, and DAX in front of DynamoDB.

Built from the settings the notebook explores: the TTL becomes the cache policy's default TTL
and DAX's item and query TTLs; the cache size (entries of a given size) becomes ElastiCache's
storage limit through :func:`labkit.caching.cache_memory_gib`.
"""

from __future__ import annotations

import math
from typing import Any

from labkit.core.validation import check_int, check_nonnegative, check_positive
from labkit.deploy.limits import require_at_most
from labkit.deploy.template import Template, get_att, ref

__all__ = ["cache_layers_template"]


def cache_layers_template(*, ttl_s: float = 10.0, cache_entries: int = 100_000,
                          item_bytes: float = 1_000.0, dax_nodes: int = 3) -> Template:
    """CloudFront + ElastiCache Serverless + DAX with the notebook's TTL and cache size.

    Refused: a TTL above CloudFront's maximum TTL.

    >>> t = cache_layers_template(ttl_s=30, cache_entries=1_000_000)
    >>> t.resources["EdgeCachePolicy"]["Properties"]["CachePolicyConfig"]["DefaultTTL"]
    30
    >>> t.resources["DaxParameters"]["Properties"]["ParameterNameValues"]["record-ttl-millis"]
    '30000'
    >>> t.resources["Cache"]["Properties"]["CacheUsageLimits"]["DataStorage"]["Maximum"]
    2
    """
    from labkit.caching import cache_memory_gib

    ttl = check_nonnegative("ttl_s", ttl_s)
    max_ttl = require_at_most("ttl_s", ttl, "cloudfront_cache_policy_max_ttl_default_s")
    entries = check_int("cache_entries", cache_entries, minimum=1)
    size = check_positive("item_bytes", item_bytes)
    nodes = check_int("dax_nodes", dax_nodes, minimum=1, maximum=11)
    gib = cache_memory_gib(entries, size)
    storage_gb = max(1, math.ceil(gib * 2**30 / 1e9))
    ttl_int = int(math.ceil(max_ttl))
    ttl_ms = str(int(round(ttl * 1000)))
    res: dict[str, Any] = {
        "EdgeCachePolicy": {"Type": "AWS::CloudFront::CachePolicy", "Properties": {
            "CachePolicyConfig": {
                "Name": "lab-edge-ttl", "DefaultTTL": ttl_int, "MinTTL": 0,
                "MaxTTL": max(ttl_int, 31_536_000),
                "ParametersInCacheKeyAndForwardedToOrigin": {
                    "EnableAcceptEncodingGzip": True, "EnableAcceptEncodingBrotli": True,
                    "CookiesConfig": {"CookieBehavior": "none"},
                    "HeadersConfig": {"HeaderBehavior": "none"},
                    "QueryStringsConfig": {"QueryStringBehavior": "all"}}}}},
        "Distribution": {"Type": "AWS::CloudFront::Distribution", "Properties": {
            "DistributionConfig": {
                "Enabled": True, "HttpVersion": "http2and3",
                "Origins": [{"Id": "api", "DomainName": ref("OriginDomainName"),
                             "CustomOriginConfig": {"OriginProtocolPolicy": "https-only"}}],
                "DefaultCacheBehavior": {
                    "TargetOriginId": "api", "ViewerProtocolPolicy": "redirect-to-https",
                    "CachePolicyId": ref("EdgeCachePolicy")}}}},
        "Cache": {"Type": "AWS::ElastiCache::ServerlessCache", "Properties": {
            "ServerlessCacheName": "lab-cache", "Engine": "valkey",
            "SubnetIds": ref("SubnetIds"), "SecurityGroupIds": [ref("CacheSecurityGroup")],
            "CacheUsageLimits": {"DataStorage": {"Maximum": storage_gb, "Unit": "GB"}}}},
        "CacheSecurityGroup": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "Clients of the cache", "VpcId": ref("VpcId")}},
        "DaxRole": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "dax.amazonaws.com"},
                "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "read-write-table", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow",
                    "Action": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
                               "dynamodb:Scan", "dynamodb:PutItem", "dynamodb:UpdateItem",
                               "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
                               "dynamodb:DescribeTable"],
                    "Resource": get_att("Table", "Arn")}]}}]}},
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}},
        "DaxParameters": {"Type": "AWS::DAX::ParameterGroup", "Properties": {
            "Description": "Item and query cache TTLs from the lab",
            "ParameterNameValues": {"record-ttl-millis": ttl_ms, "query-ttl-millis": ttl_ms}}},
        "DaxSubnets": {"Type": "AWS::DAX::SubnetGroup", "Properties": {
            "SubnetIds": ref("SubnetIds")}},
        "Dax": {"Type": "AWS::DAX::Cluster", "Properties": {
            "NodeType": "dax.t3.small", "ReplicationFactor": nodes,
            "IAMRoleARN": get_att("DaxRole", "Arn"),
            "ParameterGroupName": ref("DaxParameters"), "SubnetGroupName": ref("DaxSubnets"),
            "SecurityGroupIds": [ref("CacheSecurityGroup")],
            "SSESpecification": {"SSEEnabled": True},
            "ClusterEndpointEncryptionType": "TLS"}},
    }
    return Template(
        "cache-layers",
        "Cache layers: CloudFront cache policy at the edge, ElastiCache Serverless (Valkey) for "
        "cache-aside, DAX in front of DynamoDB. Generated by labkit.deploy.",
        res,
        parameters={
            "VpcId": {"Type": "AWS::EC2::VPC::Id"},
            "SubnetIds": {"Type": "List<AWS::EC2::Subnet::Id>"},
            "OriginDomainName": {"Type": "String",
                                 "Description": "Domain name of the API the edge caches"}},
        cost_drivers=(
            "CloudFront: per GB to viewers and per 10,000 requests (hits and misses alike) on "
            "pay-as-you-go; or a flat-rate pricing plan (a fixed monthly price instead)",
            f"ElastiCache Serverless: per GB-hour stored (limit {storage_gb} GB here, with a "
            "minimum billed per hour) and per million ECPUs",
            f"DAX: {nodes} dax.t3.small node(s) per node-hour, whatever the hit ratio",
            "DynamoDB on demand: only the misses reach the table",
        ))
