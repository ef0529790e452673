"""A CloudFormation / AWS SAM template built from the lab's model objects.

:class:`Template` holds the resources as plain dicts (CloudFormation's own property names), so a
template is data: the same object renders as YAML for ``sam deploy`` /
``aws cloudformation deploy``, renders one fragment for a notebook, lists its cost drivers and goes
through cfn-lint (:mod:`labkit.deploy.lint`). Intrinsic functions use the long form
(``{"Ref": ...}``, ``{"Fn::GetAtt": [...]}``, ``{"Fn::Sub": ...}``) so a safe YAML emitter can
write them.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SAM_TRANSFORM", "Template", "get_att", "items_of", "logical_id", "ref", "sub",
           "to_yaml"]

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
_LOGICAL_ID = re.compile(r"[A-Za-z0-9]{1,255}")


def logical_id(*parts: str) -> str:
    """A CloudFormation logical id (letters and digits) from names in the lab's vocabulary.

    >>> logical_id("analyst-eu", "orders", "Grant")
    'AnalystEuOrdersGrant'
    """
    return "".join(p[:1].upper() + p[1:] for part in parts
                   for p in re.split(r"[^A-Za-z0-9]+", part) if p)


def items_of(name: str, items: Any, kind: type) -> list[Any]:
    """``items`` as a non-empty list of ``kind`` objects, or the error naming ``name``."""
    items = list(items)
    if not items:
        raise ValueError(f"{name} must hold at least one {kind.__name__}")
    for item in items:
        if not isinstance(item, kind):
            raise TypeError(f"{name} must hold {kind.__name__} objects, got "
                            f"{type(item).__name__}")
    return items


def ref(name: str) -> dict[str, str]:
    """``{"Ref": name}``."""
    return {"Ref": name}


def get_att(name: str, attribute: str) -> dict[str, list[str]]:
    """``{"Fn::GetAtt": [name, attribute]}``."""
    return {"Fn::GetAtt": [name, attribute]}


def sub(text: str) -> dict[str, str]:
    """``{"Fn::Sub": text}``."""
    return {"Fn::Sub": text}


def to_yaml(data: Any) -> str:
    """YAML text for ``data`` (PyYAML's safe emitter, keys in the order given).

    >>> print(to_yaml({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}), end="")
    Resources:
      Queue:
        Type: AWS::SQS::Queue
    """
    import yaml

    class _NoAliases(yaml.SafeDumper):
        # CloudFormation rejects YAML anchors and aliases, which PyYAML writes for a value
        # that appears twice (the same dict object in two places).
        def ignore_aliases(self, data: Any) -> bool:
            return True

    return yaml.dump(data, Dumper=_NoAliases, sort_keys=False, default_flow_style=False,
                     width=100, allow_unicode=True)


@dataclass
class Template:
    """A deployable template for one pattern.

    Parameters
    ----------
    name : str
        Stack name (letters, digits and hyphens).
    description : str
        The template's ``Description`` (at most 1024 characters, a CloudFormation rule).
    resources : dict
        Logical id -> resource dict (``{"Type": ..., "Properties": ...}``).
    parameters, outputs : dict
        Template parameters and outputs.
    sam : bool
        True for an AWS SAM template (``Transform: AWS::Serverless-2016-10-31``).
    cost_drivers : tuple of str
        What this stack is billed for, in words (shown next to the template in the notebooks).
    lint_ignores : dict
        cfn-lint rule id -> why the finding is accepted for this template; a finding of a rule
        listed here is reported as accepted, never hidden.

    Examples
    --------
    >>> t = Template("demo", "A queue", {"Queue": {"Type": "AWS::SQS::Queue"}})
    >>> t.to_dict()["Resources"]["Queue"]["Type"]
    'AWS::SQS::Queue'
    >>> t.deploy_command().split()[:3]
    ['aws', 'cloudformation', 'deploy']
    """

    name: str
    description: str
    resources: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    sam: bool = False
    cost_drivers: tuple[str, ...] = ()
    lint_ignores: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]{0,127}",
                                                              self.name):
            raise ValueError(f"name must be a stack name (a letter, then letters, digits or "
                             f"hyphens, at most 128 characters), got {self.name!r}")
        if not isinstance(self.description, str) or len(self.description) > 1024:
            raise ValueError("description must be a string of at most 1024 characters")
        if not self.resources:
            raise ValueError("resources must hold at least one resource")
        for logical_id, resource in self.resources.items():
            if not _LOGICAL_ID.fullmatch(logical_id):
                raise ValueError(f"logical id {logical_id!r} must be 1-255 letters and digits")
            if not isinstance(resource, dict) or "Type" not in resource:
                raise ValueError(f"resource {logical_id!r} must be a dict with a 'Type'")

    def to_dict(self) -> dict[str, Any]:
        """The template as a dict (a deep copy: changing it leaves this object alone)."""
        out: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09"}
        if self.sam:
            out["Transform"] = SAM_TRANSFORM
        out["Description"] = self.description
        if self.parameters:
            out["Parameters"] = self.parameters
        out["Resources"] = self.resources
        if self.outputs:
            out["Outputs"] = self.outputs
        return copy.deepcopy(out)

    def to_yaml(self) -> str:
        """The whole template as YAML, ready for ``sam deploy`` / ``aws cloudformation deploy``."""
        return to_yaml(self.to_dict())

    def to_json(self) -> str:
        """The whole template as JSON."""
        return json.dumps(self.to_dict(), indent=2)

    def fragment(self, *logical_ids: str) -> str:
        """YAML of the named resources only (all of them when none are named): what a notebook
        shows next to the settings the learner just explored."""
        ids = logical_ids or tuple(self.resources)
        unknown = [i for i in ids if i not in self.resources]
        if unknown:
            raise ValueError(f"unknown logical id(s) {unknown}; known: {list(self.resources)}")
        return to_yaml({"Resources": {i: copy.deepcopy(self.resources[i]) for i in ids}})

    def resources_of_type(self, resource_type: str) -> dict[str, Any]:
        """Logical id -> resource for every resource of ``resource_type``."""
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}

    def state_machine_definitions(self) -> dict[str, dict]:
        """Logical id -> States Language definition of every state machine in the template."""
        return {k: v["Properties"]["Definition"]
                for k, v in self.resources_of_type("AWS::StepFunctions::StateMachine").items()}

    def deploy_command(self, template_file: str = "template.yaml") -> str:
        """The command that would deploy this stack (the lab never runs it)."""
        params = " ".join(f"{p}=<{p}>" for p, spec in self.parameters.items()
                          if "Default" not in spec)
        overrides = f" --parameter-overrides {params}" if params else ""
        if self.sam:
            return (f"sam deploy --template-file {template_file} --stack-name {self.name} "
                    f"--capabilities CAPABILITY_IAM --resolve-s3{overrides}")
        return (f"aws cloudformation deploy --template-file {template_file} "
                f"--stack-name {self.name} --capabilities CAPABILITY_IAM{overrides}")
