"""The AWS Organizations tree: root, OUs, accounts (one of them the management account) and the
SCPs attached directly to each node.

:meth:`Organization.from_dict` reads nested dicts ``{"type": "root"|"ou"|"account", "id",
"name", "scps": [policy names], "children": [...], "management": bool}`` (optionally wrapped in
``{"org_id", "root"}``) plus a library mapping policy names to documents. A node without an
``"scps"`` key gets ``FullAWSAccess``, as AWS attaches it automatically; ``FullAWSAccess`` is in
the library unless you supply your own. Quotas and the SCP language are parameters.

Resource control policies (RCPs) are optional: a node may list custom RCPs under ``"rcps"``
(names from the same library, validated as RCPs: deny statements only). ``RCPFullAWSAccess``
is implied everywhere and cannot be detached, so only the custom deny RCPs are listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from labkit.core.validation import check_nesting
from labkit.org.errors import OrganizationError, PolicyError
from labkit.org.policy import FULL_AWS_ACCESS, Policy
from labkit.org.validation import QuotaProfile, get_quota_profile, validate_policy

__all__ = ["OrgNode", "Organization"]

_NODE_TYPES = ("root", "ou", "account")
_NODE_KEYS = {"type", "id", "name", "scps", "rcps", "children", "management",
              "delegated_admin"}


@dataclass
class OrgNode:
    """A root, OU or account and the names of the SCPs attached directly to it."""

    type: str
    id: str
    name: str
    scps: list[str]
    children: list[OrgNode] = field(default_factory=list)
    rcps: list[str] = field(default_factory=list)
    parent: OrgNode | None = field(default=None, repr=False)
    management: bool = False
    delegated_admin: bool = False

    @property
    def label(self) -> str:
        """``"OU Workloads (ou-wl)"``-style label for explanations."""
        kind = {"root": "Root", "ou": "OU", "account": "Account"}[self.type]
        return f"{kind} {self.name} ({self.id})"

    @property
    def depth(self) -> int:
        """0 for the root, 1 for its children, ..."""
        d, node = 0, self
        while node.parent is not None:
            d, node = d + 1, node.parent
        return d


#: Deepest nesting of the tree document on this lab: each OU level is a node and its
#: ``children`` list, so even generous quota profiles stay far below it.
MAX_TREE_DEPTH = 64


class Organization:
    """An organization: a tree of :class:`OrgNode` plus the SCP library it references.

    >>> org = Organization.from_dict({"type": "root", "id": "r-1", "name": "Root", "children": [
    ...     {"type": "account", "id": "111111111111", "name": "mgmt", "management": True},
    ...     {"type": "ou", "id": "ou-w", "name": "Workloads", "children": [
    ...         {"type": "account", "id": "222222222222", "name": "prod"}]}]}, {})
    >>> [n.id for n in org.path_to("222222222222")]
    ['r-1', 'ou-w', '222222222222']
    >>> org.management_account.name, org.node("ou-w").scps
    ('mgmt', ['FullAWSAccess'])
    """

    def __init__(self, root: OrgNode, policies: Mapping[str, Policy], *, org_id: str,
                 quotas: QuotaProfile, scp_language: str) -> None:
        self.root = root
        self.policies: dict[str, Policy] = dict(policies)
        self.org_id = org_id
        self.quotas = quotas
        self.scp_language = scp_language
        self._index = {n.id: n for n in self.nodes()}
        self.rcp_names: set[str] = set()

    # construction -------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, tree: Mapping, policies: Mapping[str, object] | None = None, *,
                  quotas: str | QuotaProfile = "documented", scp_language: str = "full"
                  ) -> Organization:
        """Build and check an organization; errors name the node or policy at fault."""
        if not isinstance(tree, Mapping):
            raise TypeError(f"tree must be a dict, got {type(tree).__name__}")
        profile = get_quota_profile(quotas)
        org_id = "o-exampleorgid"
        if "root" in tree and "type" not in tree:
            org_id = tree.get("org_id", org_id)
            if not isinstance(org_id, str) or not re.fullmatch(r"o-[a-z0-9]{4,32}", org_id):
                raise OrganizationError(f"org_id must look like 'o-' + 4-32 lower-case letters "
                                        f"or digits, got {org_id!r}")
            tree = tree["root"]
        try:
            check_nesting("tree", tree, MAX_TREE_DEPTH)
        except ValueError as exc:
            raise OrganizationError(f"{exc} (Organizations allows OUs at most 5 levels below "
                                    "the root)") from None
        if policies is not None and not isinstance(policies, Mapping):
            raise TypeError(f"policies must be a dict of name -> document, got "
                            f"{type(policies).__name__}")
        library: dict[str, Policy] = {}
        raw_policies = dict(policies or {})
        raw_policies.setdefault("FullAWSAccess", FULL_AWS_ACCESS)
        root = cls._build(tree, None, set())
        rcp_names = set()
        stack = [root]
        while stack:
            node = stack.pop()
            rcp_names.update(node.rcps)
            stack.extend(node.children)
        for name, doc in raw_policies.items():
            kind = "rcp" if name in rcp_names else "scp"
            library[name] = validate_policy(doc, kind=kind, scp_language=scp_language,
                                            quotas=profile, name=name)
        org_rcps = rcp_names
        if root.type != "root":
            raise OrganizationError(f"the top node must have type 'root', got {root.type!r}")
        org = cls(root, library, org_id=org_id, quotas=profile, scp_language=scp_language)
        org.rcp_names = set(org_rcps)
        org.check()
        return org

    @classmethod
    def _build(cls, raw: object, parent: OrgNode | None, seen: set[str]) -> OrgNode:
        if not isinstance(raw, Mapping):
            raise OrganizationError(f"each node must be a dict, got {raw!r}")
        node_id = raw.get("id")
        where = f"node {node_id!r}"
        unknown = sorted(set(raw) - _NODE_KEYS)
        if unknown:
            raise OrganizationError(f"{where}: unknown key(s) {', '.join(unknown)} "
                                    f"(allowed: {', '.join(sorted(_NODE_KEYS))})")
        if not isinstance(node_id, str) or not node_id:
            raise OrganizationError(f"every node needs a non-empty string 'id', got {node_id!r}")
        if node_id in seen:
            raise OrganizationError(f"{where}: duplicate id")
        seen.add(node_id)
        kind = raw.get("type")
        if kind not in _NODE_TYPES:
            raise OrganizationError(f"{where}: type must be one of root, ou, account; "
                                    f"got {kind!r}")
        if kind == "root" and parent is not None:
            raise OrganizationError(f"{where}: a root can only be the top node")
        if kind != "root" and parent is None:
            raise OrganizationError(f"{where}: the top node must be the root")
        if kind == "account" and not re.fullmatch(r"\d{12}", node_id):
            raise OrganizationError(f"{where}: an account id must be 12 digits")
        scps = raw.get("scps", ["FullAWSAccess"])
        if not isinstance(scps, list) or not all(isinstance(s, str) for s in scps):
            raise OrganizationError(f"{where}: scps must be a list of policy names, got {scps!r}")
        rcps = raw.get("rcps", [])
        if not isinstance(rcps, list) or not all(isinstance(s, str) for s in rcps):
            raise OrganizationError(f"{where}: rcps must be a list of policy names, got {rcps!r}")
        children_raw = raw.get("children", [])
        if kind == "account" and children_raw:
            raise OrganizationError(f"{where}: an account cannot have children")
        if not isinstance(children_raw, list):
            raise OrganizationError(f"{where}: children must be a list")
        for flag in ("management", "delegated_admin"):
            if flag in raw and (kind != "account" or not isinstance(raw[flag], bool)):
                raise OrganizationError(f"{where}: {flag!r} is a true/false flag on accounts")
        node = OrgNode(type=kind, id=node_id, name=str(raw.get("name", node_id)),
                       scps=list(scps), rcps=list(rcps), parent=parent,
                       management=bool(raw.get("management")),
                       delegated_admin=bool(raw.get("delegated_admin")))
        node.children = [cls._build(c, node, seen) for c in children_raw]
        return node

    def check(self) -> None:
        """Check quotas and references: SCP names, attachments per node, OU depth, one
        management account."""
        managers = [n for n in self.accounts() if n.management]
        if len(managers) > 1:
            raise OrganizationError("an organization has one management account, got "
                                    + ", ".join(n.id for n in managers))
        for node in self.nodes():
            for name in node.scps:
                if name not in self.policies:
                    raise OrganizationError(f"{node.label}: SCP {name!r} is not in the policy "
                                            f"library")
            if len(node.scps) < self.quotas.min_scps_per_node:
                raise OrganizationError(f"{node.label}: every node needs at least "
                                        f"{self.quotas.min_scps_per_node} SCP attached")
            if len(node.scps) > self.quotas.max_scps_per_node:
                raise OrganizationError(
                    f"{node.label}: {len(node.scps)} SCPs attached directly, the quota is "
                    f"{self.quotas.max_scps_per_node} (quota profile {self.quotas.name!r})")
            if len(set(node.scps)) != len(node.scps):
                raise OrganizationError(f"{node.label}: the same SCP is attached twice")
            for name in node.scps:
                if name in self.rcp_names:
                    raise OrganizationError(f"{node.label}: {name!r} is used as an RCP and "
                                            f"cannot also be attached as an SCP")
            for name in node.rcps:
                if name not in self.policies:
                    raise OrganizationError(f"{node.label}: RCP {name!r} is not in the policy "
                                            f"library")
            if len(node.rcps) + 1 > self.quotas.max_scps_per_node:
                raise OrganizationError(
                    f"{node.label}: {len(node.rcps)} custom RCPs plus RCPFullAWSAccess exceed "
                    f"the {self.quotas.max_scps_per_node} policies allowed per node")
            if node.type == "ou" and node.depth > self.quotas.max_ou_depth:
                raise OrganizationError(f"{node.label}: OU is {node.depth} levels below the "
                                        f"root (at most {self.quotas.max_ou_depth})")

    # navigation ---------------------------------------------------------------------------
    def nodes(self) -> Iterator[OrgNode]:
        """Every node, depth first from the root."""
        stack = [self.root]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def accounts(self) -> list[OrgNode]:
        """Every account node."""
        return [n for n in self.nodes() if n.type == "account"]

    def node(self, node_id: str) -> OrgNode:
        """The node with this id (``KeyError`` naming it if absent)."""
        try:
            return self._index[node_id]
        except KeyError:
            raise KeyError(f"no node with id {node_id!r} in the organization") from None

    def find(self, name: str) -> OrgNode:
        """The node with this name (first found)."""
        for n in self.nodes():
            if n.name == name:
                return n
        raise KeyError(f"no node named {name!r} in the organization")

    def has_account(self, account_id: str) -> bool:
        node = self._index.get(account_id)
        return node is not None and node.type == "account"

    @property
    def management_account(self) -> OrgNode | None:
        for n in self.accounts():
            if n.management:
                return n
        return None

    def path_to(self, node_id: str) -> list[OrgNode]:
        """Root first, ending at the node."""
        node: OrgNode | None = self.node(node_id)
        path = []
        while node is not None:
            path.append(node)
            node = node.parent
        return path[::-1]

    # changes ------------------------------------------------------------------------------
    def copy(self) -> Organization:
        """An independent copy (tree, attachments and library) to change without side effects.

        >>> org = Organization.from_dict({"type": "root", "id": "r-1", "name": "Root"}, {})
        >>> twin = org.copy()
        >>> twin.add_policy("DenyS3", {"Statement": {"Effect": "Deny", "Action": "s3:*"}})
        >>> twin.attach_policy("r-1", "DenyS3")
        >>> org.root.scps, twin.root.scps
        (['FullAWSAccess'], ['FullAWSAccess', 'DenyS3'])
        """
        import copy

        return copy.deepcopy(self)

    def add_policy(self, name: str, document: object, *, kind: str = "scp") -> None:
        """Add (or replace) a policy in the library, validated with this org's rules as an
        SCP or (``kind="rcp"``) a resource control policy."""
        self.policies[name] = validate_policy(document, kind=kind,
                                              scp_language=self.scp_language,
                                              quotas=self.quotas, name=name)
        if kind == "rcp":
            self.rcp_names.add(name)

    def attach_rcp(self, node_id: str, name: str) -> None:
        """Attach a custom RCP (added with ``kind="rcp"``) to a node."""
        node = self.node(node_id)
        if name not in self.rcp_names:
            raise PolicyError(f"{name!r} was not added as an RCP", policy=name)
        if name in node.rcps:
            raise OrganizationError(f"{node.label}: RCP {name!r} is already attached")
        if len(node.rcps) + 2 > self.quotas.max_scps_per_node:
            raise OrganizationError(f"{node.label}: cannot attach RCP {name!r}, the quota is "
                                    f"{self.quotas.max_scps_per_node} per node")
        node.rcps.append(name)

    def attach_policy(self, node_id: str, name: str) -> None:
        """Attach a library SCP to a node, respecting the per-node quota."""
        node = self.node(node_id)
        if name not in self.policies:
            raise PolicyError(f"SCP {name!r} is not in the policy library", policy=name)
        if name in node.scps:
            raise OrganizationError(f"{node.label}: {name!r} is already attached")
        if len(node.scps) >= self.quotas.max_scps_per_node:
            raise OrganizationError(
                f"{node.label}: cannot attach {name!r}, {len(node.scps)} SCPs already attached "
                f"and the quota is {self.quotas.max_scps_per_node}")
        node.scps.append(name)

    def detach_policy(self, node_id: str, name: str) -> None:
        """Detach an SCP; refuses to detach a node's last one (AWS keeps at least one)."""
        node = self.node(node_id)
        if name not in node.scps:
            raise OrganizationError(f"{node.label}: {name!r} is not attached")
        if len(node.scps) <= self.quotas.min_scps_per_node:
            raise OrganizationError(f"{node.label}: cannot detach {name!r}, a node must keep at "
                                    f"least {self.quotas.min_scps_per_node} SCP")
        node.scps.remove(name)

    # drawing ------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The tree in the ``from_dict`` format (wrapped with ``org_id``)."""
        def conv(n: OrgNode) -> dict:
            d: dict = {"type": n.type, "id": n.id, "name": n.name, "scps": list(n.scps)}
            if n.rcps:
                d["rcps"] = list(n.rcps)
            if n.management:
                d["management"] = True
            if n.delegated_admin:
                d["delegated_admin"] = True
            if n.children:
                d["children"] = [conv(c) for c in n.children]
            return d
        return {"org_id": self.org_id, "root": conv(self.root)}

    def to_mermaid(self) -> str:
        """A Mermaid ``flowchart`` of the tree with each node's SCPs.

        >>> org = Organization.from_dict({"type": "root", "id": "r-1", "name": "Root"}, {})
        >>> print(org.to_mermaid())
        flowchart TD
          r_1["Root<br/>SCPs: FullAWSAccess"]
        """
        def ident(n: OrgNode) -> str:
            return re.sub(r"[^A-Za-z0-9_]", "_", n.id)
        lines = ["flowchart TD"]
        for n in self.nodes():
            extra = " (management)" if n.management else ""
            lines.append(f'  {ident(n)}["{n.name}{extra}<br/>SCPs: {", ".join(n.scps)}"]')
        for n in self.nodes():
            for c in n.children:
                lines.append(f"  {ident(n)} --> {ident(c)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"Organization(org_id={self.org_id!r}, accounts={len(self.accounts())}, "
                f"ous={sum(1 for n in self.nodes() if n.type == 'ou')})")
