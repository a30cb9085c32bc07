"""Every choice label of every model of the project's apps reads in Simplified
Chinese what the project's own catalogue says for it (issue 13, item 3): a
third-party catalogue does not win ("Exchange" is 换货, not
django_celery_beat's 交换机), and a short label that means two things in the
project carries a message context ("Receipt" of stock is 入库, the receipt
stage of a complaint 受理)."""

import pathlib

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

from .test_translations import messages, parse_po

ROOT = pathlib.Path(settings.BASE_DIR)


def catalogue(path):
    return {(e["ctx"], e["id"]): e["strs"].get(0) for e in messages(parse_po(path.read_text(encoding="utf-8")))}


ROOT_CATALOGUE = catalogue(ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
APP_CATALOGUES = {path.relative_to(ROOT).parts[0]: catalogue(path)
                  for path in ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po")}


def project_apps():
    return [config for config in apps.get_app_configs()
            if pathlib.Path(config.path).is_relative_to(ROOT) and ".venv" not in pathlib.Path(config.path).parts]


def message_of(label):
    """(context, msgid) of a lazy gettext_lazy / pgettext_lazy label."""
    args = label._args
    return (args[0], args[1]) if len(args) == 2 else (None, args[0])


def choice_labels():
    for config in project_apps():
        for model in config.get_models():
            for field in model._meta.get_fields():
                for value, label in getattr(field, "flatchoices", None) or []:
                    yield f"{config.label}.{model.__name__}.{field.name}={value}", config, label


def own_entry(config, context, msgid):
    """The app's own catalogue where it has one (calls/, billing/), else the root catalogue."""
    own = APP_CATALOGUES.get(config.name.split(".")[0], {})
    return own.get((context, msgid)) or ROOT_CATALOGUE.get((context, msgid))


def test_the_project_apps_and_their_choices_are_found():
    labels = {name for name, _config, _label in choice_labels()}
    assert {"billing.StockMovement.kind=receipt", "tickets.WorkOrder.state=received"} <= labels
    assert len(labels) > 100


def test_every_choice_label_is_translatable_and_reads_as_the_projects_catalogue_says():
    wrong = []
    for name, config, label in choice_labels():
        if not isinstance(label, Promise):
            wrong.append((name, label, "not translatable"))
            continue
        context, msgid = message_of(label)
        expected = own_entry(config, context, msgid)
        with translation.override("zh-hans"):
            shown = str(label)
        if expected is None or shown != expected:
            wrong.append((name, msgid, shown, expected))
    assert wrong == []


@pytest.mark.parametrize("name,chinese", [
    ("billing.StockMovement.kind=receipt", "入库"),
    ("billing.ReturnRule.decision=exchange", "换货"),
    ("billing.FactoryReturn.state=arrived", "已到厂"),
    ("billing.ReturnRequest.decision=repair", "返修"),
    ("billing.WorkOrderEntitlement.status=in_warranty", "保修期内"),
])
def test_the_labels_that_collided(name, chinese):
    # By model and field name: the returns models keep them when they move to the app label `returns`.
    model_field = name.split(".", 1)[1]
    found = [label for full, _config, label in choice_labels() if full.split(".", 1)[1] == model_field]
    with translation.override("zh-hans"):
        assert [str(label) for label in found] == [chinese]


def test_the_same_message_elsewhere_keeps_its_own_meaning():
    from django.template import Context, Template

    from servicedesk.core.labels import kind_label

    with translation.override("zh-hans"):
        assert str(kind_label("repair")) == "带回维修"
        assert Template('{% load i18n %}{% translate "Arrived" context "work order" %}').render(Context()) == "上门时间"
        # a complaint's first step
        assert Template('{% load i18n %}{% translate "Receipt" %}').render(Context()) == "受理"
        assert Template('{% load i18n %}{% translate "Receipt" context "payment" %}').render(Context()) == "收据"


def test_the_projects_catalogues_come_before_every_installed_apps():
    paths = [pathlib.Path(p) for p in settings.LOCALE_PATHS]
    assert paths[0] == ROOT / "locale"
    assert {p.relative_to(ROOT).parts[0] for p in paths[1:]} == set(APP_CATALOGUES)
