"""What a new user meets first (issue 13, item 11): bin/run's banner names
every demo user the demo data creates; the links in e-mail follow the HOST
and PORT the product runs at; the README says which language the pages speak."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from servicedesk.accounts.models import User

from .test_email_delivery import settings_env

REPO = Path(__file__).resolve().parent.parent


def banner():
    text = (REPO / "bin" / "run").read_text()
    return text[text.index("cat <<INFO"):text.index("\nINFO\n")]


@pytest.mark.django_db
def test_the_banner_of_bin_run_names_every_demo_user(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-4711")
    call_command("seed_demo", orders=0, complaints=0, verbosity=0)
    users = set(User.objects.values_list("username", flat=True))
    assert {"officemgr", "logistics", "agent2", "agent3", "tech5", "admin"} <= users
    named = set(re.findall(r"[a-z][a-z0-9]+", banner()))
    assert users - named == set()


def base_url(tmp_path, **variables):
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    env = settings_env(tmp_path, **variables)
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_links_in_e_mail_follow_host_and_port(tmp_path):
    assert base_url(tmp_path) == "http://localhost:8000"
    assert base_url(tmp_path, HOST="192.168.1.20", PORT="8080") == "http://192.168.1.20:8080"
    assert base_url(tmp_path, HOST="0.0.0.0", PORT="9000") == "http://localhost:9000"
    assert base_url(tmp_path, HOST="192.168.1.20", SERVICEDESK_BASE_URL="https://sd.example.com/") == (
        "https://sd.example.com")
    assert base_url(tmp_path, SITE_URL="https://old.example.com") == "https://old.example.com"


def test_the_readme_says_the_pages_follow_the_browsers_language_chinese_by_default():
    readme = (REPO / "README.md").read_text()
    assert "follows the browser's language: Simplified Chinese by default" in readme
    assert "/api/redoc/" in readme
