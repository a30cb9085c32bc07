"""The checklist templates every installation starts with, each item naming
its source (../shared/domain.md; seeds/001). The data migration 0002 loads
them; an administrator edits them in the admin afterwards."""

S001 = "seeds/001"

# (code, name, category slug or "", kinds "repair,install" or "", items)
# item: (code, English label, Chinese label, kind, stage, required, unit, min, max)
TEMPLATES = [
    ("every-order", "Every order: safety and power-on tests", "", "", [
        ("safety_test", "Safety test before the work (electrical safety / leak test)", "施工前安全检测",
         "check", "before", True, "", None, None),
        ("power_on_test", "Power-on test after the work", "完工后通电试机", "check", "after", True, "", None, None),
    ]),
    ("conduct-12345", "Haier “12345” conduct", "", "", [
        ("show_certificate", "Service certificate shown to the customer", "出示服务证", "check", "before", False,
         "", None, None),
        ("show_fee_schedule", "Public fee schedule shown", "出示收费标准", "check", "before", False, "", None, None),
        ("explain_use", "Use and care explained to the customer", "讲解使用与保养", "check", "after", False,
         "", None, None),
        ("site_cleaned", "Site cleaned up", "清理现场", "check", "after", False, "", None, None),
        ("nothing_accepted", "No water, cigarettes, meals or gifts accepted from the customer",
         "不喝用户一口水、不抽用户一支烟、不吃用户一顿饭、不收用户礼品", "check", "after", False, "", None, None),
    ]),
    ("conduct-five-ones", "The “five ones”", "", "", [
        ("business_card", "A business card handed over", "递一张名片", "check", "before", False, "", None, None),
        ("shoe_covers", "Shoe covers worn", "穿一副鞋套", "check", "before", False, "", None, None),
        ("floor_cloth", "A floor cloth laid down", "铺一块垫布", "check", "before", False, "", None, None),
        ("wiping_cloth", "Appliance wiped clean with a cloth", "用一块抹布擦净机器", "check", "after", False,
         "", None, None),
        ("other_appliances", "The customer's other appliances checked", "检查用户其他电器", "check", "after", False,
         "", None, None),
    ]),
    ("gas-safety", "Gas water heaters: pressure test and safety inspection", "gas_water_heater", "repair,install", [
        ("gas_pressure_test", "Pressure held after 10 minutes at 5000 mm water column (before ignition)",
         "点火前试压：5000毫米水柱保压10分钟", "measure", "before", True, "mmH2O", 5000, None),
        ("gas_safety_inspection", "Gas safety inspection after the repair", "维修后燃气安全检查", "check", "after",
         True, "", None, None),
        ("new_pipework_test", "New pipework only: pressure held after 15 minutes at 500 mm water column",
         "新敷设管道：500毫米水柱保压15分钟", "measure", "after", False, "mmH2O", 500, None),
        ("notes", "Notes on the gas installation", "燃气设施备注", "text", "after", False, "", None, None),
    ]),
]


def seed_templates(template_model, item_model) -> int:
    """Create the templates that do not exist yet (by code); answers how many
    were created. Existing templates are the administrator's: left alone."""
    created = 0
    for position, (code, name, category, kinds, items) in enumerate(TEMPLATES):
        if template_model.objects.filter(code=code).exists():
            continue
        template = template_model.objects.create(code=code, name=name, category=category, kinds=kinds, source=S001)
        item_model.objects.bulk_create([
            item_model(template=template, position=position * 100 + i, code=c, label=label, label_zh=zh, kind=kind,
                       stage=stage, required=required, unit=unit, min_value=lo, max_value=hi, source=S001)
            for i, (c, label, zh, kind, stage, required, unit, lo, hi) in enumerate(items)
        ])
        created += 1
    return created


def seed() -> int:
    """The templates again, if missing (after a database was emptied, e.g. by a transactional test)."""
    from .models import ChecklistTemplate, TemplateItem

    return seed_templates(ChecklistTemplate, TemplateItem)
