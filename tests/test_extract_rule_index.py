"""The index of unit rules by a unit's first words (lexicon.RuleIndex): it may only leave out rules
that cannot match."""

from __future__ import annotations

import re

import pytest

from extractors.bench import sample_reports
from extractors.decode import decode_bytes
from extractors.lexicon import UNIT_RULE_INDEX, UNIT_RULES, _first_words
from extractors.rules.figures import lower_aligned


@pytest.mark.parametrize(
    "pattern, words, prefixes",
    [
        # an optional first word: "lượt người", "lượt cá (nhân)", "cá nhân", and "người" then any word
        (r"(?:(?:lượt )?(?:người|cá nhân))(?!\w)", {"lượt người", "lượt cá", "cá nhân"}, {"người "}),
        # "tổ, đội" starts no two-word head; "tổ" may end the unit: any second word
        (r"(?:tổ, đội|tổ/đội|tổ)(?! viên)(?!\w)", set(), {"tổ "}),
        (r"(?:tổ dân phố|tổ dân cư)(?!\w)", {"tổ dân"}, set()),
    ],
)
def test_first_two_words_of_a_pattern(pattern, words, prefixes):
    assert _first_words(pattern, two=True) == (frozenset(words), frozenset(prefixes))


def test_a_pattern_that_opens_with_any_word_has_no_first_words():
    assert _first_words(r"(?:[^\W\d]+)(?!\w)", two=True) is None


def test_two_words_narrow_the_rules_tried():
    assert len(UNIT_RULE_INDEX.for_head("lượt tuyên truyền")) < len(UNIT_RULE_INDEX.for_text("lượt tuyên truyền"))


def test_no_rule_that_matches_a_unit_of_the_sample_reports_is_left_out():
    """Every rule whose unit pattern matches the words after a number in the sample reports is among
    the rules the index gives for those words, in the rules' order."""
    checked = 0
    for name, data in sample_reports():
        low = lower_aligned(decode_bytes(data, name)[0])
        for m in re.finditer(r"[0-9] ", low):
            ulow = low[m.end() : m.end() + 90]
            matching = [r for r in UNIT_RULES if r.unit.match(ulow)]
            given = UNIT_RULE_INDEX.for_head(ulow)
            assert [r for r in given if r in matching] == matching, ulow[:40]
            assert [e[-1] for e in UNIT_RULE_INDEX.entries_for_text(ulow)] == list(given)
            checked += 1
    assert checked > 100
