"""The rule expression language: a tokenizer and a recursive-descent parser that turn a rule's text
into a small tree (:class:`Node`), evaluated on whole columns by :mod:`sdq.rules.evaluate`.

Nothing here runs the text: it is never given to Python's ``eval``, ``exec`` or ``compile``, nor to
``pandas.eval``. A name is a column unless it is followed by ``(``, and then it must be one of
:data:`FUNCTIONS`; there is no attribute access, indexing, assignment or lambda, so text such as
``__import__("os").system("...")`` is an unknown function (and ``.`` a syntax error).

The grammar, loosest binding first::

    condition   := or
    or          := and ("or" and)*
    and         := not ("and" not)*
    not         := "not" not | comparison
    comparison  := sum ( (CMP sum)+                      chained: 0 <= x <= 9 is 0 <= x and x <= 9
                       | ["not"] "in" set                x in {"a", "b"}, x not in (1, 2)
                       | "matches" STRING                x matches "^[0-9]{5}$" (re.search)
                       | "is" ["not"] "null" | "not" "null" )?
    sum         := product (("+" | "-") product)*
    product     := unary (("*" | "/" | "%") unary)*
    unary       := ("-" | "+") unary | primary
    primary     := NUMBER | STRING | "true" | "false" | "null"
                 | NAME "(" [condition ("," condition)*] ")"     a function of FUNCTIONS
                 | NAME | `any column name`                         a column
                 | "(" condition ")"
    set         := ("{" | "(" | "[") literal ("," literal)* [","] ("}" | ")" | "]")
    literal     := ["-"] NUMBER | STRING | "true" | "false"
    CMP         := "==" | "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="

Keywords (``and or not in is null true false matches``) are case-insensitive; a column with such
a name, or with spaces or punctuation, is written in backquotes: ```order date```, with a
backquote doubled inside. Strings take single or double quotes and backslash escapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from sdq.errors import ConfigError

__all__ = [
    "Node",
    "Literal",
    "Column",
    "Unary",
    "Binary",
    "Compare",
    "IsNull",
    "InSet",
    "Matches",
    "Call",
    "parse",
    "columns_of",
    "quote_column",
    "quote_string",
    "FUNCTIONS",
    "KEYWORDS",
    "RuleSyntaxError",
]

#: The functions a rule may call: name -> (fewest arguments, most arguments, what it does).
FUNCTIONS: dict[str, tuple[int, int, str]] = {
    "abs": (1, 1, "absolute value of a number"),
    "min": (2, 16, "the smallest of its arguments, row by row (numbers or dates)"),
    "max": (2, 16, "the largest of its arguments, row by row (numbers or dates)"),
    "round": (1, 2, "a number rounded to so many decimals (default 0)"),
    "floor": (1, 1, "a number rounded down"),
    "ceil": (1, 1, "a number rounded up"),
    "sqrt": (1, 1, "square root"),
    "log": (1, 1, "natural logarithm"),
    "len": (1, 1, "the number of characters of a text"),
    "lower": (1, 1, "a text in lower case"),
    "upper": (1, 1, "a text in upper case"),
    "strip": (1, 1, "a text without leading and trailing spaces"),
    "number": (1, 1, "a text read as a number (missing where it is none)"),
    "text": (1, 1, "a number written as text (1.0 as '1')"),
    "year": (1, 1, "the year of a date"),
    "month": (1, 1, "the month of a date (1-12)"),
    "day": (1, 1, "the day of the month of a date (1-31)"),
    "weekday": (1, 1, "the day of the week of a date (0 = Monday)"),
    "hour": (1, 1, "the hour of a date (0-23)"),
    "days": (1, 1, "a difference of two dates in days, e.g. days(end - start)"),
    "date": (1, 1, 'a date from its text, e.g. date("2024-01-31")'),
}

KEYWORDS = frozenset({"and", "or", "not", "in", "is", "null", "true", "false", "matches"})
_COMPARISONS = {"==": "==", "=": "==", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
#: Longest rule text accepted, and deepest nesting (a guard against text that would exhaust the stack).
MAX_LENGTH = 10_000
MAX_DEPTH = 64


class RuleSyntaxError(ConfigError):
    """A rule's text is not an expression of the grammar (the message says where and why)."""


