"""EventBridge pattern matching, operator by operator, against the EventBridge User Guide's event-
pattern pages."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.messaging import InvalidEventPattern, explain_match, matches, validate_pattern


def d(**detail):
    """An event with the given ``detail``."""
    return {"source": "shop", "detail-type": "OrderPlaced", "detail": detail}


def p(**detail):
    return {"detail": detail}


# --- shape, AND / OR, presence ----------------------------------------------------------------

def test_and_across_keys_or_inside_arrays():
    pat = {"source": ["shop", "billing"], "detail-type": ["OrderPlaced"]}
    assert matches(pat, d())
    assert not matches({"source": ["billing"], "detail-type": ["OrderPlaced"]}, d())
    assert not matches({"source": ["shop"], "detail-type": ["OrderPaid"]}, d())


def test_unmentioned_fields_are_ignored_and_empty_pattern_is_refused():
    """PutRule refuses the empty pattern ``{}`` with InvalidEventPatternException (reported
    on AWS in https://github.com/cloud-custodian/cloud-custodian/pull/6638)."""
    with pytest.raises(InvalidEventPattern, match="at least one field"):
        matches({}, d(a=1))
    assert matches({"detail": {"a": [1]}}, d(a=1, b=2))


def test_field_named_in_pattern_must_exist_at_any_depth():
    assert not matches({"detail": {"a": {"b": ["x"]}}}, d())
    assert not matches({"detail": {"a": {"b": ["x"]}}}, {"source": "shop"})
    assert matches({"detail": {"a": {"b": [{"exists": False}]}}}, {"source": "shop"})


def test_json_text_inputs_and_repeated_keys_keep_last():
    pat = '{"detail": {"x": ["a"]}, "detail": {"x": ["b"]}}'
    assert matches(pat, json.dumps(d(x="b")))
    assert not matches(pat, json.dumps(d(x="a")))
    event = '{"detail": {"x": "a", "x": "b"}}'
    assert matches({"detail": {"x": ["b"]}}, event)


# --- type strictness -------------------------------------------------------------------------

@pytest.mark.parametrize("literal, value, expected", [
    ("5", 5, False), (5, "5", False), (5, 5, True), (300, 300.0, True), (300, 3.0e2, True),
    (300.0, 300, True), (True, 1, False), (1, True, False), (False, 0, False), (0, False, False),
    (True, True, True), (None, None, True), (None, "", False), (None, "null", False),
    ("", None, False), ("", "", True), ("null", None, False), ("Alice", "alice", False),
])
def test_exact_values_are_type_strict(literal, value, expected):
    assert matches(p(x=[literal]), d(x=value)) is expected


def test_ip_literal_compares_by_address():
    assert matches(p(ip=["2001:db8::1"]), d(ip="2001:0db8:0000:0000:0000:0000:0000:0001"))
    assert not matches(p(ip=["10.0.0.1"]), d(ip="10.0.0.2"))


def test_strings_are_not_normalised_and_keys_case_sensitive():
    assert not matches(p(x=["café"]), d(x="cafe"))
    assert not matches({"detail": {"X": ["a"]}}, d(x="a"))


# --- arrays in the event ------------------------------------------------------------------------

def test_event_array_matches_if_any_element_matches():
    assert matches({"resources": ["arn:b"]}, {"resources": ["arn:a", "arn:b"]})
    assert not matches({"resources": ["arn:c"]}, {"resources": ["arn:a", "arn:b"]})
    assert matches(p(x=[3]), d(x=[[1, 2], [3]]))  # nested arrays are flattened


def test_empty_event_array_is_like_an_absent_field():
    assert not matches(p(x=[{"exists": True}]), d(x=[]))
    assert matches(p(x=[{"exists": False}]), d(x=[]))
    assert not matches(p(x=[None]), d(x=[]))
    assert not matches(p(x=[{"anything-but": "a"}]), d(x=[]))


def test_anything_but_is_per_element():
    assert matches(p(x=[{"anything-but": "x"}]), d(x=["x", "y"]))
    assert not matches(p(x=[{"anything-but": "x"}]), d(x=["x", "x"]))
    assert not matches(p(x=[{"anything-but": ["x", "y"]}]), d(x=["x", "y"]))


def test_arrays_of_objects_need_one_consistent_element():
    event = d(items=[{"sku": "a", "qty": 1}, {"sku": "b", "qty": 5}])
    assert matches(p(items={"sku": ["b"], "qty": [5]}), event)
    assert not matches(p(items={"sku": ["a"], "qty": [5]}), event)  # fields from two elements
    assert matches(p(items={"sku": [{"exists": True}]}), event)
    deep = d(orders=[[{"lines": [{"sku": "a", "qty": 2}]}], {"lines": [{"sku": "b", "qty": 3}]}])
    assert matches(p(orders={"lines": {"sku": ["b"], "qty": [3]}}), deep)
    assert not matches(p(orders={"lines": {"sku": ["b"], "qty": [2]}}), deep)


# --- leaf-only operators, objects, JSON in strings ------------------------------------------------

def test_object_valued_field_is_not_a_leaf():
    event = d(obj={"k": 1})
    assert not matches(p(obj=[{"exists": True}]), event)
    assert matches(p(obj=[{"exists": False}]), event)
    assert not matches(p(obj=[{"anything-but": "x"}]), event)
    assert not matches(p(obj=[{"prefix": ""}]), event)
    assert matches(p(obj=[{"exists": False}]), d(obj={}))


def test_json_inside_a_string_is_not_parsed():
    assert not matches({"detail": {"a": ["b"]}}, {"detail": '{"a": "b"}'})


def test_dotted_keys_are_the_nested_path():
    event = {"detail": {"state": {"status": "running"}}}
    assert matches({"detail": {"state.status": ["running"]}}, event)
    assert not matches({"detail": {"state.status": ["stopped"]}}, event)


# --- null and empty string ------------------------------------------------------------------

def test_null_and_empty_string():
    assert matches(p(x=[None]), d(x=None))
    assert not matches(p(x=[None]), d())
    assert matches(p(x=[""]), d(x=""))
    assert not matches(p(x=[""]), d(x=None))


# --- prefix / suffix / equals-ignore-case ---------------------------------------------

def test_prefix():
    assert matches(p(r=[{"prefix": "us-"}]), d(r="us-east-1"))
    assert not matches(p(r=[{"prefix": "us-"}]), d(r="eu-west-1"))
    assert not matches(p(r=[{"prefix": "1"}]), d(r=123))  # strings only
    assert matches(p(r=[{"prefix": ""}]), d(r=""))
    assert matches(p(r=[{"prefix": ""}]), d(r="anything"))
    assert not matches(p(r=[{"prefix": ""}]), d(r=None))
    assert not matches(p(r=[{"prefix": "US-"}]), d(r="us-east-1"))
    assert matches(p(r=[{"prefix": {"equals-ignore-case": "EventB"}}]), d(r="eventbridge"))


def test_suffix_is_case_sensitive_unless_asked():
    assert matches(p(f=[{"suffix": ".png"}]), d(f="cat.png"))
    assert not matches(p(f=[{"suffix": ".png"}]), d(f="cat.PNG"))
    assert matches(p(f=[{"suffix": {"equals-ignore-case": ".png"}}]), d(f="cat.PNG"))
    assert not matches(p(f=[{"suffix": "5"}]), d(f=15))


def test_equals_ignore_case():
    assert matches(p(n=[{"equals-ignore-case": "alice"}]), d(n="ALICE"))
    assert not matches(p(n=[{"equals-ignore-case": "alice"}]), d(n="alicia"))
    assert matches(p(n=[{"equals-ignore-case": ""}]), d(n=""))
    assert not matches(p(n=[{"equals-ignore-case": ""}]), d(n="x"))
    assert not matches(p(n=[{"equals-ignore-case": "5"}]), d(n=5))


# --- wildcard -------------------------------------------------------------------------------

def test_wildcard():
    arn = "arn:aws:events:*:*:event-bus/*"
    assert matches(p(a=[{"wildcard": arn}]), d(a="arn:aws:events:us-east-1:123:event-bus/main"))
    assert not matches(p(a=[{"wildcard": arn}]), d(a="arn:aws:sqs:us-east-1:123:q"))
    assert matches(p(a=[{"wildcard": "a*"}]), d(a="a"))  # zero characters
    assert not matches(p(a=[{"wildcard": "a*"}]), d(a="ba"))  # anchored
    assert matches(p(a=[{"wildcard": "a?[b]"}]), d(a="a?[b]"))  # only * is special
    assert not matches(p(a=[{"wildcard": "a?"}]), d(a="ab"))
    assert matches(p(a=[{"wildcard": "a\\*b"}]), d(a="a*b"))
    assert not matches(p(a=[{"wildcard": "a\\*b"}]), d(a="axb"))
    assert matches(p(a=[{"wildcard": "a\\\\b"}]), d(a="a\\b"))
    assert matches(p(a=[{"wildcard": ""}]), d(a=""))
    assert not matches(p(a=[{"wildcard": ""}]), d(a="x"))
    assert not matches(p(a=[{"wildcard": "*"}]), d(a=5))


def test_wildcard_refusals():
    with pytest.raises(InvalidEventPattern, match="Consecutive wildcard characters"):
        validate_pattern(p(a=[{"wildcard": "a**b"}]))
    with pytest.raises(InvalidEventPattern, match="Rule is too complex"):
        validate_pattern(p(a=[{"wildcard": "*:*:*:*:*:event-bus/*"}]))
    with pytest.raises(InvalidEventPattern, match="Invalid escape"):
        validate_pattern(p(a=[{"wildcard": "a\\b"}]))
    with pytest.raises(InvalidEventPattern, match="wildcard match pattern must be a string"):
        validate_pattern(p(a=[{"wildcard": ["a*"]}]))


# --- anything-but ------------------------------------------------------------------------------

def test_anything_but_literal_absent_and_null():
    pat = p(s=[{"anything-but": "initializing"}])
    assert matches(pat, d(s="running"))
    assert not matches(pat, d(s="initializing"))
    assert not matches(pat, d())  # absent -> no match
    assert matches(pat, d(s=None))  # null -> match
    assert matches(pat, d(s=5))


def test_anything_but_lists_and_numbers():
    assert not matches(p(s=[{"anything-but": ["a", "b"]}]), d(s="b"))
    assert matches(p(s=[{"anything-but": ["a", "b"]}]), d(s="c"))
    assert not matches(p(n=[{"anything-but": 123}]), d(n=123.0))
    assert matches(p(n=[{"anything-but": [100, 200]}]), d(n=300))
    assert matches(p(n=[{"anything-but": [100, 200]}]), d(n="100"))  # number list, string value
    assert matches(p(n=[{"anything-but": ["100"]}]), d(n=100))


def test_anything_but_prefix_suffix_ignore_case_wildcard():
    ab = p(s=[{"anything-but": {"prefix": "init"}}])
    assert matches(ab, d(s="running")) and not matches(ab, d(s="initializing"))
    assert matches(ab, d(s=5))  # a number value matches
    assert not matches(ab, d())
    assert not matches(p(s=[{"anything-but": {"prefix": ["a", "b"]}}]), d(s="bee"))
    assert not matches(p(f=[{"anything-but": {"suffix": ".txt"}}]), d(f="a.txt"))
    assert matches(p(f=[{"anything-but": {"suffix": ".txt"}}]), d(f="a.TXT"))
    ic = p(s=[{"anything-but": {"equals-ignore-case": ["Alice", "Bob"]}}])
    assert not matches(ic, d(s="BOB")) and matches(ic, d(s="carol"))
    wc = p(path=[{"anything-but": {"wildcard": "*/lib/*"}}])
    assert not matches(wc, d(path="/usr/lib/x")) and matches(wc, d(path="/usr/bin/x"))


def test_anything_but_refusals():
    for bad in (["x", None], ["x", True], [None]):
        with pytest.raises(InvalidEventPattern,
                           match=r"Inside anything but list, start\|null\|boolean"):
            validate_pattern(p(s=[{"anything-but": bad}]))
    for affix in ("prefix", "suffix"):
        with pytest.raises(InvalidEventPattern, match="Null prefix/suffix not allowed"):
            validate_pattern(p(s=[{"anything-but": {affix: ""}}]))
    with pytest.raises(InvalidEventPattern, match="Value of anything-but must be an array or"):
        validate_pattern(p(s=[{"anything-but": {"prefix": {"equals-ignore-case": "a"}}}]))
    with pytest.raises(InvalidEventPattern, match="Value of anything-but must be an array or"):
        validate_pattern(p(s=[{"anything-but": None}]))
    with pytest.raises(InvalidEventPattern, match="Unsupported anything-but pattern: numeric"):
        validate_pattern(p(s=[{"anything-but": {"numeric": [">", 1]}}]))


# --- numeric -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (0, False), (0.0001, True), (5, True), (5.0, True), (5.0001, False), (3, True),
    ("3", False), (None, False), (True, False),
])
def test_numeric_range(value, expected):
    assert matches(p(n=[{"numeric": [">", 0, "<=", 5]}]), d(n=value)) is expected


