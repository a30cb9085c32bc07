"""The Simplified Chinese translation (locale/zh_Hans/LC_MESSAGES/django.po)
is complete for the current code and is what the pages show.

- the committed .po has every msgstr filled, no fuzzy entry, one plural form
  and the same placeholders as the English;
- `makemessages` run over a copy of the source tree finds no string that the
  committed .po lacks (so a string added to the code without a translation
  fails here: run the makemessages line below and translate the new entries);
- a page asked for with Accept-Language zh-hans is in Chinese, with en in
  English, from the committed .po compiled into a temporary directory.

To refresh the .po files after changing strings (the root catalog and the app
catalogs of calls/, billing/ and returns/ at once):
    DEBUG=1 .venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=bench \
        --ignore=tests --ignore=docs --ignore=var
"""

import ast
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
from django.test import override_settings
from django.utils import translation

from complaints.models import Complaint
from tickets import services
from tickets.models import WorkOrder

from .conftest import skip_or_fail
from .factories import UserFactory

ROOT = pathlib.Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Apps with their own catalog (their code and templates live inside the app, so
# makemessages puts their strings there): calls, billing, returns.
APP_POS = sorted(ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))
ALL_POS = [PO] + APP_POS
MAKEMESSAGES_IGNORES = [".venv", "bench", "tests", "docs", "var"]
# What the copy for makemessages leaves out: none of it holds strings the product shows.
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "var", "bench", "tests", "docs", "static", "node_modules",
                                     "__pycache__", "*.mo", "*.sqlite3", ".pytest_cache")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


# --- a small .po parser (polib is not a dependency) ---------------------------

