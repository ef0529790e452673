"""Figures for the multi-account family: the organization tree (with a decision's path), the
decision explorer figure, deny-list vs allow-list matrices, detective-control findings and the
CIDR plan. Each function returns a matplotlib Figure.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from typing import Any

from labkit.org.evaluation import Decision
from labkit.org.tree import Organization, OrgNode
from labkit.viz.style import new_figure

__all__ = ["OUTCOME_COLOURS", "plot_access_decision", "plot_cidr_plan", "plot_compliance",
           "plot_decision_matrix", "plot_organization", "update_access_decision"]

#: Colours for a node's SCP outcome on a decision path (Okabe-Ito).
OUTCOME_COLOURS = {"allow": "#009E73", "no allow": "#E69F00", "explicit deny": "#D55E00",
                   "exempt": "#56B4E9", "off path": "#eeeeee"}
_REASON_COLOURS = {"ALLOWED": "#009E73", "EXPLICIT_DENY_SCP": "#D55E00",
                   "EXPLICIT_DENY_IAM": "#CC79A7", "IMPLICIT_DENY_SCP": "#E69F00",
                   "IMPLICIT_DENY_IAM": "#F0E442", "EXPLICIT_DENY_BOUNDARY": "#CC79A7",
                   "EXPLICIT_DENY_SESSION": "#CC79A7", "IMPLICIT_DENY_BOUNDARY": "#F0E442",
                   "IMPLICIT_DENY_SESSION": "#F0E442"}


def _colour_cycle() -> Iterator[str]:
    """The style's colour cycle (``axes.prop_cycle`` set by ``use_style``), repeated."""
    import matplotlib as mpl

    return itertools.cycle(mpl.rcParams["axes.prop_cycle"].by_key()["color"])


def _layout(org: Organization) -> dict[str, tuple[float, float]]:
    pos: dict[str, tuple[float, float]] = {}
    counter = [0.0]

    def place(node: OrgNode, depth: int) -> float:
        if not node.children:
            x = counter[0]
            counter[0] += 1.0
        else:
            xs = [place(c, depth + 1) for c in node.children]
            x = (xs[0] + xs[-1]) / 2
        pos[node.id] = (x, -float(depth))
        return x

    place(org.root, 0)
    return pos


def _short(scp: str) -> str:
    short = scp.replace("aws-guardrails-", "gr-").replace("FullAWSAccess", "FullAWS")
    return short.replace("strongly-recommended", "recommended")


def _outcomes(decision: Decision | None) -> dict[str, str]:
    """Node id -> SCP outcome for the nodes on the decision's path."""
    return {} if decision is None else {lv.node: lv.outcome for lv in decision.levels}


def _edge_style(parent: OrgNode, child: OrgNode, outcome: Mapping[str, str]
                ) -> tuple[str, float]:
    """Colour and width of the line from ``parent`` to ``child``: dark when both are on the path."""
    on_path = parent.id in outcome and child.id in outcome
    return ("#333333", 2.2) if on_path else ("#aaaaaa", 0.8)


def _node_style(node: OrgNode, decision: Decision | None, outcome: Mapping[str, str],
                scps: str) -> tuple[str, str, str, float]:
    """A node box's label, face colour, edge colour and edge width."""
    if decision is None:
        face = {"root": "#ffffff", "ou": "#e8f1f8", "account": "#fff6e0"}[node.type]
    else:
        face = OUTCOME_COLOURS[outcome.get(node.id, "off path")]
    label = node.name + (" (mgmt)" if node.management else "")
    if scps == "all" or (scps == "path" and node.id in outcome):
        label += "\n" + "\n".join(_short(s) for s in node.scps)
    on_path = node.id in outcome
    return label, face, "#000000" if on_path else "#777777", 1.4 if on_path else 0.6


def _tree_xlabel(decision: Decision | None) -> str:
    xlabel = "organizational units (dashed) and accounts"
    if decision is not None:
        xlabel += ("; path colours: green = an SCP allows, orange = no Allow, "
                   "red = explicit deny, grey = off the path")
    return xlabel


