"""Malformed input of any shape is a 4xx naming the problem, never a 500
(contract: Retries, privacy, abuse; issue 16, item 2): JSON nested too deep
(also without a login), NUL characters and unpaired surrogates in bodies and
in the query-string filters of the pages, invalid UTF-8, and bodies over
DATA_UPLOAD_MAX_MEMORY_SIZE. One gate for all (servicedesk.core.input_guard):
the API's parser and a middleware; nothing is saved."""

import json

import pytest
from rest_framework.test import APIClient

from complaints.models import Complaint
from servicedesk.core.input_guard import MAX_DEPTH
from tests.conftest import api_for
from tickets import services
from tickets.models import WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db

WO = "/api/v1/work-orders/"
CUSTOMER = {"name": "王伟", "phone": "13800138000", "address": "北京市朝阳区建国路88号"}


def post_raw(client, url, raw):
    return client.generic("POST", url, raw, content_type="application/json")


def order_body(**changes):
    return {"kind": "repair", "description": "热水器不点火", "customer": dict(CUSTOMER), **changes}


def nested(depth):
    return "[" * depth + "]" * depth


def counts():
    return (WorkOrder.objects.count(), WorkOrderEvent.objects.count(), Complaint.objects.count())


@pytest.fixture
def order(agent):
    return services.work_order_create(by=agent, kind="repair", customer=dict(CUSTOMER), description="热水器不点火")[0]


# --- deep nesting --------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_json_nested_deeper_than_the_parser_goes_is_a_400_also_without_a_login(db, depth):
    r = post_raw(APIClient(), "/api/v1/auth/token/", nested(depth))

    assert r.status_code == 400
    assert r.json()["code"] == "too_deeply_nested"


def test_json_nested_a_thousand_deep_is_a_400_on_a_create(agent):
    before = counts()
    body = json.dumps(order_body())[:-1] + ', "product": ' + '{"a": ' * 1000 + "1" + "}" * 1000 + "}"

    r = post_raw(api_for(agent), WO, body)

    assert (r.status_code, r.json()["code"]) == (400, "too_deeply_nested")
    assert counts() == before


def test_nesting_up_to_the_limit_is_parsed_and_one_more_is_refused(agent):
    assert post_raw(api_for(agent), WO, nested(MAX_DEPTH)).status_code == 400  # a list, not an order: a field error
    assert "code" not in post_raw(api_for(agent), WO, nested(MAX_DEPTH)).json()
    assert post_raw(api_for(agent), WO, nested(MAX_DEPTH + 1)).json()["code"] == "too_deeply_nested"


def test_an_anonymous_deep_body_is_refused_before_it_is_read(db):
    r = post_raw(APIClient(), WO, nested(100_000))

    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"


# --- NUL and unpaired surrogates in JSON bodies ------------------------------------------


@pytest.mark.parametrize(("raw_value", "code"), [(r'"a\u0000b"', "nul_character"), (r'"a\ud800b"', "invalid_unicode"),
                                                 (r'"\udfff"', "invalid_unicode")])
@pytest.mark.parametrize("field", ["description", "customer.name", "customer.address", "external_ref"])
def test_a_bad_character_in_a_work_order_is_a_400_naming_the_field(agent, field, raw_value, code):
    body = order_body()
    if "." in field:
        body["customer"][field.split(".")[1]] = "@@"
    else:
        body[field] = "@@"
    before = counts()

    r = post_raw(api_for(agent), WO, json.dumps(body, ensure_ascii=False).replace('"@@"', raw_value))

    assert r.status_code == 400
    assert (r.json()["code"], r.json()["field"]) == (code, field)
    assert counts() == before


@pytest.mark.parametrize(("url", "body", "field"), [
    ("/api/v1/complaints/", {"customer": CUSTOMER, "category": "service", "description": "@@"}, "description"),
    ("/api/v1/calls/events/", {"call_id": "@@", "event": "ring", "at": "2026-12-01T09:00:00+08:00"}, "call_id"),
    ("/api/v1/returns/", {"customer": CUSTOMER, "requested_by": "consumer", "reason": "@@"}, "reason"),
    ("/api/v1/auth/token/", {"username": "@@", "password": "x"}, "username"),
])
def test_a_nul_in_any_api_body_is_a_400_naming_the_field(agent, supervisor, telephony, url, body, field):
    user = telephony if "calls" in url else supervisor
    before = counts()

    r = post_raw(api_for(user), url, json.dumps(body, ensure_ascii=False).replace('"@@"', r'"x\u0000"'))

    assert (r.status_code, r.json()["code"], r.json()["field"]) == (400, "nul_character", field)
    assert counts() == before


@pytest.mark.parametrize("raw_note", [r'"\u0000"', r'"\ud83d"'])
def test_hand_over_with_a_bad_note_is_a_400_and_the_owner_stays(order, agent, supervisor, raw_note):
    r = post_raw(api_for(supervisor), f"{WO}{order.pk}/hand-over/", f'{{"to": "supervisor", "note": {raw_note}}}')

    assert r.status_code == 400 and r.json()["field"] == "note"
    order.refresh_from_db()
    assert order.owner == agent and WorkOrderEvent.objects.filter(order=order, action="hand-over").count() == 0


