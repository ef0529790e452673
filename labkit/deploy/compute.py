"""Containers behind an API: the microservices stack (notebook 01) and ECS Service Connect in
place of a service mesh (notebook 02).

Both are built from the lab's :class:`labkit.microservices.ServiceSpec` objects: one ECS service
on Fargate per microservice, with as many tasks as the spec has workers, and the store the spec
names (DynamoDB for a key-value store, Aurora Serverless v2 for a relational one), so each
service owns its data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from labkit.core.validation import check_int, check_positive
from labkit.deploy.limits import require_at_most
from labkit.deploy.template import Template, get_att, items_of, logical_id, ref, sub

__all__ = ["microservices_template", "service_connect_template"]

CONTAINER_PORT = 8080


def _services(services: Sequence[Any] | None):
    from labkit.microservices import ORDER_SERVICE, PRODUCT_SERVICE, USER_SERVICE, ServiceSpec

    services = (USER_SERVICE, ORDER_SERVICE, PRODUCT_SERVICE) if services is None else services
    return items_of("services", services, ServiceSpec)


def _network_parameters(services) -> dict[str, Any]:
    params: dict[str, Any] = {
        "VpcId": {"Type": "AWS::EC2::VPC::Id", "Description": "VPC for the services"},
        "SubnetIds": {"Type": "List<AWS::EC2::Subnet::Id>",
                      "Description": "Private subnets (two or more Availability Zones)"},
    }
    for s in services:
        params[f"{logical_id(s.name)}Image"] = {
            "Type": "String", "Description": f"Container image of the {s.name} service"}
    return params


def _execution_role() -> dict[str, Any]:
    return {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole"}]},
        "ManagedPolicyArns": [
            "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]}}


def _task_definition(spec, *, port_name: str | None = None) -> dict[str, Any]:
    mapping: dict[str, Any] = {"ContainerPort": CONTAINER_PORT, "Protocol": "tcp"}
    if port_name:
        mapping.update({"Name": port_name, "AppProtocol": "http"})
    return {"Type": "AWS::ECS::TaskDefinition", "Properties": {
        "Family": spec.name, "RequiresCompatibilities": ["FARGATE"], "NetworkMode": "awsvpc",
        "Cpu": "256", "Memory": "512",
        "ExecutionRoleArn": get_att("TaskExecutionRole", "Arn"),
        "ContainerDefinitions": [{
            "Name": spec.name, "Image": ref(f"{logical_id(spec.name)}Image"), "Essential": True,
            "PortMappings": [mapping]}]}}


def _store_resources(spec) -> dict[str, Any]:
    """The resources of the store a service owns."""
    title = logical_id(spec.name)
    if spec.store.kind == "key-value":
        return {f"{title}Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}}}}
    return {
        f"{title}DbSubnets": {"Type": "AWS::RDS::DBSubnetGroup", "Properties": {
            "DBSubnetGroupDescription": f"{spec.name} database subnets",
            "SubnetIds": ref("SubnetIds")}},
        f"{title}Database": {"Type": "AWS::RDS::DBCluster", "DeletionPolicy": "Snapshot",
                             "UpdateReplacePolicy": "Snapshot", "Properties": {
            "Engine": "aurora-postgresql", "DatabaseName": spec.name,
            "MasterUsername": "lab_admin", "ManageMasterUserPassword": True,
            "StorageEncrypted": True, "DBSubnetGroupName": ref(f"{title}DbSubnets"),
            "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 4}}},
        f"{title}DatabaseInstance": {"Type": "AWS::RDS::DBInstance", "Properties": {
            "Engine": "aurora-postgresql", "DBClusterIdentifier": ref(f"{title}Database"),
            "DBInstanceClass": "db.serverless"}},
    }


def microservices_template(gateway: Any = None, services: Sequence[Any] | None = None, *,
                           throttle_rate_rps: float = 1000.0,
                           throttle_burst: int = 500) -> Template:
    """ECS services on Fargate behind an API Gateway HTTP API, one route per gateway prefix.

    ``gateway`` is a :class:`labkit.microservices.ApiGateway` (default: the notebook's
    ``/users``, ``/orders``, ``/products``); every service it routes to must be in ``services``.
    The HTTP API reaches the tasks through a VPC link and Cloud Map (each ECS service registers
    its tasks). ``throttle_rate_rps``/``throttle_burst`` are the stage's default route throttle,
    refused above the account's throttle.

    >>> t = microservices_template()
    >>> sorted(t.resources_of_type("AWS::ECS::Service"))
    ['OrderService', 'ProductService', 'UserService']
    >>> t.resources["OrdersRoute"]["Properties"]["RouteKey"]
    'ANY /orders/{proxy+}'
    """
    from labkit.microservices import ApiGateway, default_gateway

    gateway = default_gateway() if gateway is None else gateway
    if not isinstance(gateway, ApiGateway):
        raise TypeError(f"gateway must be an ApiGateway, got {type(gateway).__name__}")
    specs = _services(services)
    by_name = {s.name: s for s in specs}
    missing = sorted(set(gateway.routes.values()) - set(by_name))
    if missing:
        raise ValueError(f"gateway routes to {missing}, which services does not hold; "
                         f"services: {sorted(by_name)}")
    rate = require_at_most("throttle_rate_rps", check_positive("throttle_rate_rps",
                                                               throttle_rate_rps),
                           "apigateway_account_throttle_rps")
    burst = require_at_most("throttle_burst", check_int("throttle_burst", throttle_burst,
                                                        minimum=0), "apigateway_account_burst")
    res: dict[str, Any] = {
        "Cluster": {"Type": "AWS::ECS::Cluster", "Properties": {
            "ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}]}},
        "Namespace": {"Type": "AWS::ServiceDiscovery::PrivateDnsNamespace", "Properties": {
            "Name": "shop.internal", "Vpc": ref("VpcId")}},
        "TaskExecutionRole": _execution_role(),
        "VpcLinkSecurityGroup": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "API Gateway VPC link", "VpcId": ref("VpcId")}},
        "ServiceSecurityGroup": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "Service tasks: only the VPC link reaches them",
            "VpcId": ref("VpcId"),
            "SecurityGroupIngress": [{
                "IpProtocol": "tcp", "FromPort": CONTAINER_PORT, "ToPort": CONTAINER_PORT,
                "SourceSecurityGroupId": ref("VpcLinkSecurityGroup")}]}},
        "HttpApi": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {
            "Name": "shop-api", "ProtocolType": "HTTP"}},
        "VpcLink": {"Type": "AWS::ApiGatewayV2::VpcLink", "Properties": {
            "Name": "shop-services", "SubnetIds": ref("SubnetIds"),
            "SecurityGroupIds": [ref("VpcLinkSecurityGroup")]}},
        "DefaultStage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {
            "ApiId": ref("HttpApi"), "StageName": "$default", "AutoDeploy": True,
            "DefaultRouteSettings": {"ThrottlingRateLimit": rate,
                                     "ThrottlingBurstLimit": int(burst)}}},
    }
    for s in specs:
        title = logical_id(s.name)
        res[f"{title}TaskDefinition"] = _task_definition(s)
        res[f"{title}Discovery"] = {"Type": "AWS::ServiceDiscovery::Service", "Properties": {
            "Name": s.name, "NamespaceId": get_att("Namespace", "Id"),
            "DnsConfig": {"DnsRecords": [{"Type": "SRV", "TTL": 10}]}}}
        res[f"{title}Service"] = {"Type": "AWS::ECS::Service", "Properties": {
            "Cluster": ref("Cluster"), "LaunchType": "FARGATE", "DesiredCount": s.workers,
            "TaskDefinition": ref(f"{title}TaskDefinition"),
            "NetworkConfiguration": {"AwsvpcConfiguration": {
                "Subnets": ref("SubnetIds"), "SecurityGroups": [ref("ServiceSecurityGroup")],
                "AssignPublicIp": "DISABLED"}},
            "ServiceRegistries": [{"RegistryArn": get_att(f"{title}Discovery", "Arn"),
                                   "Port": CONTAINER_PORT}]}}
        res.update(_store_resources(s))
    for prefix, service in gateway.routes.items():
        rid = logical_id(prefix.strip("/").replace("/", "-")) or "Root"
        res[f"{rid}Integration"] = {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {
            "ApiId": ref("HttpApi"), "IntegrationType": "HTTP_PROXY",
            "IntegrationMethod": "ANY", "ConnectionType": "VPC_LINK",
            "ConnectionId": ref("VpcLink"),
            "IntegrationUri": get_att(f"{logical_id(service)}Discovery", "Arn"),
            "PayloadFormatVersion": "1.0"}}
        res[f"{rid}Route"] = {"Type": "AWS::ApiGatewayV2::Route", "Properties": {
            "ApiId": ref("HttpApi"), "RouteKey": f"ANY {prefix.rstrip('/')}/{{proxy+}}",
            "Target": sub(f"integrations/${{{rid}Integration}}")}}
    drivers = (
        f"Fargate: {sum(s.workers for s in specs)} tasks of 0.25 vCPU and 0.5 GB, billed per "
        "vCPU-hour and GB-hour while they run",
        "API Gateway HTTP API: per million requests",
        "DynamoDB on demand: per million read and write request units, plus storage",
        "Aurora Serverless v2: per ACU-hour (this template's minimum is 0.5 ACU; 0 with "
        "auto-pause on engine versions that support it) plus storage and I/O",
    )
    return Template(
        "shop-microservices",
        "Microservices on ECS Fargate behind an API Gateway HTTP API (VPC link + Cloud Map); "
        "each service owns its store. Generated by labkit.deploy from the lab's ServiceSpec "
        "objects.",
        res, parameters=_network_parameters(specs),
        outputs={"ApiEndpoint": {"Value": get_att("HttpApi", "ApiEndpoint")}},
        cost_drivers=drivers)


def service_connect_template(services: Sequence[Any] | None = None, *, tasks_per_service: int = 5,
                             per_request_timeout_s: float = 15.0,
                             idle_timeout_s: float = 300.0) -> Template:
    """The same services on ECS Service Connect, the replacement AWS names for App Mesh on ECS.

    Service Connect runs an Envoy proxy in every task: clients call ``http://<service>:8080``,
    and the proxy balances, retries and ejects outlier tasks (automatic, not configurable) and
    applies ``per_request_timeout_s`` / ``idle_timeout_s`` (the notebook's per-try timeout).
    ``tasks_per_service`` is the notebook's hosts per cluster. Deployments use the ECS
    deployment circuit breaker, which rolls a failing deployment back (the canary's rollback).

    >>> t = service_connect_template(per_request_timeout_s=2)
    >>> cfg = t.resources["OrderService"]["Properties"]["ServiceConnectConfiguration"]
    >>> cfg["Services"][0]["Timeout"]["PerRequestTimeoutSeconds"]
    2
    """
    specs = _services(services)
    tasks = check_int("tasks_per_service", tasks_per_service, minimum=1, maximum=5000)
    per_request = math.ceil(check_positive("per_request_timeout_s", per_request_timeout_s))
    idle = math.ceil(check_positive("idle_timeout_s", idle_timeout_s))
    res: dict[str, Any] = {
        "Namespace": {"Type": "AWS::ServiceDiscovery::HttpNamespace", "Properties": {
            "Name": "shop"}},
        "Cluster": {"Type": "AWS::ECS::Cluster", "Properties": {
            "ServiceConnectDefaults": {"Namespace": get_att("Namespace", "Arn")}}},
        "TaskExecutionRole": _execution_role(),
        "ServiceSecurityGroup": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "Service Connect tasks", "VpcId": ref("VpcId")}},
        "ServiceSecurityGroupSelfIngress": {"Type": "AWS::EC2::SecurityGroupIngress",
                                            "Properties": {
            "GroupId": ref("ServiceSecurityGroup"), "IpProtocol": "tcp",
            "FromPort": CONTAINER_PORT, "ToPort": CONTAINER_PORT,
            "SourceSecurityGroupId": ref("ServiceSecurityGroup")}},
    }
    for s in specs:
        title = logical_id(s.name)
        res[f"{title}TaskDefinition"] = _task_definition(s, port_name="http")
        res[f"{title}Service"] = {"Type": "AWS::ECS::Service", "Properties": {
            "Cluster": ref("Cluster"), "LaunchType": "FARGATE", "DesiredCount": tasks,
            "TaskDefinition": ref(f"{title}TaskDefinition"),
            "NetworkConfiguration": {"AwsvpcConfiguration": {
                "Subnets": ref("SubnetIds"), "SecurityGroups": [ref("ServiceSecurityGroup")],
                "AssignPublicIp": "DISABLED"}},
            "DeploymentConfiguration": {
                "MinimumHealthyPercent": 100, "MaximumPercent": 200,
                "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True}},
            "ServiceConnectConfiguration": {
                "Enabled": True, "Namespace": get_att("Namespace", "Arn"),
                "Services": [{"PortName": "http", "DiscoveryName": s.name,
                              "ClientAliases": [{"Port": CONTAINER_PORT, "DnsName": s.name}],
                              "Timeout": {"PerRequestTimeoutSeconds": per_request,
                                          "IdleTimeoutSeconds": idle}}]}}}
    params = _network_parameters(specs)
    return Template(
        "shop-service-connect",
        "ECS Service Connect (Envoy proxies managed by ECS) for the shop's services, replacing "
        "an App Mesh virtual service per microservice. Generated by labkit.deploy.",
        res, parameters=params,
        cost_drivers=(
            f"Fargate: {tasks * len(specs)} tasks; the Service Connect proxy runs inside each "
            "task and uses part of its CPU and memory (no separate charge)",
            "Cloud Map HTTP namespace: per registered instance and per million discovery calls",
            "CloudWatch: Service Connect metrics per service",
        ))