def test_numeric_single_and_equal():
    assert matches(p(n=[{"numeric": ["=", 3.018e2]}]), d(n=301.8))
    assert matches(p(n=[{"numeric": [">", 100]}]), d(n=101.0))
    assert not matches(p(n=[{"numeric": [">=", 100]}]), d(n=99.99))
    assert matches(p(n=[{"numeric": ["<", 0]}]), d(n=[-1, 5]))
    assert not matches(p(n=[{"numeric": ["=", 1]}]), d(n=True))


@pytest.mark.parametrize("operand, message", [
    ([">", 0, ">", 0], "Bad numeric range operator: >"),
    ([">", 0, "<"], "Value of < must be numeric"),
    ([">", "0"], "Value of > must be numeric"),
    (5, "Value of numeric must be an array."),
    (["=", 1, "<", 5], "Bad numeric range operator: <"),
    (["<", 5, ">", 0], "Bad numeric range operator: >"),
    ([">", 5, "<", 5], "Bottom must be less than top"),
    (["!=", 1], "Unrecognized numeric range operator: !="),
    ([">", True], "Value of > must be numeric"),
])
def test_numeric_refusals(operand, message):
    with pytest.raises(InvalidEventPattern, match=message.replace(".", r"\.")):
        validate_pattern(p(n=[{"numeric": operand}]))


