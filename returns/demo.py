"""This app's part of `manage.py seed_demo`: idempotent (running it twice
changes nothing), called after billing's part. `people` maps the demo
usernames to users, with `categories` and `techs`."""


def seed_run(run):
    """seed_demo's registered part (servicedesk/core/demo.py, ReturnsConfig.ready)."""
    seed_returns(people=run.people, rng=run.rng(3), stdout=run.stdout, password=run.password)


def seed(*, people, rng, stdout):
    seed_returns(people=people, rng=rng, stdout=stdout)


def seed_returns(*, people, rng, stdout, password=None):
    """Offices in a week-1 (Beijing) and a week-3 (Guangdong) province, an
    office manager (officemgr) and a logistics user (logistics), returns in
    every state, and this month's factory return of the Beijing office,
    signed and approved. Idempotent: the returns are made once."""
    import datetime
    import os

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from returns import services as rs
    from returns.models import FactoryReturn, ReturnRequest
    from servicedesk.accounts.models import Region, Unit, User
    from servicedesk.core.demo import DEFAULT_PASSWORD

    password = password or os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
    branch = Unit.objects.filter(kind=Unit.Kind.BRANCH).first()
    hq = Unit.objects.filter(kind=Unit.Kind.HEADQUARTERS).first()
    regions = {r.code: r for r in Region.objects.all()}
    bj, _ = Unit.objects.update_or_create(name="北京办事处 Beijing office", defaults={
        "kind": Unit.Kind.OFFICE, "parent": branch or hq, "region": regions.get("bj-chaoyang")})
    gz, _ = Unit.objects.update_or_create(name="广州办事处 Guangzhou office", defaults={
        "kind": Unit.Kind.OFFICE, "parent": hq, "region": regions.get("gz-tianhe")})
    logistics_unit = Unit.objects.filter(responsibility=Unit.Responsibility.LOGISTICS).first() or hq

    def user(username, first_name, role, unit):
        u, _ = User.objects.get_or_create(username=username)
        u.first_name, u.unit, u.email = first_name, unit, f"{username}@demo.servicedesk.local"
        u.set_password(password)
        u.save()
        u.groups.set(Group.objects.filter(name=role))
        return u

    officemgr = user("officemgr", "办事处经理钱", "manager", bj)
    user("logistics", "物流部郑", "logistics", logistics_unit)
    cats = people["categories"]

    if not ReturnRequest.objects.exists():
        agent, supervisor = people["agent"], people["supervisor"]
        today = timezone.localdate()
        clear = {"lights": False, "base_aged": False, "tube_greyed": False, "bridge_blackened": False}

        def new(by, phone, category, requested_by, reason, **product):
            return rs.return_create(
                by=by, customer={"name": f"退货客户{phone[-3:]}", "phone": phone, "address": "北京市朝阳区建国路88号"},
                product={"category": cats[category], "model": "E27-11W", **product},
                requested_by=requested_by, reason=reason)

        month_ago = today - datetime.timedelta(days=30)
        r = new(agent, "13600000001", "energy_saving_lamp", "consumer", "节能灯不亮", purchase_date=month_ago)
        rs.return_assess(return_id=r.pk, by=agent, findings=clear)
        rs.return_fulfil(return_id=r.pk, by=agent, note="已一换一")
        rs.return_close(return_id=r.pk, by=agent)
        r = new(agent, "13600000002", "energy_saving_lamp", "consumer", "灯闪烁", purchase_date=month_ago)
        rs.return_assess(return_id=r.pk, by=agent, findings={**clear, "lights": True})
        r = new(agent, "13600000003", "energy_saving_lamp", "consumer", "用了一年多不亮",
                purchase_date=today - datetime.timedelta(days=500))
        rs.return_assess(return_id=r.pk, by=agent, findings=clear)
        new(agent, "13600000004", "energy_saving_lamp", "consumer", "节能灯不亮", purchase_date=today)
        r = new(people["partner"], "13600000005", "energy_saving_lamp", "dealer", "整箱中有不亮的灯",
                manufactured_on=today - datetime.timedelta(days=200))
        rs.return_assess(return_id=r.pk, by=supervisor, findings=clear)
        r = new(agent, "13600000006", "gas_water_heater", "consumer", "热水器点不着火",
                purchase_date=today - datetime.timedelta(days=90))
        rs.return_assess(return_id=r.pk, by=agent, findings={})
        r = new(agent, "13600000007", "ceiling_lamp", "consumer", "吸顶灯镇流器损坏",
                purchase_date=today - datetime.timedelta(days=60))
        rs.return_assess(return_id=r.pk, by=agent, findings={})
        rs.return_fulfil(return_id=r.pk, by=agent, note="返修完成，已交还客户")
        r = rs.return_create(
            by=people["partner2"],
            customer={"name": "二号经销商门店", "phone": "13600000008"},
            product={
                "category": cats["energy_saving_lamp"],
                "model": "E27-11W",
                "manufactured_on": today - datetime.timedelta(days=45),
            },
            requested_by="dealer",
            reason="整批灯管发黑",
            batch=True,
            batch_code="B" + today.strftime("%Y%m"),
            quantity=500,
        )
        # Customer service sends tech1 on site: the only technician who sees it and records the visit.
        rs.return_assign(return_id=r.pk, by=supervisor, technician=people["techs"][0], note="技术部派刘师傅到现场核查")

    month = timezone.localdate().replace(day=1)
    if not FactoryReturn.objects.filter(office=bj, month=month).exists():
        fr = rs.factory_return_create(by=officemgr, office=bj, month=month, note="本月返厂", items=[
            {"description": "节能灯 11W", "model": "E27-11W", "quantity": 120, "reason": "不亮"},
            {"description": "吸顶灯镇流器", "model": "ZL-32", "quantity": 15, "reason": "镇流器烧毁"},
            {"description": "灯管", "model": "T5-28W", "quantity": 40, "reason": "灯管发黑"},
        ])
        rs.factory_return_sign(factory_return_id=fr.pk, by=officemgr)
        rs.factory_return_approve(factory_return_id=fr.pk, by=people["supervisor"])
    if not FactoryReturn.objects.filter(office=gz, month=month).exists():
        rs.factory_return_create(by=people["supervisor"], office=gz, month=month, items=[
            {"description": "节能灯 15W", "model": "E27-15W", "quantity": 60, "reason": "不亮"}])
    stdout.write(f"Returns: {ReturnRequest.objects.count()}, factory returns: {FactoryReturn.objects.count()} "
                 f"(users officemgr, logistics).")
