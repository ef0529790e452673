"""From simulation to deployment: the lab's model objects as AWS CloudFormation / AWS SAM
templates, checked offline with cfn-lint, and boto3 calls run against moto.

Templates (one per pattern notebook)
    microservices_template (01), service_connect_template (02), event_bus_template (03),
    event_store_template (04), saga_template (05), serverless_web_template (06),
    stream_processing_template (07), data_lake_template (08), scp_template (09),
    breaker_template (10), bulkhead_template (11), cache_layers_template (12)
Building blocks
    Template, ref, get_att, sub, to_yaml, queue_properties, breaker_definition,
    state_machine_resources, partition_projection, check_reservations
AWS limits and refusals
    aws_limit, AwsLimit, NotDeployable
Checking (``labkit.deploy.lint``; cfn-lint and aws-sam-translator are imported when used)
    lint_template, LintReport, LintFinding, sam_transform
boto3 against moto (``labkit.deploy.sandbox``)
    aws_session and the calls the notebooks show

Nothing here deploys: every function returns a template, or runs in-process against moto unless
the learner sets ``LAB_USE_REAL_AWS=1`` for the calls in ``labkit.deploy.sandbox``.
"""

from labkit.deploy.caching import cache_layers_template
from labkit.deploy.compute import microservices_template, service_connect_template
from labkit.deploy.lake import data_lake_template, partition_projection
from labkit.deploy.limits import AwsLimit, NotDeployable, aws_limit
from labkit.deploy.messaging import event_bus_template, event_store_template, queue_properties
from labkit.deploy.org import scp_template
from labkit.deploy.serverless import (
    bulkhead_template,
    check_reservations,
    serverless_web_template,
    stream_processing_template,
)
from labkit.deploy.template import Template, get_att, ref, sub, to_yaml
from labkit.deploy.workflows import (
    breaker_definition,
    breaker_template,
    saga_template,
    state_machine_resources,
)

__all__ = [
    "AwsLimit", "NotDeployable", "Template", "aws_limit", "breaker_definition",
    "breaker_template", "bulkhead_template", "cache_layers_template", "check_reservations",
    "data_lake_template", "event_bus_template", "event_store_template", "get_att",
    "microservices_template", "partition_projection", "queue_properties", "ref",
    "saga_template", "scp_template", "service_connect_template", "serverless_web_template",
    "state_machine_resources", "stream_processing_template", "sub", "to_yaml",
]