# --- cidr ------------------------------------------------------------------------------------

def test_cidr():
    assert matches(p(ip=[{"cidr": "10.0.0.0/24"}]), d(ip="10.0.0.255"))
    assert not matches(p(ip=[{"cidr": "10.0.0.0/24"}]), d(ip="10.0.1.0"))
    assert matches(p(ip=[{"cidr": "10.0.0.7/24"}]), d(ip="10.0.0.200"))  # host bits floored
    assert not matches(p(ip=[{"cidr": "10.0.0.0/24"}]), d(ip="10.0.0.256"))  # invalid address
    assert not matches(p(ip=[{"cidr": "10.0.0.0/8"}]), d(ip=167772161))  # numbers never match
    assert matches(p(ip=[{"cidr": "2001:db8::/32"}]),
                   d(ip="2001:0db8:0000:0000:0000:0000:0000:0001"))
    assert not matches(p(ip=[{"cidr": "2001:db8::/32"}]), d(ip="10.0.0.1"))


@pytest.mark.parametrize("operand, message", [
    ("10.0.0.1", "Malformed CIDR, one '/' required"),
    ("10.0.0.0/32", "Malformed CIDR, mask bits"),
    ("2001:db8::/128", "Malformed CIDR, mask bits"),
    ("10.0.0.256/24", "Nonstandard IP address: 10.0.0.256"),
    (["10.0.0.0/8"], "cidr match pattern must be a string"),
])
def test_cidr_refusals(operand, message):
    with pytest.raises(InvalidEventPattern, match=message):
        validate_pattern(p(ip=[{"cidr": operand}]))


