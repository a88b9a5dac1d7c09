"""What the bot quotes loses Markdown's emphasis and links, never what a code span holds."""

from __future__ import annotations

from knowledge.units import clean_markup


def test_emphasis_and_links_become_plain_text():
    assert clean_markup("Click **Save**, then see [Billing help](https://x.example/b) or _this_.") == (
        "Click Save, then see Billing help or this."
    )


def test_a_code_span_is_quoted_as_written():
    assert clean_markup("- **Live keys** start with `tk_live_` and work with your real data.") == (
        "- Live keys start with `tk_live_` and work with your real data."
    )
    assert clean_markup("the secret starts with `whsec_`; set `__all__` and `*args`") == (
        "the secret starts with `whsec_`; set `__all__` and `*args`"
    )
