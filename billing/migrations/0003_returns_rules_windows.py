"""Seed data of returns (issue 6, items 6-7), editable in the admin after:
the assessment rules (domain.md section 5, seeds/004; api-contract.md,
Returns) and the return-to-factory weeks by province; and the history
tables made append-only on PostgreSQL."""

from django.db import migrations

from servicedesk.core.history import immutable_table_sql

LAMP = "energy_saving_lamp"
SRC = "seeds/004 (domain.md section 5)"


def rule(category, order, kind, decision, reason, reason_zh, *, requested_by="", finding="", label="", label_zh="",
         required=True, term=None, counted_from="", source=SRC):
    return dict(category=category, order=order, kind=kind, decision=decision, reason=reason, reason_zh=reason_zh,
                requested_by=requested_by, finding=finding, expected=True, finding_required=required,
                finding_label=label, finding_label_zh=label_zh, term_months=term, counted_from=counted_from,
                source=source)


RULES = [
    # Any category: transport damage is claimed from the carrier (seeds/004).
    rule("", 5, "finding", "rejected", "Damaged in transport: the claim goes to the carrier.",
         "运输途中损坏：请向承运方索赔。", finding="transport_damage", label="Damaged in transport",
         label_zh="运输损坏", required=False),
    # Any category: repair needs valid proof of purchase; in warranty a depot
    # repair (3 days, then exchange); out of warranty the repair is charged.
    rule("", 50, "proof", "rejected", "No valid proof of purchase: repair needs one.",
         "无有效购买凭证，不予保修。", counted_from="purchase"),
    rule("", 60, "term", "repair", "In warranty: depot repair within 3 days; past that, an exchange.",
         "在保修期内：返修，3天内修好；逾期换货。", term=12, counted_from="purchase",
         source=SRC + "; 1 year as for energy-saving lamps and ballasts"),
    rule("", 90, "otherwise", "rejected", "Out of warranty: no free return; a repair is charged (parts plus 10%).",
         "已过保修期，不予免费退换；维修收取配件费另加10%维修费。"),
    # Energy-saving lamps (api-contract.md, Returns; seeds/004).
    rule(LAMP, 5, "finding", "rejected", "Damaged in transport: the claim goes to the carrier.",
         "运输途中损坏：请向承运方索赔。", finding="transport_damage", label="Damaged in transport",
         label_zh="运输损坏", required=False),
    rule(LAMP, 10, "finding", "rejected", "A lamp that lights is not exchanged.", "灯能点亮，不予更换。",
         finding="lights", label="Lights", label_zh="能点亮"),
    rule(LAMP, 20, "finding", "rejected", "The lamp base is aged (not about 80% new): no exchange.",
         "灯头老化（不足八成新），不予更换。", finding="base_aged", label="Base aged", label_zh="灯头老化"),
    rule(LAMP, 30, "finding", "rejected", "The tube is greyed: no exchange.", "灯管发灰，不予更换。",
         finding="tube_greyed", label="Tube greyed", label_zh="灯管发灰"),
    rule(LAMP, 40, "finding", "rejected", "The bridge is blackened: no exchange.", "灯桥发黑，不予更换。",
         finding="bridge_blackened", label="Bridge blackened", label_zh="灯桥发黑"),
    rule(LAMP, 50, "proof", "rejected", "No valid proof of purchase (purchase date): no exchange.",
         "无有效购买凭证（购买日期），不予更换。", requested_by="consumer", counted_from="purchase"),
    rule(LAMP, 60, "term", "exchange", "It does not light and is within 12 months of purchase: exchanged one for one.",
         "灯不亮，在购买后12个月保修期内：一换一。", requested_by="consumer", term=12, counted_from="purchase"),
    rule(LAMP, 50, "proof", "rejected", "No manufacture date code: no exchange.", "无生产日期码，不予更换。",
         requested_by="dealer", counted_from="manufacture"),
    rule(LAMP, 60, "term", "exchange",
         "It does not light and is within 15 months of manufacture: exchanged one for one.",
         "灯不亮，在生产后15个月内：一换一。", requested_by="dealer", term=15, counted_from="manufacture"),
    rule(LAMP, 90, "otherwise", "rejected", "Out of term: no exchange.", "已超过更换期限，不予更换。"),
]

# seeds/004: each office returns once a month in its province's week.
WINDOWS = [
    (1, "黑龙江", "Heilongjiang", ""), (1, "辽宁", "Liaoning", ""), (1, "天津", "Tianjin", ""),
    (1, "北京", "Beijing", ""), (1, "山西", "Shanxi", ""), (1, "内蒙古", "Inner Mongolia", "与山西同"),
    (1, "河北", "Hebei", ""), (1, "四川", "Sichuan", ""), (1, "贵州", "Guizhou", ""), (1, "陕西", "Shaanxi", ""),
    (1, "甘肃", "Gansu", ""), (1, "青海", "Qinghai", "与甘肃同"), (1, "宁夏", "Ningxia", "与甘肃同"),
    (1, "新疆", "Xinjiang", ""), (1, "重庆", "Chongqing", ""), (1, "云南", "Yunnan", ""),
    (2, "安徽", "Anhui", ""), (2, "江苏", "Jiangsu", ""), (2, "上海", "Shanghai", ""), (2, "浙江", "Zhejiang", ""),
    (2, "福州", "Fuzhou", "福建省，文件按城市列出"),
    (2, "厦门", "Xiamen", "福建省，文件按城市列出"),
    (2, "泉州", "Quanzhou", "福建省，文件按城市列出"), (2, "江西", "Jiangxi", ""),
    (3, "湖北", "Hubei", ""), (3, "湖南", "Hunan", ""), (3, "山东", "Shandong", ""), (3, "河南", "Henan", ""),
    (3, "广东", "Guangdong", ""), (3, "广西", "Guangxi", ""), (3, "海南", "Hainan", ""),
]

HISTORY = ["billing_returnevent", "billing_factoryreturnevent"]


def seed(apps, schema_editor):
    ReturnRule = apps.get_model("billing", "ReturnRule")
    ReturnWindow = apps.get_model("billing", "ReturnWindow")
    if not ReturnRule.objects.exists():
        ReturnRule.objects.bulk_create([ReturnRule(**row) for row in RULES])
    for week, place, place_en, note in WINDOWS:
        ReturnWindow.objects.get_or_create(place=place, defaults={"week": week, "place_en": place_en, "note": note})


def triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in HISTORY:
            schema_editor.execute(immutable_table_sql(table)[0], params=None)


def untriggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in HISTORY:
            schema_editor.execute(immutable_table_sql(table)[1], params=None)


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_fees")]
    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(triggers, untriggers),
    ]