# -- the tree -------------------------------------------------------------------------------------
class Node:
    """A node of a parsed rule."""

    def children(self) -> tuple["Node", ...]:
        return ()


@dataclass(frozen=True)
class Literal(Node):
    value: Any  # float, str, bool or None
    type: str  # "number", "string", "bool" or "null"


@dataclass(frozen=True)
class Column(Node):
    name: str


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "-", "+" or "not"
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Binary(Node):
    op: str  # "+", "-", "*", "/", "%", "and", "or"
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class Compare(Node):
    """``operands[0] ops[0] operands[1] ops[1] operands[2] ...`` (a chain holds where every link does)."""

    ops: tuple[str, ...]
    operands: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.operands


@dataclass(frozen=True)
class IsNull(Node):
    operand: Node
    negated: bool = False  # True: "is not null"

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class InSet(Node):
    operand: Node
    values: tuple[Literal, ...]
    negated: bool = False

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Matches(Node):
    operand: Node
    pattern: str

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.args


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, parents first."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children()))


def columns_of(node: Node) -> list[str]:
    """The columns a tree names, in the order they first appear."""
    return list(dict.fromkeys(n.name for n in walk(node) if isinstance(n, Column)))


# -- tokens ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Token:
    kind: str  # "number", "string", "name", "column" (backquoted), "op", "end"
    text: str
    value: Any
    position: int


_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[^\W\d]\w*")
_OPERATORS = ("==", "!=", "<>", "<=", ">=", "<", ">", "=", "+", "-", "*", "/", "%", "(", ")", "{", "}", "[", "]", ",")
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t", "r": "\r", "`": "`"}


