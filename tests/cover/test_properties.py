"""Properties of the engine's own building blocks, checked with Hypothesis."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from b24conform.cassettes.scrub import Scrubber
from b24conform.transport import RateLimit
from b24conform.transport.encoding import (
    _parsed_multipart,
    _plain_multipart,
    canonical_text,
    decode_multipart,
    decode_query,
    encode_query,
    form_pairs,
    multipart_body,
)
from b24conform.transport.ratelimit import LeakyBucket
from tests.cover.test_transport import FakeClock

keys = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1, max_size=8)
scalars = st.one_of(st.integers(-(10**6), 10**6), st.text(min_size=1, max_size=12))
values = st.one_of(scalars, st.lists(scalars, min_size=1, max_size=6))


@given(st.dictionaries(keys, values, max_size=5), st.booleans())
def test_php_query_encoding_round_trips_to_the_same_canonical_parameters(params, indexed):
    """`ID[]=3` and `ID[0]=3` keys alike decode to what was encoded."""
    encoded = encode_query(params, indexed=indexed)
    assert canonical_text(decode_query(encoded)) == canonical_text(params)


@given(st.dictionaries(keys, values, max_size=5), st.booleans(), st.booleans())
def test_multipart_split_on_its_boundary_reads_what_the_email_parser_reads(params, indexed, sdk):
    """The fast reading of a multipart body (ours, or urllib3's as the SDKs send it) is the
    email package's, and decodes to what was encoded."""
    pairs = form_pairs(params, indexed=indexed)
    if sdk:
        from urllib3.filepost import encode_multipart_formdata

        body, content_type = encode_multipart_formdata(pairs)
    else:
        content_type, body = multipart_body(pairs)
    assert _plain_multipart(content_type, body) == _parsed_multipart(content_type, body)
    assert canonical_text(decode_multipart(content_type, body)) == canonical_text(params)


@given(st.dictionaries(keys, values, min_size=2, max_size=5), st.randoms(use_true_random=False))
def test_parameter_order_does_not_change_the_canonical_form(params, random):
    items = list(params.items())
    random.shuffle(items)
    assert canonical_text(dict(items)) == canonical_text(params)


@settings(max_examples=50)
@given(
    st.floats(0.5, 10),
    st.integers(1, 60),
    st.lists(st.floats(0, 3), min_size=1, max_size=120),
)
def test_the_bucket_never_lets_more_through_than_the_portal_would_accept(rate, burst, pauses):
    """Whatever the pauses between calls, no window sees more than burst + rate * window."""

    clock = FakeClock(0.0)
    bucket = LeakyBucket(RateLimit(rate, burst), margin=0, clock=clock, sleep=clock.sleep)
    sent = []
    for pause in pauses:
        clock.now += pause
        bucket.acquire()
        sent.append(clock.now)
    for i, start in enumerate(sent):
        for j in range(i, len(sent)):
            assert j - i + 1 <= burst + rate * (sent[j] - start) + 1e-6


def test_a_level_a_rounding_error_over_capacity_still_lets_the_next_call_through():
    """Float rounding left the level at 6.000000000000004 of 7: the wait asked for was too short to
    move a clock reading 1e6, so `acquire` looped forever (seen as a hung property test)."""

    clock = FakeClock(1e6)
    bucket = LeakyBucket(RateLimit(3.0, 7), margin=0, clock=clock, sleep=clock.sleep)
    bucket._level, bucket._updated = 6.000000000000004, clock.now
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        assert len(sleeps) < 10, "acquire keeps asking for waits that do not move the clock"
        clock.sleep(seconds)

    bucket._sleep = sleep
    assert bucket.acquire() < 1e-6


names = st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=10)
phones = st.from_regex(r"\+?[0-9 ()-]{2,15}", fullmatch=True)


@given(
    names,
    names,
    st.emails(),
    phones,
    st.from_regex(r"(0[1-9]|[12][0-9]|3[01])-(0[1-9]|1[0-2])", fullmatch=True),
)
def test_fakes_keep_the_shape_and_never_the_value(first, last, email, phone, birthday):
    scrubber = Scrubber({})
    user = {
        "id": 7,
        "name": f"{first} {last}",
        "first_name": first,
        "last_name": last,
        "email": email,
        "phones": {"personal_mobile": phone},
        "birthday": birthday,
        "avatar": "https://x.example/a.jpg",
    }
    fake = scrubber.person(user)
    assert fake["id"] == 7
    assert fake["name"] == f"{fake['first_name']} {fake['last_name']}"
    # a fake name is plainly one: never a real name, this person's or another's, nor holding one
    assert re.fullmatch(r"Fake\d{4}", fake["first_name"]) and fake["first_name"] != first
    assert re.fullmatch(r"user\.[0-9a-f]{10}@example\.com", fake["email"])
    assert re.sub(r"\d", "0", fake["phones"]["personal_mobile"]) == re.sub(r"\d", "0", phone)
    assert re.fullmatch(r"(0[1-9]|[12][0-9])-(0[1-9]|1[0-2])", fake["birthday"])
    assert fake["avatar"].startswith("https://example.com/fake/")
    assert fake["email"] != email and fake == scrubber.person(user)


def test_a_fake_is_never_the_value_it_stands_for():
    """A one-digit value keeps its class in a fake, so one key in nine would fake it as itself."""
    from b24conform.cassettes.scrub import PersonalData

    for key in range(200):
        personal = PersonalData(key.to_bytes(32, "big"))
        assert personal.fake("5") != "5" and personal.fake("527") != "527"
        assert personal.fake("5").isdigit() and personal.fake("Ab").isalpha()


def test_a_personal_value_is_masked_where_it_stands_alone_not_inside_other_text():
    """An inner phone `527` is masked in a message, not inside the docs' timestamp 1772527966."""
    from b24conform.cassettes.scrub import PersonalData

    personal = PersonalData()
    personal.values.update({"527", "Anna"})
    masked = personal.text("start 1772527966; inner phone 527; Annabel; Anna.")
    assert masked.startswith("start 1772527966; inner phone ")
    assert "Annabel" in masked
    assert " 527;" not in masked and " Anna." not in masked
