"""8D reports for class 2 and 3 product-quality complaints (seeds/002:
complaint data feeds 8D reports; issue 19 item 5): the D1 to D8 fields on
the complaint, saved by a supervisor, printable; refused for the others."""

from complaints.services import complaint_create
from measures.models import EightDReport
from tests.factories import CustomerFactory, UserFactory


def _complaint(agent, **kw):
    complaint, _ = complaint_create(by=agent, customer=CustomerFactory(), category=kw.pop("category", "quality"),
                                    description="热水器外壳开裂", **kw)
    return complaint


def test_a_class_2_quality_complaint_gets_its_8d_and_prints_it(db, client, agent, supervisor):
    complaint = _complaint(agent, external=True)  # threatens to complain outside: class 2 (seeds/002)
    assert complaint.complaint_class == 2
    client.force_login(supervisor)
    assert 'id="open-8d"' in client.get(f"/complaints/{complaint.pk}/").content.decode()
    url = f"/complaints/{complaint.pk}/8d/"
    r = client.post(url, {"d1_team": "质量部 王工", "d2_problem": ""})
    assert r.status_code == 400 and 'id="error-d2_problem"' in r.content.decode()
    assert not EightDReport.objects.exists()
    fields = {"d1_team": "质量部 王工", "d2_problem": "外壳注塑批次 B12 开裂", "d3_containment": "暂停发货",
              "d4_root_cause": "模具温度偏低", "d5_corrective_actions": "调整工艺", "d6_implementation": "已验证",
              "d7_prevention": "加入首检", "d8_closure": "小组表彰"}
    r = client.post(url, fields)
    assert r.status_code == 302
    report = EightDReport.objects.get(complaint=complaint)
    assert report.d4_root_cause == "模具温度偏低" and report.updated_by == supervisor
    client.post(url, {**fields, "d6_implementation": "三个月无复发"})
    assert EightDReport.objects.count() == 1
    page = client.get(f"/complaints/{complaint.pk}/8d/print/").content.decode()
    assert "三个月无复发" in page and "js/print.js" in page and "<style" not in page


def test_refused_for_class_1_and_for_service_complaints(db, client, agent, supervisor):
    client.force_login(supervisor)
    first = _complaint(agent)
    service = _complaint(agent, category="service", media=True)
    for complaint in (first, service):
        assert client.get(f"/complaints/{complaint.pk}/8d/").status_code == 404
        assert 'id="open-8d"' not in client.get(f"/complaints/{complaint.pk}/").content.decode()


def test_only_supervisors_and_managers(db, client, agent):
    complaint = _complaint(agent, media=True)
    client.force_login(UserFactory(roles=["handler"]))
    assert client.post(f"/complaints/{complaint.pk}/8d/", {"d2_problem": "x"}).status_code == 403
    assert not EightDReport.objects.exists()