def parse_po(text):
    """Entries as dicts: ctx, id, plural, strs {index: text}, flags, obsolete."""
    entries, current, key = [], None, None

    def flush():
        if current is not None and "id" in current:
            entries.append(current)

    for line in text.splitlines() + [""]:
        if not line.strip():
            flush()
            current, key = None, None
            continue
        if current is None:
            current = {"ctx": None, "plural": None, "strs": {}, "flags": set(), "obsolete": False}
        if line.startswith("#~"):
            current["obsolete"] = True
            continue
        if line.startswith("#,"):
            current["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$', line)
        if match:
            keyword, index, value = match.group(1), match.group(2), ast.literal_eval(match.group(3))
            key = {"msgctxt": "ctx", "msgid": "id", "msgid_plural": "plural"}.get(keyword, int(index or 0))
        elif line.startswith('"') and key is not None:
            value = ast.literal_eval(line)
        else:
            raise ValueError(f"unexpected .po line: {line!r}")
        if isinstance(key, int):
            current["strs"][key] = current["strs"].get(key, "") + value if match is None else value
        else:
            current[key] = (current.get(key) or "") + value if match is None else value
    return entries


def messages(entries):
    return [e for e in entries if e["id"] != "" and not e["obsolete"]]


def label(entry):
    return f"{entry['ctx']}|{entry['id']}" if entry["ctx"] else entry["id"]


def untranslated(entries):
    return sorted(label(e) for e in messages(entries) if not e["strs"].get(0) or "fuzzy" in e["flags"])


# --- (a) the committed .po ----------------------------------------------------

def test_the_app_catalogs_are_found():
    assert {path.relative_to(ROOT).parts[0] for path in APP_POS} >= {"calls", "billing", "returns"}


@pytest.mark.parametrize("po", ALL_POS, ids=lambda path: str(path.relative_to(ROOT)))
def test_the_committed_po_has_every_entry_translated_and_none_fuzzy(po):
    entries = parse_po(po.read_text(encoding="utf-8"))
    header = next(e for e in entries if e["id"] == "")

    if po == PO:
        assert len(messages(entries)) > 600
    assert untranslated(entries) == []
    assert "fuzzy" not in header["flags"]
    assert [e for e in entries if e["obsolete"]] == []
    assert "Language: zh_Hans\n" in header["strs"][0]
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header["strs"][0]
    assert "charset=UTF-8" in header["strs"][0]
    # Chinese has one plural form: the single msgstr[0], nothing else.
    assert [label(e) for e in messages(entries) if e["plural"] is not None and set(e["strs"]) != {0}] == []


@pytest.mark.parametrize("po", ALL_POS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_translation_keeps_the_placeholders_of_its_english(po):
    mismatched = [
        (label(e), e["strs"][0]) for e in messages(parse_po(po.read_text(encoding="utf-8")))
        if sorted(PLACEHOLDER.findall(e["id"])) != sorted(PLACEHOLDER.findall(e["strs"][0]))
    ]
    assert mismatched == []


@pytest.mark.parametrize("po", ALL_POS, ids=lambda path: str(path.relative_to(ROOT)))
def test_msgfmt_accepts_the_po_with_its_format_checks(tmp_path, po):
    if not shutil.which("msgfmt"):
        skip_or_fail("needs msgfmt (apt-get install gettext)")
    result = subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(po)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- (b) the .po is complete for the current code --------------------------------

def test_makemessages_over_the_current_code_finds_nothing_missing_from_the_po(tmp_path):
    """A few seconds: xgettext over a copy of the source without .venv, var,
    tests, docs and bench (the same ignores as the documented command)."""
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        skip_or_fail("needs xgettext and msgmerge (apt-get install gettext)")
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=COPY_IGNORE)
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "servicedesk.settings",
           "SERVICEDESK_VAR_DIR": str(tmp_path / "var")}
    command = [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"]
    command += [f"--ignore={name}" for name in MAKEMESSAGES_IGNORES]
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr

    for po in ALL_POS:
        committed = {label(e) for e in messages(parse_po(po.read_text(encoding="utf-8")))}
        regenerated = parse_po((copy / po.relative_to(ROOT)).read_text(encoding="utf-8"))
        where = str(po.relative_to(ROOT))
        assert (where, sorted({label(e) for e in messages(regenerated)} - committed)) == (where, [])
        assert (where, untranslated(regenerated)) == (where, [])


# --- (c) the pages speak the asked language --------------------------------------

@pytest.fixture
def compiled_locale(tmp_path):
    """The committed .po compiled into a temporary LOCALE_PATHS (changing the
    setting also empties Django's translation caches)."""
    if not shutil.which("msgfmt"):
        skip_or_fail("needs msgfmt (apt-get install gettext)")
    target = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    subprocess.run(["msgfmt", "-o", str(target / "django.mo"), str(PO)], check=True)
    with override_settings(LOCALE_PATHS=[str(tmp_path / "locale")]):
        yield


@pytest.mark.django_db
def test_the_work_order_list_is_in_chinese_for_zh_hans_and_in_english_for_en(client, compiled_locale):
    agent = UserFactory(username="agent", roles=["agent"])
    services.work_order_create(by=agent, kind="repair", description="热水器点不着火",
                               customer={"name": "王伟", "phone": "13800138000", "address": "北京市朝阳区建国路88号"})
    client.force_login(agent)

    chinese = client.get("/work-orders/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = client.get("/work-orders/", HTTP_ACCEPT_LANGUAGE="en")

    zh_html, en_html = chinese.content.decode(), english.content.decode()
    assert chinese.status_code == english.status_code == 200
    assert '<html lang="zh-hans">' in zh_html and '<html lang="en">' in en_html
    assert re.search(r"<h1>\s*工单\s*</h1>", zh_html)
    for text in ("新建工单", "已受理", "维修", "共 1 张工单", "退出登录", "编号、客户姓名或电话"):
        assert text in zh_html
    for text in ("New work order", "Received", "Repair", "1 order", "Log out"):
        assert text not in zh_html
        assert text in en_html
    assert re.search(r"<h1>\s*Work orders\s*</h1>", en_html)
    assert "新建工单" not in en_html


def test_a_complaint_closes_as_banjie_and_a_work_order_as_guanbi(compiled_locale):
    """The same English word, two Chinese terms: the complaint loop's 已办结
    (限时办结) and a work order's 已关闭, kept apart by a message context."""
    with translation.override("zh-hans"):
        assert (str(Complaint.State.CLOSED.label), str(WorkOrder.State.CLOSED.label)) == ("已办结", "已关闭")
        assert str(Complaint.State.REJECTED.label) == "不予受理"
    with translation.override("en"):
        assert (str(Complaint.State.CLOSED.label), str(WorkOrder.State.CLOSED.label)) == ("Closed", "Closed")