def test_a_bad_key_is_refused_too(agent):
    r = post_raw(api_for(agent), WO, '{"de\\u0000scription": "x"}')

    assert (r.status_code, r.json()["code"]) == (400, "nul_character")


def test_bytes_that_are_not_utf8_are_a_400(agent):
    r = api_for(agent).generic("POST", WO, b'{"description": "\xff\xfe"}', content_type="application/json")

    assert (r.status_code, r.json()["code"]) == (400, "parse_error")


# --- query strings and forms on pages and the API ---------------------------------------

LIST_PAGES = ["/returns/", "/factory-returns/", "/complaints/", "/complaints/case-studies/", "/dashboard/deadlines/",
              "/work-orders/", "/complaints/queue/"]
BAD_QUERIES = [("q=a%00b", "nul_character", "q"), ("state=%00", "nul_character", "state"),
               ("q=%ED%A0%80", "invalid_unicode", "q"), ("q=%FF", "invalid_unicode", "q"),
               ("a%00=1", "nul_character", "a\\x00")]


@pytest.mark.parametrize("url", LIST_PAGES)
@pytest.mark.parametrize(("query", "code", "name"), BAD_QUERIES)
def test_a_bad_filter_on_a_list_page_is_a_400_with_its_code(client, supervisor, url, query, code, name):
    client.force_login(supervisor)

    r = client.get(f"{url}?{query}")

    assert r.status_code == 400
    assert f'data-code="{code}"' in r.content.decode() and name in r.content.decode()


@pytest.mark.parametrize("url", ["/api/v1/work-orders/", "/api/v1/complaints/", "/api/v1/returns/",
                                 "/api/v1/calls/", "/api/v1/callbacks/"])
@pytest.mark.parametrize(("query", "code", "name"), BAD_QUERIES)
def test_a_bad_filter_on_an_api_list_is_a_400_naming_the_parameter(supervisor, url, query, code, name):
    r = api_for(supervisor).get(f"{url}?{query}")

    assert r.status_code == 400
    assert (r.json()["code"], r.json()["parameter"]) == (code, name)


def test_the_good_filters_still_work(client, supervisor, order):
    client.force_login(supervisor)
    for url in LIST_PAGES:
        assert client.get(f"{url}?q=%E7%8E%8B%E4%BC%9F").status_code == 200, url
    assert api_for(supervisor).get(WO, {"q": "王伟"}).json()["count"] == 1


@pytest.mark.parametrize(("body", "code"), [("to=supervisor&note=a%00b", "nul_character"),
                                            ("to=supervisor&note=%ED%A0%80", "invalid_unicode")])
def test_hand_over_on_the_page_with_a_bad_note_is_a_400_and_the_owner_stays(client, order, agent, supervisor, body,
                                                                            code):
    client.force_login(supervisor)

    r = client.post(f"/work-orders/{order.pk}/actions/hand-over/", body,
                    content_type="application/x-www-form-urlencoded")

    assert r.status_code == 400 and f'data-code="{code}"' in r.content.decode()
    order.refresh_from_db()
    assert order.owner == agent and WorkOrderEvent.objects.filter(order=order, action="hand-over").count() == 0


def test_a_nul_in_a_multipart_form_is_a_400(client, supervisor, order, agent):
    client.force_login(supervisor)

    r = client.post(f"/work-orders/{order.pk}/actions/hand-over/", {"to": "supervisor", "note": "a\x00b"})

    assert r.status_code == 400 and 'data-code="nul_character"' in r.content.decode()
    order.refresh_from_db()
    assert order.owner == agent


def test_a_nul_in_the_path_is_a_400(supervisor):
    r = api_for(supervisor).get("/api/v1/calls/a%00b/")

    assert (r.status_code, r.json()["code"]) == (400, "nul_character")


# --- oversized bodies ----------------------------------------------------------------


def test_a_body_over_the_limit_is_a_413_on_the_api_and_nothing_is_saved(agent, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    before = counts()

    r = post_raw(api_for(agent), WO, json.dumps(order_body(description="修" * 3_000), ensure_ascii=False))

    assert (r.status_code, r.json()["code"]) == (413, "request_too_large")
    assert counts() == before


def test_a_body_over_the_limit_without_a_length_is_a_413_from_the_parser(agent, settings):
    import io

    from servicedesk.core.input_guard import GuardedJSONParser, MalformedInput

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    with pytest.raises(MalformedInput) as refused:
        GuardedJSONParser().parse(io.BytesIO(b'{"a": "' + b"x" * 200 + b'"}'))
    assert (refused.value.status, refused.value.code) == (413, "request_too_large")


def test_a_form_over_the_limit_is_a_413_on_the_pages(client, supervisor, order, agent, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    client.force_login(supervisor)

    r = client.post(f"/work-orders/{order.pk}/actions/hand-over/", "to=supervisor&note=" + "x" * 3_000,
                    content_type="application/x-www-form-urlencoded")

    assert r.status_code == 413 and 'data-code="request_too_large"' in r.content.decode()
    order.refresh_from_db()
    assert order.owner == agent