# --- exists ----------------------------------------------------------------------------------

def test_exists():
    assert matches(p(x=[{"exists": True}]), d(x=None))  # null counts as present
    assert not matches(p(x=[{"exists": False}]), d(x=None))
    assert matches(p(x=[{"exists": True}]), d(x=""))
    assert not matches(p(x=[{"exists": True}]), d())
    assert matches(p(x=[{"exists": False}]), d())
    assert not matches(p(x=[{"exists": True}]), d(x={}))


def test_exists_or_ed_with_anything_but():
    pat = p(x=[{"anything-but": ["a", "b"]}, {"exists": False}])
    assert matches(pat, d()) and matches(pat, d(x="c")) and not matches(pat, d(x="a"))


# --- $or ---------------------------------------------------------------------------------------

def test_or_at_top_level_and_inside_detail_ands_with_siblings():
    pat = {"source": ["shop"], "$or": [{"detail-type": ["OrderPaid"]}, {"detail": {"vip": [True]}}]}
    assert matches(pat, d(vip=True))
    assert not matches(pat, d(vip=False))
    assert not matches({**pat, "source": ["billing"]}, d(vip=True))
    inner = {"detail": {"$or": [{"c": [1]}, {"d": [{"numeric": [">", 5]}]}]}}
    assert matches(inner, d(d=6)) and matches(inner, d(c=1)) and not matches(inner, d(c=2, d=5))


def test_or_that_is_not_an_array_of_two_objects_is_a_field_name():
    assert matches({"detail": {"$or": ["x"]}}, d(**{"$or": "x"}))
    assert not matches({"detail": {"$or": ["x"]}}, d(c=1))


def test_or_combination_limit():
    branch = [{"a": [i]} for i in range(11)]
    ok = {"$or": branch, "detail": {"$or": [{"b": [i]} for i in range(90)]}}
    validate_pattern(ok)  # 11 * 90 = 990
    too_many = {"$or": branch, "detail": {"$or": [{"b": [i]} for i in range(91)]}}
    with pytest.raises(InvalidEventPattern, match="combinations"):
        validate_pattern(too_many)  # 1001