def plot_organization(org: Organization, decision: Decision | None = None, *,
                      title: str = "Organization tree and attached SCPs", ax: Any = None,
                      scps: str = "all") -> Any:
    """Draw the tree: one box per node with its name and SCPs; with ``decision``, the nodes on
    the principal's path are coloured by their SCP outcome (allow / no allow / explicit deny).
    ``scps`` chooses whose SCP names are written: ``"all"``, ``"path"`` (only the decision's
    path, which keeps the explorer fast) or ``"none"``.

    >>> org = Organization.from_dict({"type": "root", "id": "r-1", "name": "Root"}, {})
    >>> plot_organization(org).axes[0].get_title()
    'Organization tree and attached SCPs'
    """
    import matplotlib.pyplot as plt

    if scps not in ("all", "path", "none"):
        raise ValueError(f"scps must be 'all', 'path' or 'none', got {scps!r}")
    pos = _layout(org)
    width = max(x for x, _ in pos.values()) + 1
    depth = -min(y for _, y in pos.values()) + 1
    if ax is None:
        fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * width), 1.1 * depth + 0.5))
    else:
        fig = ax.figure
    outcome = _outcomes(decision)
    for node in org.nodes():
        for child in node.children:
            (x0, y0), (x1, y1) = pos[node.id], pos[child.id]
            colour, lw = _edge_style(node, child, outcome)
            ax.plot([x0, x1], [y0 - 0.18, y1 + 0.18], color=colour, lw=lw, zorder=1)
    for node in org.nodes():
        x, y = pos[node.id]
        label, face, edge, lw = _node_style(node, decision, outcome, scps)
        ax.text(x, y, label, ha="center", va="center", fontsize=6.5, zorder=3,
                bbox={"boxstyle": "round,pad=0.3", "fc": face, "ec": edge, "lw": lw,
                      "ls": "--" if node.type == "ou" else "-"})
    ax.set_xlim(-0.7, width - 0.3)
    ax.set_ylim(-depth + 0.6, 0.55)
    ax.set_title(title)
    ax.set_xlabel(_tree_xlabel(decision), fontsize=8)
    ax.set_ylabel("level below the root")
    ax.set_yticks([-d for d in range(int(depth))], [str(d) for d in range(int(depth))])
    ax.set_xticks([])
    ax.grid(False)
    return fig


def plot_access_decision(org: Organization, decision: Decision) -> Any:
    """The explorer figure: the tree with the path coloured and the decision as the title,
    the deciding policy and statement underneath.

    >>> from labkit.org.controltower import build_landing_zone
    >>> from labkit.org.scenarios import access_request
    >>> lz = build_landing_zone()
    >>> d = access_request(lz, "Root user", "Prod", "s3:GetObject")
    >>> plot_access_decision(lz.organization, d).axes[0].get_title()
    'ALLOW (ALLOWED)'
    """
    fig = plot_organization(org, decision, title=_decision_title(decision), scps="path")
    ax = fig.axes[0]
    text, colour = _decision_note(org, decision)
    ax.text(0.99, 0.99, text, transform=ax.transAxes, ha="right", va="top", fontsize=8,
            color=colour)
    return fig


def update_access_decision(fig: Any, org: Organization, decision: Decision) -> bool:
    """Redraw a :func:`plot_access_decision` figure of the same organization in place: the
    path's lines and boxes, the title and the note. ``False`` when ``fig`` was not drawn for
    this organization's tree (its lines and boxes do not match), so it must be drawn afresh.

    >>> from labkit.org.controltower import build_landing_zone
    >>> from labkit.org.scenarios import access_request
    >>> lz = build_landing_zone()
    >>> fig = plot_access_decision(lz.organization, access_request(lz, "Root user", "Prod",
    ...                                                             "s3:GetObject"))
    >>> d = access_request(lz, "Root user", "Management", "s3:GetObject")
    >>> update_access_decision(fig, lz.organization, d)
    True
    >>> fig.axes[0].get_title() == _decision_title(d)
    True
    """
    ax = fig.axes[0]
    nodes = list(org.nodes())
    pairs = [(node, child) for node in nodes for child in node.children]
    if len(ax.lines) != len(pairs) or len(ax.texts) != len(nodes) + 1:
        return False
    pos = _layout(org)
    if any(tuple(box.get_position()) != pos[node.id]
           for box, node in zip(ax.texts, nodes, strict=False)):
        return False  # another tree of the same size
    outcome = _outcomes(decision)
    for line, (node, child) in zip(ax.lines, pairs, strict=True):
        colour, lw = _edge_style(node, child, outcome)
        line.set_color(colour)
        line.set_linewidth(lw)
    for box, node in zip(ax.texts, nodes, strict=False):
        label, face, edge, lw = _node_style(node, decision, outcome, "path")
        box.set_text(label)
        patch = box.get_bbox_patch()
        patch.set_facecolor(face)
        patch.set_edgecolor(edge)
        patch.set_linewidth(lw)
    text, colour = _decision_note(org, decision)
    ax.texts[-1].set_text(text)
    ax.texts[-1].set_color(colour)
    ax.set_title(_decision_title(decision))
    return True


