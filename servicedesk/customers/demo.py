"""This app's part of `manage.py seed_demo` (servicedesk/core/demo.py): the
product categories by slug, and the names and streets the other parts draw
their demo customers from. Idempotent."""

from django.db import transaction

from .models import ProductCategory

CATEGORIES = [
    ("gas_water_heater", "燃气热水器 Gas water heater"),
    ("water_purifier", "净水器 Water purifier"),
    ("air_conditioner", "空调 Air conditioner"),
    ("energy_saving_lamp", "节能灯 Energy-saving lamp"),
    ("washing_machine", "洗衣机 Washing machine"),
    ("ceiling_lamp", "吸顶灯 Ceiling lamp"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
    "平",
]
STREETS = ["建国路88号", "朝阳北路101号", "中关村大街27号", "世纪大道100号", "天河路385号", "人民南路四段12号"]


@transaction.atomic
def seed_categories(run):
    """The categories, in run.people["categories"] by slug."""
    cats = {}
    for slug, name in CATEGORIES:
        cats[slug], _ = ProductCategory.objects.update_or_create(slug=slug, defaults={"name": name, "active": True})
    run.people["categories"] = cats
