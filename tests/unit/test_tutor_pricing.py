"""Pure rules of the tutor profile: lesson prices, and the plain values a profile accepts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutorconnect.services.errors import InvalidInput
from tutorconnect.services.tutors import (
    clean_int,
    clean_photo_path,
    clean_text,
    clean_video_url,
    price_for_length,
    sniff_content_type,
)

rates = st.integers(min_value=100_00, max_value=50_000_00)
lengths = st.sampled_from((30, 45, 60, 90))


@given(rates, lengths)
def test_a_derived_price_is_an_integer_number_of_whole_rupees_close_to_pro_rata(rate, minutes):
    price = price_for_length(rate, minutes)
    assert isinstance(price, int)
    if minutes != 60:
        assert price % 100 == 0
        assert abs(price - rate * minutes / 60) <= 50


@given(rates)
def test_a_sixty_minute_lesson_costs_exactly_the_hourly_rate(rate):
    assert price_for_length(rate, 60) == rate


@given(rates, lengths, lengths)
def test_longer_lessons_never_cost_less(rate, a, b):
    short, long_ = sorted((a, b))
    assert price_for_length(rate, short) <= price_for_length(rate, long_)


@given(rates, lengths, st.integers(min_value=1, max_value=10**7))
def test_an_override_wins_over_the_derived_price(rate, minutes, override):
    assert price_for_length(rate, minutes, override=override) == override


def test_known_prices_round_half_up_to_whole_rupees():
    assert price_for_length(1000_00, 30) == 500_00
    assert price_for_length(1000_00, 45) == 750_00
    assert price_for_length(999_00, 45) == 749_00  # 749.25
    assert price_for_length(1002_00, 45) == 752_00  # 751.50 rounds up
    assert price_for_length(1000_00, 90) == 1500_00


@pytest.mark.parametrize("value", [True, 1.5, "100", None, 10**9])
def test_integers_refuse_bools_floats_strings_and_out_of_range(value):
    with pytest.raises(InvalidInput) as err:
        clean_int("hourly_rate_minor", value, low=1, high=10**6)
    assert err.value.field == "hourly_rate_minor"


def test_text_is_stored_as_plain_text_with_control_and_bidi_characters_removed():
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert clean_text("headline", f"  {script}  ", max_len=200) == script
    assert clean_text("headline", "a\x00b\u202ec\x07d", max_len=10) == "abcd"
    assert clean_text("bio", "one\r\n\r\n\r\n\r\ntwo\tthree ", max_len=100, multiline=True) == "one\n\ntwo\tthree"
    assert clean_text("headline", "मराठी शिक्षक\u200d", max_len=100) == "मराठी शिक्षक\u200d"


@pytest.mark.parametrize("value,max_len,min_len", [(None, 10, 0), (5, 10, 0), ("x" * 11, 10, 0), ("  ", 10, 1)])
def test_text_refuses_non_strings_and_lengths_out_of_bounds(value, max_len, min_len):
    with pytest.raises(InvalidInput) as err:
        clean_text("headline", value, max_len=max_len, min_len=min_len)
    assert err.value.field == "headline" and "headline" in err.value.message


@pytest.mark.parametrize("url", [
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcQ",
    "https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871",
    "https://www.loom.com/share/abc123",
])
def test_intro_videos_from_youtube_vimeo_and_loom_over_https_are_accepted(url):
    assert clean_video_url(url) == url


@pytest.mark.parametrize("url", [
    "http://www.youtube.com/watch?v=x", "https://youtube.com.evil.test/watch", "https://evil.test/youtube.com",
    "javascript:alert(1)", "https://user:pw@youtube.com/watch?v=x", "https://youtube.com:8443/watch?v=x",
    "https://www.youtube.com/", "https://www.youtube.com/watch?v=x y", 42, "https://vimeo.com/" + "1" * 300,
])
def test_other_video_links_are_refused(url):
    with pytest.raises(InvalidInput) as err:
        clean_video_url(url)
    assert err.value.field == "intro_video_url"


def test_no_video_is_fine():
    assert clean_video_url(None) is None and clean_video_url("") is None


@pytest.mark.parametrize("path", ["/avatars/priya.svg", "/photos/ab12/cd.jpg", "/photos/x.png", "/p/x.webp"])
def test_photo_paths_are_same_site_image_paths(path):
    assert clean_photo_path(path) == path


@pytest.mark.parametrize("path", ["https://evil.test/x.png", "//evil.test/x.png", "/../secret.png", "/x.html",
                                  "/x.svg?y", "javascript:x.png", 7])
def test_other_photo_paths_are_refused(path):
    with pytest.raises(InvalidInput):
        clean_photo_path(path)


@pytest.mark.parametrize("data,expected", [
    (b"%PDF-1.4 rest", "application/pdf"), (b"\x89PNG\r\n\x1a\nrest", "image/png"), (b"\xff\xd8\xff\xdb", "image/jpeg"),
    (b"GIF89a", None), (b"<html>", None), (b"MZ\x90\x00", None), (b"", None),
])
def test_document_types_come_from_magic_bytes(data, expected):
    sniffed = sniff_content_type(data)
    assert (sniffed[0] if sniffed else None) == expected
