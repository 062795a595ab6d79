"""Numbers in text, written as numerals or in words ("seven", "thirty thousand and thirty-one",
"eighteen eighty-three"), each as the set of values it can mean. Pure functions."""

from __future__ import annotations

import re

_NUM_TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[a-z]+(?:-[a-z]+)*|\S")
_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)}
_SCALES = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_SCALE_VALUES = frozenset(_SCALES.values())
_NOT_UNITS = frozenset("and or of the a an to in on at by for per than as is are was were".split())


def _word_value(token: str) -> float | None:
    """The value of one number word ("seven", "thirty-one", "thousand"), else None."""
    if token in _SCALES:
        return _SCALES[token]
    if token in _UNITS or token in _TENS:
        return _UNITS.get(token, _TENS.get(token))
    tens, _, unit = token.partition("-")
    if tens in _TENS and 0 < _UNITS.get(unit, 0) < 10:
        return _TENS[tens] + _UNITS[unit]
    return None


def _readings(values: list[float]) -> set[float]:
    """Values a run of numbers can mean: the cardinal ("thirty thousand and thirty-one",
    "2 million"), and for two 10-99 groups a year ("eighteen eighty-three" is 1883)."""
    total, current = 0.0, 0.0
    for v in values:
        if v == 100:
            current = max(current, 1) * 100
        elif v in _SCALE_VALUES:
            total, current = total + max(current, 1) * v, 0.0
        else:
            current += v
    out = {total + current}
    if len(values) == 2 and all(10 <= v < 100 for v in values):
        out.add(values[0] * 100 + values[1])
    return out


def numbers(text: str) -> list[set[float]]:
    """Each number in a text (a numeral, or a run of number words) as the set of its possible values."""
    return [readings for readings, _ in counted(text)]


def counted(text: str) -> list[tuple[set[float], str]]:
    """Each number with what it counts: the word after it, singular ("5 riffle shuffles" ->
    "riffle", "8,849 metres" -> "metre", "52-card" -> "card"), "year" for a bare year, else ""."""
    tokens = _NUM_TOKEN.findall(text.lower())
    out: list[tuple[set[float], str]] = []
    run: list[float] = []
    for i, (tok, nxt) in enumerate(zip(tokens, tokens[1:] + [""])):
        value = _word_value(tok)
        if value is None and tok[0].isdigit() and nxt in _SCALES:
            value = float(tok.replace(",", ""))
        if value is not None:
            run.append(value)
            continue
        if tok == "and" and run and run[-1] in _SCALE_VALUES and _word_value(nxt) is not None:
            continue
        if run:
            out.append(_with_unit(_readings(run), tokens[i:]))
            run = []
        if tok[0].isdigit():
            out.append(_with_unit({float(tok.replace(",", ""))}, tokens[i + 1:]))
    if run:
        out.append(_with_unit(_readings(run), []))
    return out


def _with_unit(readings: set[float], rest: list[str]) -> tuple[set[float], str]:
    rest = [t for t in rest[:2] if t != "-"]
    word = rest[0] if rest and rest[0].isalpha() and rest[0] not in _NOT_UNITS else ""
    if not word and any(v == int(v) and 1000 <= v <= 2100 for v in readings):
        return readings, "year"
    return readings, word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
