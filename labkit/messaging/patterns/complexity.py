"""How complex a pattern is: ``$or`` expansions, SNS value combinations, wildcard states.

EventBridge refuses a pattern whose ``$or`` branches multiply out to more than 1,000
combinations and a wildcard that keeps too many matcher states active (Ruler's "Rule is
too complex"); SNS counts the combinations of a filter policy's values (at most 150).
"""

from __future__ import annotations

from labkit.messaging.patterns.syntax import _is_or

__all__ = ["MAX_OR_COMBINATIONS", "WILDCARD_COMPLEXITY_LIMIT"]

#: ``$or`` expansions above this many combinations are refused (EventBridge docs, Ruler README).
MAX_OR_COMBINATIONS = 1000
WILDCARD_COMPLEXITY_LIMIT = 10



def _wildcard_complexity(tokens: list[str | None]) -> int:
    """Most NFA states active at once past the first ``*``, over every possible input.

    A stand-in for Ruler's machine-complexity check: the value is enclosed in quotes (as Ruler
    sees it) and every reachable set of states is explored over the pattern's own characters plus
    one "other" character.
    """
    toks: list[str | None] = ['"', *tokens, '"']
    if None not in toks:
        return 0
    first_star = toks.index(None)

    def closure(states: set[int]) -> frozenset[int]:
        out = set(states)
        stack = list(states)
        while stack:
            s = stack.pop()
            if s < len(toks) and toks[s] is None and s + 1 not in out:
                out.add(s + 1)
                stack.append(s + 1)
        return frozenset(out)

    alphabet = {t for t in toks if t is not None} | {"\x00other"}
    start = closure({0})
    seen = {start}
    pending = [start]
    worst = 0
    while pending:
        active = pending.pop()
        for ch in alphabet:
            nxt = set()
            for s in active:
                if s >= len(toks):
                    continue
                if toks[s] is None:
                    nxt.add(s)
                elif toks[s] == ch:
                    nxt.add(s + 1)
            if not nxt:
                continue
            state = closure(nxt)
            worst = max(worst, sum(1 for s in state if s >= first_star))
            if worst > WILDCARD_COMPLEXITY_LIMIT:
                return worst
            if state not in seen:
                seen.add(state)
                pending.append(state)
    return worst


def _or_combinations(obj: dict) -> int:
    total = 1
    for key, value in obj.items():
        if _is_or(key, value):
            total *= sum(_or_combinations(branch) for branch in value)
        elif isinstance(value, dict):
            total *= _or_combinations(value)
    return total


def _value_combinations(obj: dict) -> int:
    """SNS's complexity: product of the value-array sizes, summed over ``$or`` branches."""
    total = 1
    for key, value in obj.items():
        if _is_or(key, value):
            total *= sum(_value_combinations(branch) for branch in value)
        elif isinstance(value, dict):
            total *= _value_combinations(value)
        elif isinstance(value, list):
            total *= len(value)
    return total


