"""This app's part of `manage.py seed_demo` (servicedesk/core/demo.py): about
40 complaints in every state and class, walked there through complaints.services
like the work orders. Adds only what is missing."""

import datetime

from django.utils import timezone

from servicedesk.customers.demo import GIVEN, STREETS, SURNAMES
from tickets.models import WorkOrder

from . import selectors as complaint_selectors
from . import services as complaint_services
from .models import Complaint

COMPLAINTS = 40
ARGUMENTS = [("--complaints", {"type": int, "default": COMPLAINTS,
                               "help": "How many demo complaints to have (default 40)."})]

# (final state, category, cause, how it starts): every state and class 1/2/3.
COMPLAINT_PLAN = [
    ("received", "quality", "quality", ""),
    ("forwarded", "quality", "quality", ""),
    ("replied", "service", "service", "order"),
    ("disputed", "quality", "quality", "external"),
    ("return_visited", "service", "service", "order"),
    ("closed", "quality", "quality", "media"),
    ("rejected", "suggestion", "", ""),
    ("forwarded", "quality", "quality", "media"),
    ("closed", "service", "service", "order"),
    ("forwarded", "quality", "transport", ""),
    ("received", "service", "service", "sales"),
    ("replied", "quality", "quality", "external"),
    ("closed", "quality", "contract", "escalate"),
    ("forwarded", "quality", "quality", "repeat"),
]
COMPLAINT_TEXTS = {
    "quality": ["热水器使用三个月漏水，维修两次仍未解决", "净水器换芯一周出水有异味", "新装空调一个月不制冷，要求退换",
                "洗衣机脱水时剧烈晃动，怀疑质量问题"],
    "service": ["师傅上门迟到两个小时且未提前告知", "维修师傅态度差，收费未出示标准", "安装师傅未带鞋套，弄脏地板"],
    "suggestion": ["建议增加晚间上门时段", "希望能通过微信查询维修进度"],
    "transport": ["送货途中外壳摔坏，开箱即发现"],
    "contract": ["以旧换新补贴未按合同兑现"],
}


def _complaints(people, target, rng):
    """About 40 complaints in every state and class, walked there through
    complaints.services like the work orders. Adds only what is missing."""
    existing = Complaint.objects.count()
    todo = max(0, target - existing)
    now = timezone.now()
    served = list(
        WorkOrder.objects.filter(technician__isnull=False).select_related("customer", "technician__user")[:200]
    )
    previous = None
    for i in range(todo):
        final, category, cause, start = COMPLAINT_PLAN[(existing + i) % len(COMPLAINT_PLAN)]
        order = rng.choice(served) if served and (start == "order" or cause == "service") else None
        if start == "repeat" and previous is not None:
            customer = previous.customer  # a second complaint: class 2
        elif order is not None:
            customer = order.customer
        else:
            customer = {
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "phone": "15" + str(rng.randint(0, 9)) + f"{rng.randint(0, 99999999):08d}",
                "address": f"北京市朝阳区{rng.choice(STREETS)}{rng.randint(1, 30)}号楼"
                           f"{rng.randint(1, 6)}0{rng.randint(1, 4)}室",
            }
        complaint, _ = complaint_services.complaint_create(
            by=people["agent"], customer=customer, category=category, cause=cause, work_order=order,
            description=rng.choice(COMPLAINT_TEXTS[cause or category]),
            received_at=now - datetime.timedelta(minutes=rng.randint(10, 60 * 24 * 8)),
            source="sales" if start == "sales" else rng.choice(["phone", "phone", "wechat", "walk_in"]),
            external=start == "external", media=start == "media",
        )
        if start == "escalate":
            complaint_services.complaint_escalate(complaint_id=complaint.pk, by=people["supervisor"], complaint_class=3,
                                                  reason="客户联系了地方电视台 The customer called a TV station")
        _walk_complaint(complaint, final, people, rng)
        previous = complaint
    return todo


def _walk_complaint(complaint, final, people, rng):
    """Take the complaint through the services to `final`."""
    S = Complaint.State
    agent, supervisor, handler, hr = people["agent"], people["supervisor"], people["handler"], people["hr"]
    if final == S.RECEIVED:
        if complaint.source == Complaint.Source.SALES and rng.random() < 0.5:
            complaint_services.complaint_acknowledge(
                complaint_id=complaint.pk, by=agent, note="已电话告知销售员受理情况"
            )
        return
    if final == S.REJECTED:
        complaint_services.complaint_reject(complaint_id=complaint.pk, by=agent,
                                            reason="属产品改进建议，已转产品部，不作为投诉处理")
        return
    unit = complaint_selectors.suggested_unit(complaint) or handler.unit
    complaint_services.complaint_forward(complaint_id=complaint.pk, by=agent, handling_unit=unit,
                                         note="请于3个工作日内调查并回复客户")
    if final == S.FORWARDED:
        return
    replier = handler if unit.pk == handler.unit_id else supervisor
    complaint_services.complaint_reply(
        complaint_id=complaint.pk, by=replier, investigation="上门核实：问题属实，原因已查明",
        result="已为客户更换配件并致歉，客户接受", head_signed_by=f"{unit.name.split()[0]} 负责人")
    if final == S.REPLIED:
        return
    if final == S.DISPUTED:
        complaint_services.complaint_return_visit(complaint_id=complaint.pk, by=agent, satisfied=False,
                                                  note="客户对处理结果不满意，要求更换新机")
        return
    complaint_services.complaint_return_visit(complaint_id=complaint.pk, by=agent, satisfied=True,
                                              note="回访：客户对处理结果满意")
    complaint = Complaint.objects.select_related("technician__user").get(pk=complaint.pk)
    if complaint.technician_id:
        finding = complaint_services.finding_propose(
            complaint_id=complaint.pk, by=replier, person=complaint.technician.user,
            rule="《服务规范》第3条：上门须准时、着工服、带鞋套", proposal="通报批评，扣当月服务分5分")
        if final == S.CLOSED:
            complaint_services.finding_decide(finding_id=finding.pk, by=hr, decision="同意：通报批评，扣服务分5分")
    if final == S.RETURN_VISITED:
        return
    case_study = ""
    if complaint.complaint_class == 3:
        case_study = ("经过：客户投诉未得到及时处理后联系媒体。\n原因：首问负责未落实，升级不及时。\n"
                      "教训：三类投诉立即上报客服经理，24小时内给出解决方案。")
    complaint_services.complaint_close(
        complaint_id=complaint.pk, by=agent, improvement="完善安装后质检与回访流程", case_study=case_study,
        case_title=f"{complaint.number}：{complaint.description[:20]}" if case_study else "",
    )


def seed_complaints(run):
    """`--complaints` complaints in all, drawn with the run's seed."""
    created = _complaints(run.people, run.options.get("complaints", COMPLAINTS), run.rng(1))
    run.counts.append(f"{Complaint.objects.count()} complaints ({created} new)")