def _tokens(text: str) -> Iterator[Token]:
    """The tokens of ``text``, read as the parser asks for them (so that the first problem in
    reading order is the one reported)."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "'\"":
            value, i2 = _string(text, i)
            yield Token("string", text[i:i2], value, i)
            i = i2
            continue
        if ch == "`":
            value, i2 = _backquoted(text, i)
            yield Token("column", text[i:i2], value, i)
            i = i2
            continue
        match = _NUMBER.match(text, i)
        if match:
            yield Token("number", match.group(), float(match.group()), i)
            i = match.end()
            if i < n and (text[i].isalpha() or text[i] == "_"):
                raise RuleSyntaxError(f"unexpected {text[i]!r} right after the number at position {match.start()}")
            continue
        match = _NAME.match(text, i)
        if match:
            yield Token("name", match.group(), match.group(), i)
            i = match.end()
            continue
        op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
        if op is None:
            raise RuleSyntaxError(f"unexpected character {ch!r} at position {i}")
        yield Token("op", op, op, i)
        i += len(op)
    yield Token("end", "", None, n)


def _string(text: str, start: int) -> tuple[str, int]:
    quote, i, parts = text[start], start + 1, []
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 >= len(text) or text[i + 1] not in _ESCAPES:
                shown = text[i : i + 2]
                raise RuleSyntaxError(f"unknown escape {shown!r} in the string at position {start}")
            parts.append(_ESCAPES[text[i + 1]])
            i += 2
        elif ch == quote:
            return "".join(parts), i + 1
        else:
            parts.append(ch)
            i += 1
    raise RuleSyntaxError(f"the string at position {start} is not closed (a {quote} is missing)")


def _backquoted(text: str, start: int) -> tuple[str, int]:
    i, parts = start + 1, []
    while i < len(text):
        if text[i] == "`":
            if text.startswith("``", i):
                parts.append("`")
                i += 2
                continue
            if not parts:
                raise RuleSyntaxError(f"empty column name `` at position {start}")
            return "".join(parts), i + 1
        parts.append(text[i])
        i += 1
    raise RuleSyntaxError(f"the column name at position {start} is not closed (a ` is missing)")


# -- the parser -----------------------------------------------------------------------------------
class _Parser:
    def __init__(self, text: str) -> None:
        self._source = _tokens(text)
        self.tokens: list[Token] = []
        self.i = 0
        self.depth = 0

    def _at(self, k: int) -> Token:
        while len(self.tokens) <= k and (not self.tokens or self.tokens[-1].kind != "end"):
            self.tokens.append(next(self._source))
        return self.tokens[min(k, len(self.tokens) - 1)]

    @property
    def token(self) -> Token:
        return self._at(self.i)

    def keyword(self, *words: str, ahead: int = 0) -> bool:
        token = self._at(self.i + ahead)
        return token.kind == "name" and token.text.lower() in words

    def op(self, *ops: str) -> bool:
        return self.token.kind == "op" and self.token.text in ops

    def advance(self) -> Token:
        token = self.token
        self.i += 1
        return token

    def expect_op(self, op: str, what: str) -> None:
        if not self.op(op):
            self.fail(f"expected {op!r} {what}")
        self.advance()

    def fail(self, expected: str) -> None:
        token = self.token
        got = "the end of the rule" if token.kind == "end" else repr(token.text)
        raise RuleSyntaxError(f"{expected} at position {token.position}, got {got}")

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise RuleSyntaxError(f"the rule is nested more than {MAX_DEPTH} levels deep")

    # grammar ---------------------------------------------------------------------------------------
    def parse(self) -> Node:
        node = self.disjunction()
        if self.token.kind != "end":
            self.fail("expected an operator or the end of the rule")
        return node

    def disjunction(self) -> Node:
        node = self.conjunction()
        while self.keyword("or"):
            self.advance()
            node = Binary("or", node, self.conjunction())
        return node

    def conjunction(self) -> Node:
        node = self.negation()
        while self.keyword("and"):
            self.advance()
            node = Binary("and", node, self.negation())
        return node

    def negation(self) -> Node:
        if self.keyword("not") and not self.keyword("null", ahead=1):
            self.advance()
            self.nested()
            node = Unary("not", self.negation())
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum()
        if self.token.kind == "op" and self.token.text in _COMPARISONS:
            ops, operands = [], [left]
            while self.token.kind == "op" and self.token.text in _COMPARISONS:
                ops.append(_COMPARISONS[self.advance().text])
                operands.append(self.sum())
            return Compare(tuple(ops), tuple(operands))
        if self.keyword("in"):
            self.advance()
            return InSet(left, self.literal_set())
        if self.keyword("not") and self.keyword("in", ahead=1):
            self.advance()
            self.advance()
            return InSet(left, self.literal_set(), negated=True)
        if self.keyword("not") and self.keyword("null", ahead=1):
            self.advance()
            self.advance()
            return IsNull(left, negated=True)
        if self.keyword("is"):
            self.advance()
            negated = self.keyword("not")
            if negated:
                self.advance()
            if not self.keyword("null"):
                self.fail("expected 'null' after 'is'" if not negated else "expected 'null' after 'is not'")
            self.advance()
            return IsNull(left, negated=negated)
        if self.keyword("matches"):
            self.advance()
            token = self.token
            if token.kind != "string":
                self.fail("expected a quoted regular expression after 'matches'")
            self.advance()
            try:
                re.compile(token.value)
            except re.error as exc:
                raise RuleSyntaxError(f"invalid regular expression {token.value!r}: {exc}") from None
            return Matches(left, token.value)
        return left

    def sum(self) -> Node:
        node = self.product()
        while self.op("+", "-"):
            op = self.advance().text
            node = Binary(op, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.op("*", "/", "%"):
            op = self.advance().text
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.op("-", "+"):
            op = self.advance().text
            self.nested()
            operand = self.unary()
            self.depth -= 1
            if op == "-" and isinstance(operand, Literal) and operand.type == "number":
                return Literal(-operand.value, "number")
            return operand if op == "+" else Unary("-", operand)
        return self.primary()

    def primary(self) -> Node:
        token = self.token
        if token.kind == "number":
            self.advance()
            return Literal(token.value, "number")
        if token.kind == "string":
            self.advance()
            return Literal(token.value, "string")
        if token.kind == "column":
            self.advance()
            return Column(token.value)
        if token.kind == "name":
            word = token.text.lower()
            if word in ("true", "false"):
                self.advance()
                return Literal(word == "true", "bool")
            if word == "null":
                self.advance()
                return Literal(None, "null")
            if word in KEYWORDS:
                self.fail("expected a value")
            self.advance()
            if self.op("("):
                return self.call(token)
            return Column(token.text)
        if self.op("("):
            self.advance()
            self.nested()
            node = self.disjunction()
            self.depth -= 1
            self.expect_op(")", "to close the parenthesis")
            return node
        self.fail("expected a value (a column, number, string or function call)")
        raise AssertionError  # pragma: no cover - fail raises

    def call(self, name: Token) -> Node:
        function = name.text.lower()
        if function not in FUNCTIONS:
            raise RuleSyntaxError(
                f"unknown function {name.text!r} at position {name.position}; the functions are "
                f"{', '.join(FUNCTIONS)} (a column named like a function is written in backquotes)"
            )
        self.advance()  # "("
        self.nested()
        args: list[Node] = []
        if not self.op(")"):
            args.append(self.disjunction())
            while self.op(","):
                self.advance()
                args.append(self.disjunction())
        self.expect_op(")", f"to close the arguments of {function}()")
        self.depth -= 1
        low, high, _ = FUNCTIONS[function]
        if not low <= len(args) <= high:
            wanted = str(low) if low == high else f"{low} to {high}"
            raise RuleSyntaxError(f"{function}() takes {wanted} argument(s), got {len(args)}")
        return Call(function, tuple(args))

    def literal_set(self) -> tuple[Literal, ...]:
        closing = {"{": "}", "(": ")", "[": "]"}
        if not self.op(*closing):
            self.fail('expected a set of values such as {"a", "b"} after \'in\'')
        close = closing[self.advance().text]
        values: list[Literal] = []
        while True:
            values.append(self.literal())
            if self.op(","):
                self.advance()
                if self.op(close):
                    break
                continue
            break
        self.expect_op(close, "to close the set of values")
        return tuple(values)

    def literal(self) -> Literal:
        negative = self.op("-")
        if negative:
            self.advance()
        token = self.token
        if token.kind == "number":
            self.advance()
            return Literal(-token.value if negative else token.value, "number")
        if not negative and token.kind == "string":
            self.advance()
            return Literal(token.value, "string")
        if not negative and self.keyword("true", "false"):
            self.advance()
            return Literal(token.text.lower() == "true", "bool")
        if not negative and self.keyword("null"):
            self.fail(
                "a set cannot hold null (write `x is null or x in {...}`): expected a number, string, true or false"
            )
        self.fail("expected a number, string, true or false in the set")
        raise AssertionError  # pragma: no cover - fail raises


def parse(text: str) -> Node:
    """The tree of a rule's text; a :class:`RuleSyntaxError` saying where and why otherwise.

    Examples
    --------
    >>> parse("yrs_married <= age")
    Compare(ops=('<=',), operands=(Column(name='yrs_married'), Column(name='age')))
    >>> parse('__import__("os")')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sdq.rules.grammar.RuleSyntaxError: unknown function '__import__' at position 0; ...
    """
    if not isinstance(text, str):
        raise RuleSyntaxError(f"a rule must be text, got {type(text).__name__}")
    if not text.strip():
        raise RuleSyntaxError("the rule is empty")
    if len(text) > MAX_LENGTH:
        raise RuleSyntaxError(f"the rule is longer than {MAX_LENGTH} characters")
    return _Parser(text).parse()


# -- writing names and strings back ---------------------------------------------------------------
_BARE = re.compile(r"^[^\W\d]\w*$")


def quote_column(name: str) -> str:
    """A column's name as a rule writes it: bare where it can be, else in backquotes.

    >>> quote_column("age"), quote_column("order date"), quote_column("in")
    ('age', '`order date`', '`in`')
    """
    if _BARE.match(name) and name.lower() not in KEYWORDS:
        return name
    return "`" + name.replace("`", "``") + "`"


def quote_string(value: str) -> str:
    """A string literal of the grammar: double quotes, with backslash escapes.

    >>> quote_string('say "hi"')
    '"say \\\\"hi\\\\""'
    """
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return '"' + escaped.replace("\r", "\\r") + '"'
