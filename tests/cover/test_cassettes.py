"""Record and replay: no secret or personal data recorded, findings reproduced exactly offline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from vcr.cassette import Cassette
from vcr.request import Request

from b24conform.cassettes import CASSETTE, CORPUS, META, matching
from b24conform.cassettes.matching import bitrix_matcher, params_of
from b24conform.cassettes.replay import ReplayTransport
from b24conform.cassettes.scrub import Scrubber
from b24conform.cassettes.vcr_backend import IndexedCassette, _vcr
from b24conform.engine import RunOptions, run
from b24conform.errors import TargetUnavailable, UsageError
from b24conform.portal import ReferencePortal
from b24conform.spec import load_spec
from b24conform.targets import TargetOptions
from b24conform.transport import encode_query
from tests.settings import EXAMPLES

FAULTS = ("missing_full_name", "color_without_hash", "json_string_id_refused")


def run_on(target: TargetOptions, **kw):
    return run(RunOptions(target=target, max_examples=EXAMPLES, **kw))


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A live recording of a faulty portal (its webhook code and its people are the canaries)."""
    folder = tmp_path_factory.mktemp("cassettes") / "portal"
    with ReferencePortal(faults=FAULTS) as portal:
        webhook = portal.webhook_url("employee")
        extranet = portal.webhook_url("extranet")
        target = TargetOptions(
            webhook=webhook, denied_webhooks=(extranet,), record=folder, rate_limit=None
        )
        live = run_on(target)
        people = [u.fields for u in portal.company.users.values()]
    return folder, live.document, webhook, extranet, people


def test_recording_writes_the_cassette_its_corpus_and_meta(recorded):
    folder, live, *_ = recorded
    assert {p.name for p in folder.iterdir()} == {CASSETTE, CORPUS, META}
    meta = json.loads((folder / META).read_text())
    assert meta["format"] == "b24conform.cassette/1" and meta["source"] == "live"
    assert live["summary"]["error"] > 0


def test_no_secret_reaches_the_cassette(recorded):
    folder, _, webhook, extranet, _ = recorded
    text = "".join((folder / name).read_text() for name in (CASSETTE, CORPUS, META))
    for url in (webhook, extranet):
        code = url.rstrip("/").rsplit("/", 1)[-1]
        assert code not in text
    role = webhook_user(extranet)
    assert "WEBHOOK_CODE" in text and f"USER-{role}_CODE" in text  # a role by its user id


def test_no_personal_data_reaches_the_cassette(recorded):
    folder, _, _, _, people = recorded
    text = (folder / CASSETTE).read_text()
    canaries = set()
    for person in people:
        canaries.update(
            person[k] for k in ("name", "last_name", "email", "avatar", "website") if person.get(k)
        )
        if isinstance(person.get("phones"), dict):
            canaries.update(v for v in person["phones"].values() if len(v) > 3)
    assert canaries
    leaked = sorted(c for c in canaries if json.dumps(c)[1:-1] in text)
    assert leaked == []


def test_replay_reproduces_the_recorded_findings_exactly_with_no_portal_running(recorded):
    folder, live, *_ = recorded
    replay = run_on(TargetOptions(cassette=folder)).document
    assert replay["run"]["mode"] == "replay"
    strip = lambda doc: [(d["id"], d["occurrences"], d["severity"]) for d in doc["deviations"]]  # noqa: E731
    assert strip(replay) == strip(live)
    assert replay["observations"] == live["observations"]
    assert replay["summary"] == live["summary"]


def test_replay_judges_by_the_docs_chosen_now(recorded):
    folder, *_ = recorded
    rev18 = run_on(TargetOptions(cassette=folder), docs="rev18").document
    assert rev18["run"]["docs"] == "rev18"
    assert any(d["kind"] == "undocumented_field" for d in rev18["deviations"])


def test_a_request_the_cassette_lacks_is_out_of_date_with_the_command_to_re_record(
    recorded, tmp_path
):
    folder, *_ = recorded
    stale = tmp_path / "stale"
    shutil.copytree(folder, stale)
    corpus = json.loads((stale / CORPUS).read_text())
    corpus["direct"][0]["call"]["params"] = {"ID": [987654]}
    (stale / CORPUS).write_text(json.dumps(corpus))
    with pytest.raises(
        UsageError, match=r"out of date.*re-record with: b24conform run --webhook URL --record"
    ):
        run_on(TargetOptions(cassette=stale))