# --- other refusals -----------------------------------------------------------------------------

@pytest.mark.parametrize("pattern, message", [
    ({"int": 5}, '"int" must be an object or an array'),
    ({"detail": {"x": "a"}}, '"x" must be an object or an array'),
    ({"detail": {"x": None}}, '"x" must be an object or an array'),
    ({"resources": []}, "Empty arrays are not allowed"),
    ({"a": [{"EXISTS": True}]}, "Unrecognized match type EXISTS"),
    ({"a": [{"NUMERIC": [">", 1]}]}, "Unrecognized match type NUMERIC"),
    ({"a": [{"regex": "x"}]}, "Unrecognized match type regex"),
    ({"a": [{"prefix": ["a", "b"]}]}, "prefix match pattern must be a string"),
    ({"a": [{"suffix": 5}]}, "suffix match pattern must be a string"),
    ({"a": [{"equals-ignore-case": 5}]}, "equals-ignore-case match pattern must be a string"),
    ({"a": [{"prefix": {"equals-ignore-case": 5}}]},
     "equals-ignore-case match pattern must be a string"),
    ({"a": [{"exists": "true"}]}, "exists match pattern must be either true or false"),
    ({"a": [{"prefix": "a", "suffix": "b"}]}, "Only one key allowed"),
    ({"a": [["x"]]}, "Match value must be String, number, true, false, or null"),
    ([1], "Event pattern must be a JSON object"),
    ("{not json", "pattern is not valid JSON"),
])
def test_refusals(pattern, message):
    with pytest.raises(InvalidEventPattern) as info:
        validate_pattern(pattern)
    assert message in str(info.value)


def test_bad_operand_never_matches_everything():
    with pytest.raises(InvalidEventPattern):
        matches({"a": [{"prefix": None}]}, {"a": "x"})


def test_event_must_be_an_object():
    with pytest.raises(TypeError, match="event must be a JSON object"):
        matches({"a": ["x"]}, ["x"])


def test_sns_dialect_refuses_wildcard_and_too_many_keys():
    with pytest.raises(InvalidEventPattern, match="wildcard"):
        validate_pattern({"a": [{"wildcard": "x*"}]}, dialect="sns")
    with pytest.raises(InvalidEventPattern, match="Unsupported anything-but pattern: suffix"):
        validate_pattern({"a": [{"anything-but": {"suffix": "x"}}]}, dialect="sns")
    with pytest.raises(InvalidEventPattern, match="more than 5 keys"):
        validate_pattern({k: ["x"] for k in "abcdef"}, dialect="sns")
    with pytest.raises(InvalidEventPattern, match="150"):
        validate_pattern({"a": list(range(10)), "b": list(range(16))}, dialect="sns")


def test_explain_match_names_the_failing_field():
    why = explain_match({"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}},
                        d(total=50))
    assert not why.matched
    assert any("detail.total" in line and "none of" in line for line in why.reasons)
    assert any(line.startswith("source") and "matches" in line for line in why.reasons)


# --- properties --------------------------------------------------------------------------------


scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5),
                    st.floats(-5, 5, allow_nan=False, allow_infinity=False),
                    st.sampled_from(["", "a", "A", "5", "10.0.0.1", "null", "true"]))
literals = st.one_of(st.integers(-5, 5), st.sampled_from(["", "a", "5", "10.0.0.1"]))


@settings(max_examples=300, deadline=None)
@given(literals, scalars)
def test_anything_but_is_the_negation_of_exact_for_present_scalars(literal, value):
    event = {"detail": {"x": value}}
    exact = matches({"detail": {"x": [literal]}}, event)
    assert matches({"detail": {"x": [{"anything-but": literal}]}}, event) is (not exact)


@settings(max_examples=200, deadline=None)
@given(st.lists(scalars, max_size=4), literals)
def test_array_matches_iff_some_element_matches(values, literal):
    pattern = {"detail": {"x": [literal]}}
    as_array = matches(pattern, {"detail": {"x": values}})
    assert as_array is any(matches(pattern, {"detail": {"x": v}}) for v in values)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), scalars, max_size=3),
       st.sampled_from(["a", "b", "c"]), literals)
def test_json_text_and_dicts_agree_and_explain_agrees(detail, key, literal):
    pattern = {"detail": {key: [literal, {"exists": False}]}}
    event = {"detail": detail}
    result = matches(pattern, event)
    assert matches(json.dumps(pattern), json.dumps(event)) is result
    assert explain_match(pattern, event).matched is result
