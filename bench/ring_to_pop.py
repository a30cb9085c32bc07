#!/usr/bin/env python
"""Ring to console pop (issue 5, item 7): the time from the telephone switch
posting a ring through the API until the agent's console, polling as the
browser does, receives the call.

    .venv/bin/python bench/ring_to_pop.py [--rings 60] [--workers 2] [--poll-ms 500]

A real server: gunicorn with sync workers (as in production, docker/) on a
free port of 127.0.0.1, on the caller look-up benchmark's database
(bench/caller_lookup.py fills it with 1,000,000 customers; default
postgres://postgres@127.0.0.1:5432/servicedesk_bench_calls). The script
adds a `telephony` user (token) and logs the bench `agent` in (session).

One thread plays the browser: GET /console/poll/?seen=<key> every
--poll-ms, the way htmx's `every 500ms` trigger does, keeping the key of
what it has shown. The main thread waits a random 0.2-1.2 s (so rings fall
at any phase of the polling), posts `ring` to /api/v1/calls/events/ for a
number of a known customer, offered to the agent, and waits until the
poller gets the call's workspace; then posts answer and hang-up so the next
ring is a new call. Prints p50/p95/p99/max of ring -> pop, the time of the
ring POST, and of an idle poll (204).
"""

import argparse
import http.cookiejar
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/servicedesk_bench_calls"
PASSWORD = "bench-pass-123"


def percentile(values, p):
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url):
    os.environ.update(
        {
            "DATABASE_URL": url, "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-not-secret"), "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0", "LOG_LEVEL": "ERROR", "DJANGO_SETTINGS_MODULE": "servicedesk.settings",
            "STATIC_ROOT": "/tmp/servicedesk-bench-static",
        }
    )
    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from servicedesk.accounts.models import ApiToken as Token
    from servicedesk.accounts.models import User
    from servicedesk.customers.models import CustomerPhone

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    users = {}
    for name in ("agent", "telephony"):
        user, _ = User.objects.get_or_create(username=name)
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get_or_create(name=name)[0])
        users[name] = user
    token = Token.objects.get_or_create(user=users["telephony"])[0].key
    numbers = list(CustomerPhone.objects.order_by("?").values_list("number", flat=True)[:500])
    return token, numbers


class Browser:
    """The agent's browser: a session cookie and the CSRF token."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def log_in(self, username):
        self.opener.open(f"{self.base}/accounts/login/").read()
        csrf = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                       "csrfmiddlewaretoken": csrf}).encode()
        request = urllib.request.Request(f"{self.base}/accounts/login/", data=body,
                                         headers={"Referer": f"{self.base}/accounts/login/"})
        self.opener.open(request).read()
        assert any(c.name == "sessionid" for c in self.jar), "login failed"

    def poll(self, seen):
        request = urllib.request.Request(f"{self.base}/console/poll/?seen={urllib.parse.quote(seen)}",
                                         headers={"HX-Request": "true"})
        with self.opener.open(request, timeout=10) as response:
            return response.status, response.read().decode()


def post_event(base, token, body):
    request = urllib.request.Request(f"{base}/api/v1/calls/events/", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_CALLS_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--rings", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--poll-ms", type=int, default=500)
    args = parser.parse_args()
    token, numbers = prepare(args.database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CONSOLE_POLL_MS": str(args.poll_ms)}
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "servicedesk.wsgi", "-b", f"127.0.0.1:{port}",
                               "-w", str(args.workers), "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        from django.utils import timezone

        browser = Browser(base)
        browser.log_in("agent")
        state = {"seen": "", "popped": {}, "idle": [], "stop": False}

        def poller():
            while not state["stop"]:
                started = time.perf_counter()
                status, body = browser.poll(state["seen"])
                took = time.perf_counter() - started
                if status == 204:
                    state["idle"].append(took)
                else:
                    state["seen"] = re.search(r'data-watch="([^"]*)"', body).group(1)
                    if 'id="workspace"' in body:
                        state["popped"][state["seen"].split(":")[0]] = time.perf_counter()
                # htmx re-arms its timer when the request is sent, not when it returns.
                time.sleep(max(0.0, args.poll_ms / 1000 - took))

        thread = threading.Thread(target=poller, daemon=True)
        thread.start()
        from calls.models import Call

        rng = random.Random(11)
        latencies, posts = [], []
        for i in range(args.rings):
            time.sleep(rng.uniform(0.2, 1.2))
            call_id = f"pop-{os.getpid()}-{i}"
            started = time.perf_counter()
            assert post_event(base, token, {"call_id": call_id, "event": "ring", "at": timezone.now().isoformat(),
                                            "caller": rng.choice(numbers), "agent": "agent"}) == 201
            posts.append(time.perf_counter() - started)
            pk = str(Call.objects.get(call_id=call_id).pk)
            deadline = time.perf_counter() + 10
            while pk not in state["popped"] and time.perf_counter() < deadline:
                time.sleep(0.005)
            if pk not in state["popped"]:
                sys.exit(f"ring {i}: no pop within 10 s")
            latencies.append(state["popped"][pk] - started)
            now = timezone.now().isoformat()
            post_event(base, token, {"call_id": call_id, "event": "answer", "at": now, "agent": "agent"})
            post_event(base, token, {"call_id": call_id, "event": "hangup", "at": now})
        state["stop"] = True
        ms = [x * 1000 for x in latencies]
        print(f"rings {len(ms)}; gunicorn sync workers {args.workers}; poll every {args.poll_ms} ms")
        print(f"ring -> pop   p50 {statistics.median(ms):6.0f} ms  p95 {percentile(ms, .95):6.0f} ms  "
              f"p99 {percentile(ms, .99):6.0f} ms  max {max(ms):6.0f} ms  (under 1 s: "
              f"{sum(1 for x in ms if x < 1000)}/{len(ms)})")
        print(
            f"ring POST     p50 {statistics.median(posts) * 1000:6.1f} ms  p99 {percentile(posts, 0.99) * 1000:6.1f} ms"
        )
        idle = [x * 1000 for x in state["idle"]]
        print(
            f"idle poll 204 p50 {statistics.median(idle):6.1f} ms  p99 {percentile(idle, 0.99):6.1f} ms  "
            f"({len(idle)} polls)"
        )
        print(f"load average: {Path('/proc/loadavg').read_text().split()[:3]}; nproc {os.cpu_count()}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
