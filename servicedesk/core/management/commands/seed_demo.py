"""Demo data (api-contract.md, Demo data): the organisation, the demo users
with DEMO_PASSWORD, categories by slug, technicians, customers, and a few
hundred work orders in every state, walked there through the real services
so their history and deadlines are real. Safe to run again."""

import datetime
import os
import random

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from billing import demo as billing_demo
from calls import demo as calls_demo
from complaints import selectors as complaint_selectors
from complaints import services as complaint_services
from complaints.models import Complaint
from servicedesk.accounts.models import Partner, Region, Unit, User
from servicedesk.customers.models import ProductCategory
from technicians.models import Certification, Technician
from tickets import services
from tickets.models import WorkOrder

DEFAULT_PASSWORD = "demo-servicedesk"

REGIONS = [
    ("bj-chaoyang", "朝阳区", "北京市"),
    ("bj-haidian", "海淀区", "北京市"),
    ("sh-pudong", "浦东新区", "上海市"),
    ("gz-tianhe", "天河区", "广东省"),
    ("cd-wuhou", "武侯区", "四川省"),
]
CATEGORIES = [
    ("gas_water_heater", "燃气热水器 Gas water heater"),
    ("water_purifier", "净水器 Water purifier"),
    ("air_conditioner", "空调 Air conditioner"),
    ("energy_saving_lamp", "节能灯 Energy-saving lamp"),
    ("washing_machine", "洗衣机 Washing machine"),
    ("ceiling_lamp", "吸顶灯 Ceiling lamp"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平"]
STREETS = ["建国路88号", "朝阳北路101号", "中关村大街27号", "世纪大道100号", "天河路385号", "人民南路四段12号"]
FAULTS = {
    "gas_water_heater": ["热水器点不着火", "出水忽冷忽热", "有燃气味，请速来检查", "显示E1故障码"],
    "water_purifier": ["更换滤芯", "净水器漏水", "出水量变小", "新机安装"],
    "air_conditioner": ["空调不制冷", "室外机噪音大", "新空调安装", "遥控器失灵"],
    "energy_saving_lamp": ["节能灯不亮", "灯管发黑"],
    "washing_machine": ["洗衣机不脱水", "滚筒异响"],
    "ceiling_lamp": ["吸顶灯镇流器损坏", "灯罩安装"],
}


class Command(BaseCommand):
    help = "Create the demo organisation, users (password from DEMO_PASSWORD) and work orders."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")
        parser.add_argument("--orders", type=int, default=300, help="How many demo work orders to have (default 300).")
        parser.add_argument("--complaints", type=int, default=40, help="How many demo complaints to have (default 40).")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, force=False, orders=300, complaints=40, seed=7, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo refuses to run with DEBUG off (it sets known passwords). Use --force.")
        if not settings.DEBUG and not os.environ.get("DEMO_PASSWORD"):
            # Forced onto a production-like server, the well-known default password would open every demo account.
            raise CommandError("seed_demo --force needs DEMO_PASSWORD with DEBUG off: the demo users would "
                               "otherwise get the publicly known default password.")
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        rng = random.Random(seed)
        with transaction.atomic():
            people = self._organisation(password)
        created = self._orders(people, orders, rng)
        complaints_created = self._complaints(people, complaints, random.Random(seed + 1))
        # The apps added later seed their own part, each idempotent (calls/demo.py, billing/demo.py).
        for module in (calls_demo, billing_demo):
            module.seed(people=people, rng=random.Random(seed + 2), stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {WorkOrder.objects.count()} work orders ({created} new), "
            f"{Complaint.objects.count()} complaints ({complaints_created} new). "
            f"Users agent, dispatcher, tech1, tech2, supervisor, handler, partner, partner2, telephony, "
            f"manager, hr, admin; password: {password}"
        ))

    # --- organisation --------------------------------------------------------

    def _user(self, username, password, roles, *, first_name="", unit=None, partner=None, superuser=False):
        user, _ = User.objects.get_or_create(username=username)
        user.first_name = first_name
        user.unit = unit
        user.partner = partner
        user.is_staff = superuser or "supervisor" in roles
        user.is_superuser = superuser
        user.email = f"{username}@demo.servicedesk.local"
        user.set_password(password)
        user.save()
        user.groups.set(Group.objects.filter(name__in=roles))
        return user

    def _organisation(self, password):
        regions = {}
        for code, name, province in REGIONS:
            regions[code], _ = Region.objects.update_or_create(code=code, defaults={"name": name, "province": province})
        cats = {}
        for slug, name in CATEGORIES:
            cats[slug], _ = ProductCategory.objects.update_or_create(slug=slug, defaults={"name": name, "active": True})

        def unit(name, kind, parent=None, region=None, responsibility=""):
            obj, _ = Unit.objects.update_or_create(
                name=name, defaults={"kind": kind, "parent": parent, "region": region, "responsibility": responsibility})
            return obj

        hq = unit("总部 Headquarters", Unit.Kind.HEADQUARTERS)
        branch = unit("北京分公司 Beijing branch", Unit.Kind.BRANCH, hq, regions["bj-chaoyang"])
        station = unit("朝阳服务站 Chaoyang station", Unit.Kind.STATION, branch, regions["bj-chaoyang"])
        station2 = unit("浦东服务站 Pudong station", Unit.Kind.STATION, hq, regions["sh-pudong"])
        call_center = unit("客服中心 Call center", Unit.Kind.CALL_CENTER, hq)
        R = Unit.Responsibility
        quality = unit("质量部 Quality department", Unit.Kind.HANDLING_UNIT, hq, responsibility=R.QUALITY)
        unit("物流部 Logistics", Unit.Kind.DEPARTMENT, hq, responsibility=R.LOGISTICS)
        unit("经营管理部 Management", Unit.Kind.DEPARTMENT, hq, responsibility=R.MANAGEMENT)
        cs = unit("客户服务部 Customer service", Unit.Kind.DEPARTMENT, hq, responsibility=R.CUSTOMER_SERVICE)

        acme, _ = Partner.objects.update_or_create(code="acme-appliances", defaults={"name": "Acme 家电 Appliances"})
        dealer, _ = Partner.objects.update_or_create(code="dealer-two", defaults={"name": "二号经销商 Dealer Two"})

        people = {
            "agent": self._user("agent", password, ["agent"], first_name="客服小王", unit=call_center),
            "dispatcher": self._user("dispatcher", password, ["dispatcher"], first_name="调度老李", unit=branch),
            "supervisor": self._user("supervisor", password, ["supervisor"], first_name="主管张", unit=cs),
            "handler": self._user("handler", password, ["handler"], first_name="质量部赵", unit=quality),
            "manager": self._user("manager", password, ["manager"], first_name="经理孙", unit=cs),
            "hr": self._user("hr", password, ["hr"], first_name="人事周", unit=hq),
            "partner": self._user("partner", password, ["partner"], first_name="Acme API", partner=acme),
            "partner2": self._user("partner2", password, ["partner"], first_name="Dealer Two API", partner=dealer),
            "telephony": self._user("telephony", password, ["telephony"], first_name="PBX"),
            "admin": self._user("admin", password, ["administrator"], first_name="管理员", superuser=True),
        }
        valid = timezone.localdate() + datetime.timedelta(days=365)
        techs = []
        specs = [
            ("tech1", "师傅刘", station, ["bj-chaoyang"], list(cats), True),
            ("tech2", "师傅陈", station, ["bj-chaoyang"], list(cats), True),
            ("tech3", "师傅杨", station, ["bj-haidian"], ["gas_water_heater", "water_purifier"], True),
            ("tech4", "师傅黄", station2, ["sh-pudong"], ["air_conditioner", "washing_machine"], True),
            ("tech5", "师傅吴", station2, ["sh-pudong", "gz-tianhe"], list(cats), False),
        ]
        for username, name, st, region_codes, slugs, active in specs:
            user = self._user(username, password, ["technician"], first_name=name, unit=st)
            tech, _ = Technician.objects.update_or_create(user=user, defaults={"station": st, "active": active})
            tech.regions.set([regions[c] for c in region_codes])
            for slug in slugs:
                Certification.objects.update_or_create(
                    technician=tech, category=cats[slug], defaults={"valid_until": valid, "number": f"CERT-{username}-{slug}"}
                )
            techs.append(tech)
        # One expired certification, to show dispatch refusing it.
        Certification.objects.update_or_create(
            technician=techs[2], category=cats["air_conditioner"],
            defaults={"valid_until": timezone.localdate() - datetime.timedelta(days=10), "number": "CERT-tech3-old"},
        )
        people["techs"] = techs[:4]
        people["categories"] = cats
        return people

    # --- work orders ----------------------------------------------------------

    def _orders(self, people, target, rng):
        existing = WorkOrder.objects.count()
        todo = max(0, target - existing)
        states = [s for s, _ in WorkOrder.State.choices]
        now = timezone.now()
        for i in range(todo):
            final = states[i % len(states)]
            slug = rng.choice(list(FAULTS))
            kind = rng.choice(["repair", "repair", "install", "maintenance", "emergency"])
            region = rng.choice(["朝阳区", "朝阳区", "海淀区", "浦东新区"])
            city = "上海市" if region == "浦东新区" else "北京市"
            customer = {
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "phone": "13" + str(rng.randint(0, 9)) + f"{rng.randint(0, 99999999):08d}",
                "address": f"{city}{region}{rng.choice(STREETS)}{rng.randint(1, 30)}号楼{rng.randint(1, 6)}0{rng.randint(1, 4)}室",
            }
            by = people["partner"] if i % 9 == 0 else people["agent"]
            reported = now - datetime.timedelta(minutes=rng.randint(5, 60 * 72))
            product = {"category": people["categories"][slug], "model": f"M{rng.randint(100, 999)}",
                       "serial": f"SN{rng.randint(10**7, 10**8)}",
                       "purchase_date": (now - datetime.timedelta(days=rng.randint(20, 900))).date()}
            order, _ = services.work_order_create(
                by=by, kind=kind, customer=customer, description=rng.choice(FAULTS[slug]), reported_at=reported,
                product=product, external_ref=f"DEMO-{i}" if by is people["partner"] else "",
            )
            self._walk(order, final, people, rng)
        return todo

    def _walk(self, order, final, people, rng):
        """Take the order through the services to `final`."""
        dispatcher, agent = people["dispatcher"], people["agent"]
        cands = [t for t in people["techs"] if t.certifications.filter(category=order.category).exists() and t.active]
        tech = rng.choice(cands[:2] if cands else people["techs"][:2])
        S = WorkOrder.State
        if final == S.RECEIVED:
            return
        if final == S.CANCELLED:
            services.work_order_cancel(order_id=order.pk, by=agent, reason="客户取消 Customer cancelled")
            return
        services.work_order_dispatch(order_id=order.pk, technician=tech, by=dispatcher)
        if final == S.DISPATCHED:
            return
        tu = tech.user
        services.work_order_accept(order_id=order.pk, by=tu)
        if final == S.ACCEPTED:
            return
        appointment = timezone.now() + datetime.timedelta(hours=rng.randint(1, 20))
        services.work_order_schedule(order_id=order.pk, by=tu, appointment_at=appointment)
        if final == S.SCHEDULED:
            return
        services.work_order_check_in(order_id=order.pk, by=tu)
        if final == S.ON_SITE:
            return
        if final == S.TAKEN_BACK or rng.random() < 0.2:
            services.work_order_take_back(order_id=order.pk, by=tu,
                                          promised_by=timezone.now() + datetime.timedelta(days=rng.randint(1, 3)))
            if final == S.TAKEN_BACK:
                return
            services.work_order_return(order_id=order.pk, by=tu, resolution="返厂维修完成 Depot repair done")
        else:
            services.work_order_resolve(order_id=order.pk, by=tu, resolution="现场修复 Fixed on site")
        if final == S.RESOLVED:
            return
        services.work_order_sign_off(order_id=order.pk, by=tu, signed_by=order.customer.name,
                                     satisfaction=rng.choice([3, 4, 5, 5, 5]))
        if final == S.SIGNED_OFF:
            return
        services.work_order_close(order_id=order.pk, by=agent, note="回访满意 Follow-up call done")

    # --- complaints -------------------------------------------------------------

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

    def _complaints(self, people, target, rng):
        """About 40 complaints in every state and class, walked there through
        complaints.services like the work orders. Adds only what is missing."""
        existing = Complaint.objects.count()
        todo = max(0, target - existing)
        now = timezone.now()
        served = list(WorkOrder.objects.filter(technician__isnull=False).select_related("customer", "technician__user")[:200])
        previous = None
        for i in range(todo):
            final, category, cause, start = self.COMPLAINT_PLAN[(existing + i) % len(self.COMPLAINT_PLAN)]
            order = rng.choice(served) if served and (start == "order" or cause == "service") else None
            if start == "repeat" and previous is not None:
                customer = previous.customer  # a second complaint: class 2
            elif order is not None:
                customer = order.customer
            else:
                customer = {"name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                            "phone": "15" + str(rng.randint(0, 9)) + f"{rng.randint(0, 99999999):08d}",
                            "address": f"北京市朝阳区{rng.choice(STREETS)}{rng.randint(1, 30)}号楼{rng.randint(1, 6)}0{rng.randint(1, 4)}室"}
            complaint, _ = complaint_services.complaint_create(
                by=people["agent"], customer=customer, category=category, cause=cause, work_order=order,
                description=rng.choice(self.COMPLAINT_TEXTS[cause or category]),
                received_at=now - datetime.timedelta(minutes=rng.randint(10, 60 * 24 * 8)),
                source="sales" if start == "sales" else rng.choice(["phone", "phone", "wechat", "walk_in"]),
                external=start == "external", media=start == "media",
            )
            if start == "escalate":
                complaint_services.complaint_escalate(complaint_id=complaint.pk, by=people["supervisor"], complaint_class=3,
                                                      reason="客户联系了地方电视台 The customer called a TV station")
            self._walk_complaint(complaint, final, people, rng)
            previous = complaint
        return todo

    def _walk_complaint(self, complaint, final, people, rng):
        """Take the complaint through the services to `final`."""
        S = Complaint.State
        agent, supervisor, handler, hr = people["agent"], people["supervisor"], people["handler"], people["hr"]
        if final == S.RECEIVED:
            if complaint.source == Complaint.Source.SALES and rng.random() < 0.5:
                complaint_services.complaint_acknowledge(complaint_id=complaint.pk, by=agent, note="已电话告知销售员受理情况")
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
        complaint_services.complaint_close(complaint_id=complaint.pk, by=agent, improvement="完善安装后质检与回访流程",
                                           case_study=case_study,
                                           case_title=f"{complaint.number}：{complaint.description[:20]}" if case_study else "")