def _decision_title(decision: Decision) -> str:
    return f"{decision.decision} ({decision.reason})"


def _decision_note(org: Organization, decision: Decision) -> tuple[str, str]:
    """The note in the corner (which policy decided, and where) and its colour."""
    where = f" at {org.node(decision.node).label}" if decision.node else ""
    by = f"decided by {decision.policy} / {decision.statement}" if decision.policy else \
        "no statement matched: implicit deny"
    if not decision.scp_applies:
        by = "SCPs do not apply (exempt); " + by
    colour = "#006644" if decision.reason == "ALLOWED" else \
        _REASON_COLOURS.get(decision.reason, "#000000")
    return f"{by}{where}", colour


def plot_decision_matrix(frame, *, title: str = "Decisions by strategy") -> Any:
    """A grid of decisions: rows = requests (or actions), columns = strategies, colour = reason.

    ``frame`` is :func:`labkit.org.scenarios.request_table` or ``decision_matrix`` output.
    """
    from matplotlib.patches import Patch, Rectangle

    key = "request" if "request" in frame.columns else "action"
    strategies = list(dict.fromkeys(frame["strategy"]))
    actions = list(dict.fromkeys(frame[key]))
    fig, ax = new_figure(title, "organization / SCP strategy", key,
                         figsize=(2.6 * len(strategies) + 3.0, 0.42 * len(actions) + 1.4))
    for row in frame.itertuples():
        x, y = strategies.index(row.strategy), actions.index(getattr(row, key))
        ax.add_patch(Rectangle((x - 0.48, y - 0.45), 0.96, 0.9, fc=_REASON_COLOURS[row.reason],
                               ec="white"))
        ax.text(x, y, row.reason.replace("_", " ").lower(), ha="center", va="center",
                fontsize=7.5)
    ax.set_xlim(-0.5, len(strategies) - 0.5)
    ax.set_ylim(len(actions) - 0.5, -0.5)
    ax.set_xticks(range(len(strategies)), strategies)
    ax.set_yticks(range(len(actions)), actions)
    ax.grid(False)
    seen = list(dict.fromkeys(frame["reason"]))
    ax.legend(handles=[Patch(fc=_REASON_COLOURS[r], label=r) for r in seen],
              loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    return fig


def plot_compliance(frame, *, title: str = "Detective controls: non-compliant resources") -> Any:
    """Stacked bars of NON_COMPLIANT evaluations per account, one colour per control.

    ``frame`` is :meth:`labkit.org.controltower.ComplianceReport.to_frame` output.
    """
    bad = frame[frame["compliance"] == "NON_COMPLIANT"]
    accounts = sorted(frame["account_name"].unique())
    table = (bad.groupby(["account_name", "control"]).size().unstack(fill_value=0)
             .reindex(accounts, fill_value=0))
    fig, ax = new_figure(title, "account", "non-compliant resources (count)")
    bottom = None
    for control, colour in zip(table.columns, _colour_cycle(), strict=False):
        vals = table[control].to_numpy()
        ax.bar(table.index, vals, bottom=bottom, label=control, color=colour)
        bottom = vals if bottom is None else bottom + vals
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    return fig


def plot_cidr_plan(plan: Mapping[str, Any], supernet: str, *,
                   segments: Mapping[str, str] | None = None,
                   title: str = "VPC CIDR plan inside the supernet") -> Any:
    """One bar per VPC across the supernet's address space (offset in /24 blocks)."""
    import ipaddress

    net = ipaddress.ip_network(supernet)
    fig, ax = new_figure(title, f"offset inside {net} (number of /24 blocks)", "VPC")
    groups = list(dict.fromkeys((segments or {}).get(k, "shared services") for k in plan))
    colours = dict(zip(groups, _colour_cycle(), strict=False))
    for i, (name, block) in enumerate(plan.items()):
        block = ipaddress.ip_network(block)
        start = (int(block.network_address) - int(net.network_address)) / 256
        seg = (segments or {}).get(name, "shared services")
        ax.barh(i, block.num_addresses / 256, left=start,
                color=colours[seg],
                label=seg if seg not in ax.get_legend_handles_labels()[1] else None)
        span = block.num_addresses / 256
        if span >= 0.08 * net.num_addresses / 256:
            ax.text(start + span / 2, i, str(block), ha="center", va="center", fontsize=7,
                    color="white")
        else:
            ax.text(start + span + 4, i, str(block), ha="left", va="center", fontsize=7)
    ax.set_yticks(range(len(plan)), list(plan))
    ax.set_xlim(0, net.num_addresses / 256)
    ax.legend(loc="lower right", fontsize=7)
    return fig
