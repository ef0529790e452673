"""cfn-lint over the lab's templates, offline and in one process.

:func:`lint_template` decodes the template's YAML text with cfn-lint's own decoder and runs every
default rule (for ``AWS::StepFunctions::StateMachine`` that includes cfn-lint's States Language
schema, a second opinion on :func:`labkit.workflows.validate_definition`). An AWS SAM template is
checked twice: as written (cfn-lint's SAM schemas), then after ``aws-sam-translator`` has
transformed it into the plain CloudFormation that ``sam deploy`` would submit.

cfn-lint: https://github.com/aws-cloudformation/cfn-lint ; the SAM transform:
https://github.com/aws/serverless-application-model
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from labkit.deploy.template import Template

__all__ = ["LintFinding", "LintReport", "lint_template", "sam_transform"]

#: cfn-lint rule-id prefixes: E errors, W warnings, I informational.
LEVELS = {"E": "error", "W": "warning", "I": "informational"}


@dataclass(frozen=True)
class LintFinding:
    """One cfn-lint finding: the rule, its level, where, and the message.

    ``stage`` is ``"template"`` (the template as written) or ``"transformed"`` (after the SAM
    transform); ``accepted`` is the template's reason for accepting it, or ``""``.
    """

    rule: str
    level: str
    path: str
    message: str
    stage: str
    accepted: str = ""


@dataclass(frozen=True)
class LintReport:
    """All findings for one template."""

    template: str
    findings: tuple[LintFinding, ...]

    @property
    def errors(self) -> tuple[LintFinding, ...]:
        """Errors not accepted by the template (these fail the check)."""
        return tuple(f for f in self.findings if f.level == "error" and not f.accepted)

    @property
    def warnings(self) -> tuple[LintFinding, ...]:
        return tuple(f for f in self.findings if f.level == "warning")

    @property
    def ok(self) -> bool:
        """No error, and every warning is accepted with a reason."""
        return not self.errors and all(f.accepted for f in self.warnings)


@lru_cache(maxsize=4)
def _runner(regions: tuple[str, ...]):
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner.cli import Runner

    return Runner(ConfigMixIn(regions=list(regions)))


def _offline_code_uris(node: Any) -> Any:
    """Local ``CodeUri`` paths become S3 locations (``sam deploy`` uploads them; the transform
    alone only needs their shape)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "CodeUri" and isinstance(value, str) and not value.startswith("s3://"):
                value = {"Bucket": "lab-packaged-artifacts", "Key": value.strip("/") + ".zip"}
            out[key] = _offline_code_uris(value)
        return out
    if isinstance(node, list):
        return [_offline_code_uris(v) for v in node]
    return node


def sam_transform(template: Template | dict, *, region: str = "us-east-1") -> dict[str, Any]:
    """The plain CloudFormation that an AWS SAM template becomes, transformed offline with
    ``aws-sam-translator`` (the library the SAM CLI and CloudFormation use).

    The lab's templates name IAM policies by ARN or by SAM policy template, so the transform
    needs no managed-policy lookup; the Region is given, not read from a configuration.
    """
    import boto3
    from samtranslator.metrics.metrics import DummyMetricsPublisher, Metrics
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    data = template.to_dict() if isinstance(template, Template) else copy.deepcopy(template)
    session = boto3.session.Session(region_name=region)
    metrics = Metrics("ServerlessTransform", DummyMetricsPublisher())
    translator = Translator(managed_policy_map={}, sam_parser=Parser(), boto_session=session,
                            metrics=metrics)
    out = translator.translate(sam_template=_offline_code_uris(data), parameter_values={})
    metrics.publish()
    return out


def _findings(text: str, regions: tuple[str, ...], stage: str,
              ignores: dict[str, str]) -> list[LintFinding]:
    from cfnlint.decode.decode import decode_str

    decoded, errors = decode_str(text)
    matches = list(errors) if errors else list(_runner(regions).validate_template(decoded))
    out = []
    for m in matches:
        rule = m.rule.id
        path = "/".join(str(p) for p in (m.path or ()))
        out.append(LintFinding(rule, LEVELS.get(rule[0], "error"), path, m.message, stage,
                               ignores.get(rule, "")))
    return out


def lint_template(template: Template, *, regions: tuple[str, ...] = ("us-east-1",)) -> LintReport:
    """Run cfn-lint over ``template`` (and over its SAM transform when it is a SAM template).

    >>> from labkit.deploy.template import Template
    >>> bad = Template("bad", "a queue with a wrong property",
    ...                {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"Visibility": 5}}})
    >>> [f.rule for f in lint_template(bad).errors]
    ['E3002']
    """
    if not isinstance(template, Template):
        raise TypeError(f"template must be a labkit.deploy.Template, got {type(template).__name__}")
    regions = tuple(regions)
    findings = _findings(template.to_yaml(), regions, "template", template.lint_ignores)
    if template.sam:
        transformed = json.dumps(sam_transform(template, region=regions[0]), indent=1)
        findings += _findings(transformed, regions, "transformed", template.lint_ignores)
    return LintReport(template.name, tuple(findings))
