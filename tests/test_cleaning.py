"""Tests for helpers.cleaning: each rule removes its furniture and keeps article sentences."""

from __future__ import annotations

import pytest

from helpers.cleaning import RULES, clean_text, headline

ARTICLE = "Russian forces advanced on Kyiv on Saturday, officials said."


def test_plain_text_is_untouched_and_unaudited():
    cleaned = clean_text(ARTICLE + "\n\n" + ARTICLE.replace("Saturday", "Sunday") + "\n")
    assert cleaned.text == ARTICLE + "\n\n" + ARTICLE.replace("Saturday", "Sunday")
    assert cleaned.counts == {}
    assert cleaned.flags == []


def test_line_endings_are_normalised_and_counted():
    cleaned = clean_text("First line.\r\nSecond line.\rThird line.")
    assert cleaned.text == "First line.\nSecond line.\nThird line."
    assert cleaned.counts["line_endings"] == (2, 1)


def test_teaser_list_after_heading_with_bullets_is_removed():
    raw = f"{ARTICLE}\n\nRecommended Stories\n\n  • Other story\n\n    Teaser text.\n\n  • Another"
    cleaned = clean_text(raw)
    assert cleaned.text == ARTICLE
    count, removed = cleaned.counts["teaser_list"]
    assert count == 4
    assert removed > len("Recommended Stories")


def test_teaser_heading_without_bullets_keeps_following_text():
    raw = f"{ARTICLE}\n\nRelated\n\nThe talks resumed on Monday in Gomel."
    assert clean_text(raw).text == raw


@pytest.mark.parametrize(
    "prompt",
    [
        "Share this:",
        "Leave a Reply",
        "Your email address will not be published. Required fields are marked *",
        "Subscribe",
        "Like this:",
    ],
)
def test_share_prompts_alone_on_a_line_are_removed(prompt):
    cleaned = clean_text(f"{ARTICLE}\n\n{prompt}")
    assert cleaned.text == ARTICLE
    assert cleaned.counts["share_prompts"][0] == 1


def test_sentences_mentioning_share_or_subscribe_are_kept():
    raw = "Investors rushed to share this news.\n\nMany subscribe to the view that talks will fail."
    assert clean_text(raw).text == raw


def test_byline_before_read_time_and_name_with_job_title_are_removed():
    raw = f"Headline here\n\nNabih Bulos\n·5 min read\n{ARTICLE}\n\nKieren Williams News Reporter."
    cleaned = clean_text(raw)
    assert cleaned.text == f"Headline here\n\n{ARTICLE}"
    assert cleaned.counts["byline"][0] == 3


def test_a_short_line_that_is_not_before_a_read_time_stays():
    raw = f"Vladimir Putin\n\n{ARTICLE}"
    assert clean_text(raw).text == raw


def test_credited_photo_caption_and_its_duplicate_are_removed():
    caption = "A soldier at his position outside Kharkiv, Ukraine, on Saturday."
    credited = f"{caption} (Andrew Marienko / Associated Press)"
    cleaned = clean_text(f"{caption}\n{credited}\n\n{ARTICLE}")
    assert cleaned.text == ARTICLE
    # chars_removed counts each removed line with its line break.
    assert cleaned.counts["photo_caption"] == (2, len(caption) + 1 + len(credited) + 1)


def test_a_sentence_with_a_parenthesis_but_no_credit_stays():
    raw = "Prices rose sharply (about 10 per cent) on Monday."
    assert clean_text(raw).text == raw


def test_tweet_residue_is_removed_and_tweet_words_kept():
    raw = (
        "Staunch resistance continues: UK Ministry of Defence pic.twitter.com/MNsZDcQogx "
        "— ANI (@ANI) February 26, 2022"
    )
    cleaned = clean_text(raw)
    assert cleaned.text == "Staunch resistance continues: UK Ministry of Defence"
    assert cleaned.counts["tweet_residue"][0] == 2


def test_repeated_headline_is_kept_once():
    head = "Russian troops closing in on Kyiv"
    cleaned = clean_text(f"{head}\n\n{head}\n\n{ARTICLE}")
    assert cleaned.text == f"{head}\n\n{ARTICLE}"
    assert cleaned.counts["repeated_lines"] == (1, len(head) + 1)


def test_short_line_repeated_far_apart_is_kept():
    raw = f"We stand.\n\n{ARTICLE}\n\nWe stand."
    assert clean_text(raw).text == raw


def test_html_tags_stripped_entities_decoded_script_dropped():
    raw = "<p>Talks &amp; truce</p><script>var x = 1;</script><p>Both sides met.<br>No deal.</p>"
    cleaned = clean_text(raw)
    assert cleaned.text == "Talks & truce\n\nBoth sides met.\nNo deal."
    assert "html_tags" in cleaned.counts
    assert "<" not in cleaned.text


def test_entities_in_plain_text_are_decoded():
    cleaned = clean_text("Talks &amp; truce &#8212; no deal.")
    assert cleaned.text == "Talks & truce — no deal."
    assert cleaned.counts["html_entities"][0] == 2


def test_a_less_than_sign_in_prose_is_not_html():
    raw = "Casualties were < 100 and > 50, officials said."
    assert clean_text(raw).text == raw


def test_mojibake_is_repaired_and_flagged():
    cleaned = clean_text("The cityâ€™s defences held.")
    assert cleaned.text == "The city’s defences held."
    assert cleaned.flags == ["mojibake repaired"]


def test_cyrillic_and_emoji_survive():
    raw = "Слава Україні! 🇺🇦 Жителі Києва ховаються в метро."
    cleaned = clean_text(raw)
    assert cleaned.text == raw
    assert cleaned.flags == []


def test_nbsp_becomes_space():
    cleaned = clean_text("UK Defence Secretary\u00a0Ben Wallace\u00a0said so.")
    assert cleaned.text == "UK Defence Secretary Ben Wallace said so."
    assert cleaned.counts["whitespace"] == (2, 0)


def test_rules_reported_are_known():
    raw = "Nabih Bulos\n·5 min read\n" + ARTICLE + "\n\nShare this:\r\n"
    assert set(clean_text(raw).counts) <= set(RULES)


def test_multi_megabyte_line_is_cleaned_quickly():
    raw = ("Kyiv was shelled overnight and residents sheltered in the metro " * 50_000).strip()
    cleaned = clean_text(raw)
    assert cleaned.text == raw


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Russian troops press into Kharkiv\n\nBody.", "Russian troops press into Kharkiv"),
        ("Will Putin stop?\n\nBody.", "Will Putin stop?"),
        ("Troops advanced on Saturday, officials said.\nMore.", ""),
        ("Share this:\nBody", ""),
        ("Ukraine\n\nBody", ""),
        ("x " * 100, ""),
    ],
)
def test_headline_rule(text, expected):
    assert headline(text) == expected
