"""This app's part of `manage.py seed_demo` (servicedesk/core/demo.py): the
regions, the organisation's units, the partners and the demo users, with the
password from DEMO_PASSWORD. Idempotent."""

from django.contrib.auth.models import Group
from django.db import transaction

from .models import Partner, Region, Unit, User

REGIONS = [
    ("bj-chaoyang", "朝阳区", "北京市"),
    ("bj-haidian", "海淀区", "北京市"),
    ("sh-pudong", "浦东新区", "上海市"),
    ("gz-tianhe", "天河区", "广东省"),
    ("cd-wuhou", "武侯区", "四川省"),
]
# Who the closing line names (technicians' users come from technicians/demo.py).
DEMO_USERS = "agent, dispatcher, tech1, tech2, supervisor, handler, partner, partner2, telephony, manager, hr, admin"


def demo_user(username, password, roles, *, first_name="", unit=None, partner=None, superuser=False):
    """The demo user `username` with these roles, created or brought back to them."""
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


@transaction.atomic
def seed_organisation(run):
    """Regions (run.people["regions"] by code), units (the two stations in
    run.people["stations"]), partners and the staff users (run.people by username)."""
    password = run.password
    regions = {}
    for code, name, province in REGIONS:
        regions[code], _ = Region.objects.update_or_create(code=code, defaults={"name": name, "province": province})

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
    dealer, _ = Partner.objects.update_or_create(code="dealer-two", defaults={
        "name": "二号经销商 Dealer Two", "installations_need_approval": True})  # contract: approved installations

    run.people.update({
        "agent": demo_user("agent", password, ["agent"], first_name="客服小王", unit=call_center),
        "dispatcher": demo_user("dispatcher", password, ["dispatcher"], first_name="调度老李", unit=branch),
        "supervisor": demo_user("supervisor", password, ["supervisor"], first_name="主管张", unit=cs),
        "handler": demo_user("handler", password, ["handler"], first_name="质量部赵", unit=quality),
        "manager": demo_user("manager", password, ["manager"], first_name="经理孙", unit=cs),
        "hr": demo_user("hr", password, ["hr"], first_name="人事周", unit=hq),
        "partner": demo_user("partner", password, ["partner"], first_name="Acme API", partner=acme),
        "partner2": demo_user("partner2", password, ["partner"], first_name="Dealer Two API", partner=dealer),
        "telephony": demo_user("telephony", password, ["telephony"], first_name="PBX"),
        "admin": demo_user("admin", password, ["administrator"], first_name="管理员", superuser=True),
    })
    run.people["regions"] = regions
    run.people["stations"] = [station, station2]
    run.notes.append(f"Users {DEMO_USERS}; password: {password}")
