"""A notification keeps its facts and says them in the reader's language
(issue 13, item 4): the inbox in English for an English reader and in Chinese
for a Chinese one, whatever language the sweep ran in; the e-mail in the
recipient's language; deadline kinds by their label, never their code
(answer, arrive, respond, callback); a call by its whole id."""


import pytest
from django.core import mail
from django.utils import timezone, translation

from servicedesk.deadlines.escalation import sweep
from servicedesk.notifications.models import EmailDelivery, Notification
from servicedesk.notifications.tasks import deliver_email
from servicedesk.notifications.titles import Title
from tests.factories import UserFactory

from .test_escalation_sweep import H, create_order, org  # noqa: F401 - org is the fixture create_order needs

pytestmark = pytest.mark.django_db

RAW_CODES = (" answer ", " arrive ", " respond ", " callback ", "respond was", "arrive was")
CALL_ID = "demo-20261206-0042-abcdef"


def inbox(client, user, language):
    client.force_login(user)
    return client.get("/notifications/", HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_an_escalation_reads_in_each_readers_language_with_labels_not_codes(client, org):  # noqa: F811 - org is the imported fixture
    reported = timezone.now() - 30 * H
    with translation.override("zh-hans"):  # the worker's language does not decide what readers see
        order = create_order(org, reported_at=reported)
        sweep(now=reported + 25 * H)
    supervisor = org["station_supervisor"]
    note = Notification.objects.filter(recipient=supervisor, escalation__level=1,
                                       escalation__deadline__kind="respond").get()
    due = timezone.localtime(note.escalation.deadline.due_at).strftime("%Y-%m-%d %H:%M")
    assert note.params == {"subject": ["workorder", order.number], "kind": "respond", "level": 1,
                           "due": note.escalation.deadline.due_at.isoformat()}

    english = inbox(client, supervisor, "en")
    assert f"Overdue (level 1): Work order {order.number}, Respond was due {due}" in english
    chinese = inbox(client, supervisor, "zh-hans")
    assert f"已超时（1 级）：工单 {order.number}，响应 应于 {due} 完成" in chinese
    for page in (english, chinese):
        assert not any(code in page for code in RAW_CODES)


@pytest.mark.parametrize("kind,english,chinese", [
    ("answer", "Answer within 3 rings", "铃响三声内接听"),
    ("callback", "Call back", "回电"),
    ("arrive", "Arrive on site", "上门"),
])
def test_a_call_keeps_its_whole_id_and_its_kind_label(client, kind, english, chinese):
    reader = UserFactory(username=f"reader-{kind}", roles=["supervisor"])
    due = timezone.now().replace(microsecond=0)
    Notification.objects.create(
        recipient=reader, title="as written", message="Due soon: %(subject)s, %(kind)s at %(due)s",
        params={"subject": ["call", CALL_ID], "kind": kind, "due": due.isoformat()})
    at = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
    assert f"Due soon: Call {CALL_ID}, {english} at {at}" in inbox(client, reader, "en")
    page = inbox(client, reader, "zh-hans")
    assert f"即将到期：来电 {CALL_ID}，{chinese}，截止 {at}" in page
    assert f" {kind} " not in page


def test_a_notification_written_before_keeps_its_stored_title(client):
    reader = UserFactory(username="reader-old", roles=["manager"])
    Notification.objects.create(recipient=reader, title="投诉升级为二级", url="/complaints/7/")
    assert "投诉升级为二级" in inbox(client, reader, "en")


def test_the_email_is_in_the_recipients_language(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    english = UserFactory(username="mail-en", roles=["technician"], email="en@example.cn")
    english.language = "en"
    english.save(update_fields=["language"])
    chinese = UserFactory(username="mail-zh", roles=["technician"], email="zh@example.cn")
    assert chinese.language == "zh-hans"  # the default
    from servicedesk.notifications.services import notifications_create

    with translation.override("zh-hans"):
        notes = notifications_create(
            recipients=[english, chinese],
            url="/work-orders/1/",
            title=Title(
                "Work order %(number)s is yours now (handed over by %(name)s)", {"number": "WO1", "name": "王"}
            ),
        )
    assert {n.title for n in notes} == {"工单 WO1 已移交给您（移交人：王）"}
    for delivery in EmailDelivery.objects.filter(notification__in=notes).order_by("to"):
        deliver_email.apply(args=[delivery.pk])
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {"en@example.cn": "Work order WO1 is yours now (handed over by 王)",
                        "zh@example.cn": "工单 WO1 已移交给您（移交人：王）"}


def test_the_links_in_e_mail_follow_the_address_the_product_runs_at(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "http://10.0.0.5:8080"
    user = UserFactory(username="mail-link", roles=["technician"], email="t@example.cn")
    note = Notification.objects.create(recipient=user, title="x", url="/work-orders/1/")
    deliver_email.apply(args=[EmailDelivery.objects.create(notification=note, to=user.email).pk])
    assert mail.outbox[0].body.endswith("http://10.0.0.5:8080/work-orders/1/")