@pytest.mark.parametrize("broken", ["missing", "not_json", "other_format"])
def test_a_broken_cassette_is_a_one_line_usage_error(recorded, tmp_path, broken):
    folder, *_ = recorded
    bad = tmp_path / "bad"
    shutil.copytree(folder, bad)
    if broken == "missing":
        (bad / CORPUS).unlink()
    elif broken == "not_json":
        (bad / META).write_text("{")
    else:
        (bad / META).write_text(json.dumps({"format": "something/9"}))
    with pytest.raises(UsageError) as error:
        run_on(TargetOptions(cassette=bad))
    assert "\n" not in str(error.value)


def test_a_failed_recording_leaves_the_previous_cassette_intact(recorded, tmp_path):
    folder, *_ = recorded
    kept = tmp_path / "kept"
    shutil.copytree(folder, kept)
    before = {p.name: p.read_bytes() for p in kept.iterdir()}
    with pytest.raises(TargetUnavailable):
        run_on(TargetOptions(webhook="https://127.0.0.1:9/rest/1/abc/", record=kept))
    assert {p.name: p.read_bytes() for p in kept.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["kept"]


def test_record_and_cassette_together_are_refused(tmp_path):
    with pytest.raises(UsageError, match="exclude each other"):
        run_on(TargetOptions(cassette=tmp_path, record=tmp_path))


# -- matching -----------------------------------------------------------------------------------

URL = "https://acme.bitrix24.com/rest/1/WEBHOOK_CODE/im.department.get"


def request(body: str, content_type: str, uri: str = URL) -> Request:
    return Request("POST", uri, body, {"Content-Type": content_type})


def test_every_encoding_of_the_same_call_matches_the_recording():
    recorded = request(json.dumps({"ID": [3, 7], "USER_DATA": "Y"}), "application/json")
    bitrix_matcher(
        recorded, request("ID[]=3&ID[]=7&USER_DATA=Y", "application/x-www-form-urlencoded")
    )
    bitrix_matcher(
        recorded, request("USER_DATA=Y&ID[0]=3&ID[1]=7", "application/x-www-form-urlencoded")
    )
    bitrix_matcher(recorded, Request("POST", URL + "?ID[]=3&ID[]=7&USER_DATA=Y", "", {}))


@pytest.mark.parametrize(
    "other",
    [
        request(json.dumps({"ID": [3]}), "application/json"),
        request(json.dumps({"ID": "[3,7]", "USER_DATA": "Y"}), "application/json"),
        request(
            json.dumps({"ID": [3, 7], "USER_DATA": "Y"}),
            "application/json",
            URL.replace("WEBHOOK_CODE", "b24conform0wrong0code"),
        ),
    ],
)
def test_different_calls_do_not_match(other):
    recorded = request(json.dumps({"ID": [3, 7], "USER_DATA": "Y"}), "application/json")
    with pytest.raises(AssertionError):
        bitrix_matcher(recorded, other)


# -- scrubbing ----------------------------------------------------------------------------------

MANAGER = json.loads(load_spec().method("im.department.get").examples[1]["text"])["result"][1][
    "manager_user_data"
]


def test_fakes_keep_shape_and_format_and_the_same_person_gets_the_same_fake():
    scrubber = Scrubber({"c0de": "WEBHOOK_CODE"})
    fake = scrubber.json(
        {"result": [{"manager_user_data": MANAGER}, {"manager_user_data": MANAGER}]}
    )
    first, second = (r["manager_user_data"] for r in fake["result"])
    assert first == second
    assert first["id"] == MANAGER["id"] and first["departments"] == MANAGER["departments"]
    for key in ("name", "first_name", "last_name", "email", "avatar", "birthday"):
        assert first[key] != MANAGER[key], key
    assert first["name"] == f"{first['first_name']} {first['last_name']}"
    assert len(first["phones"]["personal_mobile"]) == len(MANAGER["phones"]["personal_mobile"])
    validator = load_spec().validator({"$ref": "user.json"}, "test")
    assert list(validator.iter_errors(first)) == []


def test_another_recording_gets_other_fakes():
    one, two = Scrubber({}), Scrubber({})
    assert one.person(MANAGER)["email"] != two.person(MANAGER)["email"]


def test_department_names_are_not_personal_data():
    department = {
        "id": 3,
        "name": "Finance Department",
        "full_name": "Finance Department / mysite.com",
    }
    assert Scrubber({}).json(department) == department


def test_an_oauth_run_records_and_replays_without_its_token(tmp_path):
    folder = tmp_path / "oauth"
    with ReferencePortal() as portal:
        token = portal.oauth_token("employee")
        target = TargetOptions(
            oauth_portal=portal.base_url, oauth_token=token, record=folder, rate_limit=None
        )
        live = run_on(target, methods=("im.department.get",)).document
    assert token not in "".join(p.read_text() for p in folder.iterdir())
    replay = run_on(TargetOptions(cassette=folder)).document
    assert [d["id"] for d in replay["deviations"]] == [d["id"] for d in live["deviations"]]
    assert replay["summary"]["cases"] == live["summary"]["cases"]


def webhook_user(url: str) -> str:
    return url.rstrip("/").rsplit("/", 2)[-2]


# -- the index ----------------------------------------------------------------------------------


SHIPPED = Path(__file__).resolve().parents[2] / "cassettes" / "reference"


def load_reference(cassette_class):
    config = _vcr("none", None).get_merged_config(
        path=str(SHIPPED / CASSETTE), allow_playback_repeats=True
    )
    for name in ("path_transformer", "func_path_generator", "record_on_exception"):
        config.pop(name, None)
    return cassette_class.load(**config)


def reencoded(recorded: Request) -> Request:
    """The same call, sent as a form body instead of JSON (or the other way round)."""
    params = params_of(recorded)
    if "json" in str(recorded.headers):
        return request(encode_query(params), "application/x-www-form-urlencoded", recorded.uri)
    return request(json.dumps(params), "application/json", recorded.uri)


def test_the_index_finds_exactly_what_vcrpys_matching_finds(monkeypatch):
    indexed, plain = load_reference(IndexedCassette), load_reference(Cassette)
    # vcrpy's own matching scans with our matchers (~0.3 s a look-up): a sample of every form
    sample = [r for r, _ in plain.data][::17]
    asked = sample + [reencoded(r) for r in sample if r.body]
    asked.append(request(json.dumps({"ID": [999999]}), "application/json"))
    for wanted in asked:
        assert list(indexed._responses(wanted)) == list(plain._responses(wanted))
    assert len(plain.data) >= 60


def test_a_look_up_costs_one_key_whatever_the_cassettes_size(monkeypatch):
    """No look-up compares the request with every recorded one: the replay stays linear."""
    cassette = load_reference(IndexedCassette)
    requests_ = [r for r, _ in cassette.data]
    calls = []
    counted = matching.key

    def counting(request):
        calls.append(request)
        return counted(request)

    monkeypatch.setattr(matching, "key", counting)
    for wanted in requests_:
        assert cassette.play_response(wanted) is not None
    # one key per recorded request (the index, built once) and one per look-up
    assert len(calls) <= 2 * len(requests_)


def test_the_replay_transport_answers_what_vcrpy_would_play(monkeypatch):
    """Every recorded call, as recorded and re-encoded, gets from `ReplayTransport` the answer
    vcrpy plays (the first recorded one, repeats allowed); an unrecorded call gets none."""
    cassette = load_reference(IndexedCassette)
    replay = ReplayTransport(SHIPPED)
    recorded = [r for r, _ in cassette.data]
    asked = recorded + [reencoded(r) for r in recorded if r.body]
    for wanted in asked:
        played = cassette.play_response(wanted)
        ours = replay.answers[matching.key(wanted)]
        assert (ours.status, ours.body) == (played["status"]["code"], played["body"]["string"])
    unknown = request(json.dumps({"ID": [999999]}), "application/json")
    assert matching.key(unknown) not in replay.answers
    assert len(replay.answers) == len({matching.key(r) for r in recorded})
