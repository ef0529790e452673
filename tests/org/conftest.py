"""Shared organization fixtures: a small org with Security and Workloads OUs."""

from __future__ import annotations

import pytest

from labkit.org import Organization

ADMIN = {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

MGMT, PROD, DEV, LOG = "111111111111", "222222222222", "333333333333", "444444444444"


def user(account: str, name: str = "ann") -> dict:
    return {"arn": f"arn:aws:iam::{account}:user/{name}", "type": "user", "account": account}


def role(account: str, path_name: str = "app") -> dict:
    return {"arn": f"arn:aws:iam::{account}:role/{path_name}", "type": "role", "account": account}


def root_user(account: str) -> dict:
    return {"arn": f"arn:aws:iam::{account}:root", "type": "root", "account": account}


def deny(action, resource="*", condition=None, sid=None, not_action=False) -> dict:
    st = {"Effect": "Deny", ("NotAction" if not_action else "Action"): action,
          "Resource": resource}
    if condition:
        st["Condition"] = condition
    if sid:
        st["Sid"] = sid
    return {"Version": "2012-10-17", "Statement": [st]}


def allow(action, resource="*", condition=None) -> dict:
    st = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        st["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [st]}


def make_org(root_scps=None, workloads_scps=None, prod_scps=None, policies=None,
             security_scps=None, quotas="documented") -> Organization:
    def node(kind, node_id, name, scps, children=(), **extra):
        d = {"type": kind, "id": node_id, "name": name, "children": list(children), **extra}
        if scps is not None:
            d["scps"] = scps
        return d

    tree = {"org_id": "o-abcd1234", "root": node("root", "r-root", "Root", root_scps, [
        node("account", MGMT, "Management", None, management=True),
        node("ou", "ou-sec", "Security", security_scps, [
            node("account", LOG, "Log Archive", None)]),
        node("ou", "ou-wl", "Workloads", workloads_scps, [
            node("account", PROD, "Prod", prod_scps),
            node("account", DEV, "Dev", None, delegated_admin=True)]),
    ])}
    return Organization.from_dict(tree, policies or {}, quotas=quotas)


@pytest.fixture
def org() -> Organization:
    return make_org()
