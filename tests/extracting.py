"""Short ways to extract a sentence in the extractor's tests."""

import extractors


def figs(text: str):
    """The figures of a text, as one report named t.txt."""
    return extractors.extract_text(text, "t.txt").figures


def vm(text: str):
    """(value, measure) of each figure of a text."""
    return [(f.value, f.measure) for f in figs(text)]
