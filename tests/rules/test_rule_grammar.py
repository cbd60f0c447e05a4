"""The rule language's parser: what it reads, the tree it makes, and what it refuses (with where and why).

Nothing a user writes is ever run as Python: text that would call into Python is an unknown
function or a syntax error, never executed."""

from __future__ import annotations

import builtins

import pytest

from sdq.errors import ConfigError
from sdq.rules.grammar import (
    FUNCTIONS,
    Binary,
    Call,
    Column,
    Compare,
    InSet,
    IsNull,
    Literal,
    Matches,
    RuleSyntaxError,
    Unary,
    columns_of,
    parse,
    quote_column,
    quote_string,
)


def test_comparisons_chain_and_bind_looser_than_arithmetic():
    assert parse("yrs_married <= age") == Compare(("<=",), (Column("yrs_married"), Column("age")))
    assert parse("0 <= x < 10") == Compare(("<=", "<"), (Literal(0.0, "number"), Column("x"), Literal(10.0, "number")))
    tree = parse("abs(total - price * qty) <= 0.01")
    assert tree == Compare(
        ("<=",),
        (
            Call("abs", (Binary("-", Column("total"), Binary("*", Column("price"), Column("qty"))),)),
            Literal(0.01, "number"),
        ),
    )
    assert parse("a = 1") == parse("a == 1") and parse("a <> 1") == parse("a != 1")


def test_logic_precedence_not_and_or():
    tree = parse("not a > 1 or b < 2 and c == 3")
    assert isinstance(tree, Binary) and tree.op == "or"
    assert isinstance(tree.left, Unary) and tree.left.op == "not"
    assert isinstance(tree.right, Binary) and tree.right.op == "and"
    assert parse("A > 1 AND b < 2") == parse("A > 1 and b < 2")  # keywords in any case


def test_sets_nulls_and_formats():
    assert parse('x in {"a", "b"}') == InSet(Column("x"), (Literal("a", "string"), Literal("b", "string")))
    assert parse("x not in (1, -2,)") == InSet(
        Column("x"), (Literal(1.0, "number"), Literal(-2.0, "number")), negated=True
    )
    assert parse("x in [true]") == InSet(Column("x"), (Literal(True, "bool"),))
    assert parse("x is null") == IsNull(Column("x")) and parse("x is not null") == IsNull(Column("x"), True)
    assert parse("x not null") == IsNull(Column("x"), True)
    assert parse(r'zip matches "^[0-9]{5}$"') == Matches(Column("zip"), "^[0-9]{5}$")


def test_names_numbers_and_strings():
    assert parse("`order date` <= `ship ``fast`` date`") == Compare(
        ("<=",), (Column("order date"), Column("ship `fast` date"))
    )
    assert parse("year <= 2") == Compare(("<=",), (Column("year"), Literal(2.0, "number")))  # a column, not a call
    assert parse("x < 1.5e3") == parse("x < 1500") and parse("x > -.5") == parse("x > -0.5")
    assert parse("x == 'it\\'s'") == Compare(("==",), (Column("x"), Literal("it's", "string")))
    assert parse('x == "a\\"b\\\\"').operands[1] == Literal('a"b\\', "string")
    assert parse("größe > 1").operands[0] == Column("größe")  # identifiers may be any letters
    assert columns_of(parse("a + b > a and c is null")) == ["a", "b", "c"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "the rule is empty"),
        ("a <=", "expected a value (a column, number, string or function call) at position 4, got the end"),
        ("a < b c", "expected an operator or the end of the rule at position 6, got 'c'"),
        ("(a < b", "expected ')' to close the parenthesis"),
        ("a in {}", "expected a number, string, true or false in the set"),
        ("a in {null}", "a set cannot hold null"),
        ("a in b", "expected a set of values"),
        ("a matches b", "expected a quoted regular expression"),
        ('a matches "("', "invalid regular expression '('"),
        ("a is 1", "expected 'null' after 'is'"),
        ('a == "open', "is not closed"),
        ("`a", "is not closed"),
        ("a == 'x\\q'", "unknown escape"),
        ("a @ b", "unexpected character '@' at position 2"),
        ("3abc > 1", "unexpected 'a' right after the number"),
        ("abs(a, b) > 1", "abs() takes 1 argument(s), got 2"),
        ("min(a) > 1", "min() takes 2 to 16 argument(s), got 1"),
        ("and > 1", "expected a value"),
    ],
)
def test_syntax_errors_say_where_and_why(text, message):
    with pytest.raises(RuleSyntaxError, match=None) as caught:
        parse(text)
    assert message in str(caught.value)
    assert isinstance(caught.value, ConfigError) and isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    "text",
    [
        '__import__("os").system("echo owned")',
        "eval('1')",
        "exec('x = 1')",
        "open('/etc/passwd')",
        "getattr(x, 'y')",
        "x.__class__",
        "(lambda: 1)()",
        "x[0] > 1",
        "x; import os",
        "[c for c in x]",
        "x := 1",
        "os.system('ls')",
    ],
)
def test_text_that_would_run_code_is_refused_and_never_run(text, monkeypatch):
    # nothing is imported, evaluated, compiled or opened while the text is read
    calls = []

    def forbidden(*args, **kwargs):
        calls.append(args)
        raise AssertionError(f"called while parsing {text!r}")

    refused = None
    with monkeypatch.context() as patched:
        for name in ("eval", "exec", "compile", "open", "__import__"):  # imports last: setattr may import
            patched.setattr(builtins, name, forbidden)
        try:
            parse(text)
        except RuleSyntaxError as exc:
            refused = exc
    assert calls == [] and isinstance(refused, RuleSyntaxError), (calls, refused)


def test_unknown_functions_are_named_with_the_ones_there_are():
    with pytest.raises(RuleSyntaxError, match=r"unknown function '__import__' at position 0; the functions are abs"):
        parse('__import__("os")')
    assert set(FUNCTIONS) >= {"abs", "min", "max", "round", "len", "lower", "upper", "year", "month", "day"}


def test_deep_nesting_and_long_text_are_refused_before_the_stack_is():
    with pytest.raises(RuleSyntaxError, match="nested more than"):
        parse("(" * 500 + "a" + ")" * 500 + " > 1")
    with pytest.raises(RuleSyntaxError, match="nested more than"):
        parse("not " * 500 + "a > 1")
    with pytest.raises(RuleSyntaxError, match="longer than"):
        parse("a > 1 and " * 2000 + "a > 1")


def test_quoting_round_trips():
    for name in ("age", "order date", "in", "NULL", "x`y", "1st"):
        assert parse(f"{quote_column(name)} > 1").operands[0] == Column(name)
    for text in ('say "hi"', "back\\slash", "tab\tand\nnewline", "it's"):
        assert parse(f"x == {quote_string(text)}").operands[1] == Literal(text, "string")
