#!/usr/bin/env python
"""Fill a dedicated PostgreSQL database with a year of work orders for the
benchmarks (bench/README.md).

    .venv/bin/python bench/seed_work_orders.py            # 1,000,000 orders
    .venv/bin/python bench/seed_work_orders.py --orders 100000 --recreate

Steps: create the database (--recreate drops it first), `migrate`, then
`seed_demo --force --orders 0` for the organisation, users and categories,
then plain SQL (INSERT ... SELECT over generate_series, never the ORM row by
row): technicians, partners, customers with phones, addresses and products,
the work orders in every state spread over a year, two deadlines per order
(respond, arrive) and one `create` history row per order. Finally VACUUM
ANALYZE, as autovacuum would have done on a production table.

The data is deterministic for a given --seed (PostgreSQL setseed), except
that "now" is the time of the run. Phone numbers 13xxxxxxxxx and 010xxxxxxxx
are taken by the seeded customers; bench/create_load.py uses 15x/17x/18x
numbers for new customers.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from pgconnect import connect

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/servicedesk_bench"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "秀英", "霞", "平", "刚", "桂英", "建华", "志强", "晓燕", "海燕", "国庆", "子涵", "浩然", "欣怡"]
STREETS = ["建国路", "朝阳北路", "中关村大街", "世纪大道", "天河路", "人民南路四段", "长安街", "解放路", "和平里",
           "望京西路", "陆家嘴环路", "科华北路", "体育西路", "学院路", "花园路"]
DESCRIPTIONS = {
    "repair": ["热水器点不着火", "出水忽冷忽热", "显示E1故障码", "空调不制冷", "室外机噪音大", "净水器漏水",
               "出水量变小", "洗衣机不脱水", "滚筒异响", "吸顶灯镇流器损坏", "节能灯不亮", "遥控器失灵"],
    "install": ["新机安装", "新空调安装", "净水器安装", "热水器移机安装", "灯罩安装"],
    "maintenance": ["更换滤芯", "空调清洗保养", "热水器年度保养", "洗衣机清洁"],
    "emergency": ["有燃气味，请速来检查", "热水器漏气报警", "空调漏电跳闸", "水管爆裂漏水"],
}
CANCEL_REASONS = ["客户取消 Customer cancelled", "重复报修 Duplicate", "客户自行解决 Solved by the customer"]


def sql_text_array(items):
    return "ARRAY[" + ",".join("'" + s.replace("'", "''") + "'" for s in items) + "]::text[]"


def sql_int_array(items):
    return "ARRAY[" + ",".join(str(int(i)) for i in items) + "]::bigint[]"


def log(msg, started=[time.monotonic()]):  # noqa: B006, B008 - a deliberate static: when the run started
    print(f"[{time.monotonic() - started[0]:7.1f}s] {msg}", flush=True)


def django_env(url):
    env = dict(os.environ)
    env.update(DATABASE_URL=url, DEBUG="0", SECRET_KEY=env.get("SECRET_KEY") or "bench-not-secret",
               ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0", DJANGO_SETTINGS_MODULE="servicedesk.settings",
               # seed_demo --force with DEBUG off wants the password named
               DEMO_PASSWORD=env.get("DEMO_PASSWORD") or "demo-servicedesk")
    return env


def create_database(url, recreate):
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = connect(url, dbname="postgres", autocommit=True)
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cur.fetchone() is not None
        if exists and recreate:
            log(f"dropping database {name}")
            cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            log(f"creating database {name}")
            cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def manage(url, *args):
    log("manage.py " + " ".join(args))
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=django_env(url), check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=None, help="default: 60%% of --orders")
    parser.add_argument("--technicians", type=int, default=300)
    parser.add_argument("--partners", type=int, default=8, help="extra partners besides the demo's two")
    parser.add_argument("--seed", type=float, default=0.42, help="PostgreSQL setseed(), -1..1")
    parser.add_argument("--recreate", action="store_true", help="drop the database first")
    args = parser.parse_args()
    url = args.database_url
    if urlparse(url).path.lstrip("/") in {"servicedesk", "servicedesk_dev", "postgres"}:
        parser.error("refusing to seed a database that is not dedicated to benchmarks")

    create_database(url, args.recreate)
    manage(url, "migrate", "--verbosity", "0")
    manage(url, "seed_demo", "--force", "--orders", "0")

    conn = connect(url)
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM tickets_workorder")
    if cur.fetchone()[0]:
        sys.exit("the database already has work orders: use --recreate")
    seed(conn, args)
    conn.close()
    log("done")


def one(cur, sql, params=None):
    cur.execute(sql, params)
    return cur.fetchone()[0]


def rows(cur, sql, params=None):
    cur.execute(sql, params)
    return cur.fetchall()


def ids(cur, sql, params=None):
    cur.execute(sql, params)
    return [r[0] for r in cur.fetchall()]


def run(conn, cur, label, sql):
    t = time.monotonic()
    cur.execute(sql)
    rows = cur.rowcount
    conn.commit()
    log(f"{label}: {rows:,} rows in {time.monotonic() - t:.1f}s")


def seed(conn, args):
    cur = conn.cursor()
    cur.execute("SET synchronous_commit = off; SET work_mem = '256MB'; SET maintenance_work_mem = '512MB'")
    n_orders = args.orders
    n_cust = args.customers or max(1, n_orders * 6 // 10)
    n_tech = args.technicians
    n_partner = args.partners

    # --- what seed_demo made ------------------------------------------------
    region_rows = rows(cur, "SELECT id, name, province FROM accounts_region ORDER BY id")
    region_ids = [r[0] for r in region_rows]
    region_texts = [r[2] + r[1] for r in region_rows]
    category_rows = rows(cur, "SELECT id, slug FROM customers_productcategory ORDER BY id")
    category_ids = [r[0] for r in category_rows]
    stations = ids(cur, "SELECT id FROM accounts_unit WHERE kind = 'station' ORDER BY id")
    ct_order = one(cur, "SELECT id FROM django_content_type WHERE app_label = 'tickets' AND model = 'workorder'")
    policy = dict(rows(cur, "SELECT code, id FROM deadlines_slapolicy"))
    group_tech = one(cur, "SELECT id FROM auth_group WHERE name = 'technician'")
    group_partner = one(cur, "SELECT id FROM auth_group WHERE name = 'partner'")
    staff_creators = ids(cur, "SELECT id FROM accounts_user WHERE username IN ('agent', 'dispatcher', 'supervisor') "
                              "ORDER BY username")
    # agent takes most calls: weight it three times.
    staff_creators = staff_creators + [staff_creators[0]] * 3
    max_id = lambda table: one(cur, f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: E731 - one-line SQL helpers of this function

    cur.execute("SELECT setseed(%s)", [args.seed])

    # --- technicians ----------------------------------------------------------
    u0 = max_id("accounts_user")
    t0 = max_id("technicians_technician")
    run(conn, cur, "technician users", f"""
        INSERT INTO accounts_user (id, password, is_superuser, username, first_name, last_name, email, is_staff,
                                   is_active, date_joined, staff_number, phone, unit_id, language)
        SELECT {u0} + g, '!', false, 'benchtech' || lpad(g::text, 4, '0'),
               '师傅' || substr('{SURNAMES}', 1 + (g % {len(SURNAMES)}), 1) || g, '',
               'benchtech' || g || '@bench.local',
               false, true, now() - interval '2 years', 'T' || lpad(g::text, 5, '0'), '',
               ({sql_int_array(stations)})[1 + g % {len(stations)}], 'zh-hans'
        FROM generate_series(1, {n_tech}) g""")
    run(conn, cur, "technician groups", f"""
        INSERT INTO accounts_user_groups (user_id, group_id)
        SELECT {u0} + g, {group_tech} FROM generate_series(1, {n_tech}) g""")
    run(conn, cur, "technicians", f"""
        INSERT INTO technicians_technician (id, user_id, station_id, grade, active)
        SELECT {t0} + g, {u0} + g, ({sql_int_array(stations)})[1 + g % {len(stations)}], 1 + g % 4, g % 25 <> 0
        FROM generate_series(1, {n_tech}) g""")
    run(conn, cur, "technician regions", f"""
        INSERT INTO technicians_technician_regions (technician_id, region_id)
        SELECT {t0} + g, ({sql_int_array(region_ids)})[1 + g % {len(region_ids)}]
        FROM generate_series(1, {n_tech}) g""")
    run(conn, cur, "certifications", f"""
        INSERT INTO technicians_certification (technician_id, category_id, number, valid_until)
        SELECT {t0} + g, c, 'CERT-B' || g || '-' || c, current_date + (30 + g % 300)
        FROM generate_series(1, {n_tech}) g, unnest({sql_int_array(category_ids)}) c
        WHERE (g + c) % 3 <> 0""")
    tech_ids = ids(cur, "SELECT id FROM technicians_technician WHERE active ORDER BY id")

    # --- partners, one API user each -------------------------------------------
    p0 = max_id("accounts_partner")
    run(conn, cur, "partners", f"""
        INSERT INTO accounts_partner (id, code, name, installations_need_approval)
        SELECT {p0} + g, 'bench-partner-' || g, '经销商 Bench dealer ' || g, false
        FROM generate_series(1, {n_partner}) g""")
    u1 = max_id("accounts_user")
    run(conn, cur, "partner users", f"""
        INSERT INTO accounts_user (id, password, is_superuser, username, first_name, last_name, email, is_staff,
                                   is_active, date_joined, staff_number, phone, partner_id, language)
        SELECT {u1} + g, '!', false, 'benchpartner' || g, 'Bench dealer API ' || g, '',
               'benchpartner' || g || '@bench.local',
               false, true, now() - interval '2 years', '', '', {p0} + g, 'zh-hans'
        FROM generate_series(1, {n_partner}) g""")
    run(conn, cur, "partner groups", f"""
        INSERT INTO accounts_user_groups (user_id, group_id)
        SELECT {u1} + g, {group_partner} FROM generate_series(1, {n_partner}) g""")
    cur.execute("SELECT partner_id, min(id) FROM accounts_user WHERE partner_id IS NOT NULL "
                "GROUP BY partner_id ORDER BY partner_id")
    partner_pairs = cur.fetchall()
    partner_ids = [p for p, _ in partner_pairs]
    partner_users = [u for _, u in partner_pairs]

    # --- customers: name, phone(s), address(es), products ---------------------------------
    c0, ph0, a0, pr0 = max_id("customers_customer"), max_id("customers_customerphone"), max_id("customers_address"), \
        max_id("customers_customerproduct")
    nreg, ncat = len(region_ids), len(category_ids)
    # Deterministic per-customer choices (hashint8), so later statements agree on them.
    reg_of = lambda g: f"(1 + abs(hashint8(({g})::bigint * 7)) % {nreg})"  # noqa: E731 - one-line SQL helpers of this function
    cat_of = lambda g: f"(1 + abs(hashint8(({g})::bigint * 13)) % {ncat})"  # noqa: E731 - one-line SQL helpers of this function
    has_product = lambda g: f"(abs(hashint8(({g})::bigint * 17)) % 10 < 6)"  # noqa: E731 - one-line SQL helpers of this function
    run(conn, cur, "customers", f"""
        INSERT INTO customers_customer (id, name, vip, note, created_at)
        SELECT {c0} + g,
               substr('{SURNAMES}', 1 + floor(random() * {len(SURNAMES)})::int, 1)
                 || ({sql_text_array(GIVEN)})[1 + floor(random() * {len(GIVEN)})::int],
               random() < 0.01, '', now() - random() * interval '3 years'
        FROM generate_series(1, {n_cust}) g""")
    run(conn, cur, "customer phones", f"""
        INSERT INTO customers_customerphone (id, customer_id, number, "primary")
        SELECT {ph0} + g, {c0} + g, '13' || lpad(g::text, 9, '0'), true FROM generate_series(1, {n_cust}) g
        UNION ALL
        SELECT {ph0} + {n_cust} + g, {c0} + g * 10, '010' || lpad(g::text, 8, '0'), false
        FROM generate_series(1, {n_cust // 10}) g""")
    address_text = (f"({sql_text_array(region_texts)})[{reg_of('g')}] "
                    f"|| ({sql_text_array(STREETS)})[1 + floor(random() * {len(STREETS)})::int] "
                    f"|| (1 + floor(random() * 300))::int || '号' || (1 + floor(random() * 30))::int || '号楼' "
                    f"|| (1 + floor(random() * 28))::int || '0' || (1 + floor(random() * 4))::int || '室'")
    run(conn, cur, "addresses", f"""
        INSERT INTO customers_address (id, customer_id, text, region_id)
        SELECT {a0} + g, {c0} + g, {address_text}, ({sql_int_array(region_ids)})[{reg_of('g')}]
        FROM generate_series(1, {n_cust}) g
        UNION ALL
        SELECT {a0} + {n_cust} + g, {c0} + g * 20, {address_text} || '（单位）',
               ({sql_int_array(region_ids)})[{reg_of('g')}]
        FROM generate_series(1, {n_cust // 20}) g""")
    run(conn, cur, "customer products", f"""
        INSERT INTO customers_customerproduct (id, customer_id, category_id, model, serial, purchase_date,
                                               manufactured_on, proof_of_purchase)
        SELECT {pr0} + g, {c0} + g, ({sql_int_array(category_ids)})[{cat_of('g')}],
               'M' || (100 + floor(random() * 900))::int, 'SN' || lpad(g::text, 10, '0'), d, d - (30 + g % 200),
               CASE WHEN random() < 0.7 THEN 'INV' || lpad(g::text, 9, '0') ELSE '' END
        FROM (SELECT g, current_date - (20 + floor(random() * 1500))::int AS d
              FROM generate_series(1, {n_cust}) g) s
        WHERE {has_product('g')}""")

    # --- work orders -------------------------------------------------------------------------
    # One row per order with every random choice made once, then the order,
    # its deadlines and its history row are derived from it.
    o0 = max_id("tickets_workorder")
    run(conn, cur, "order plan (temp table)", f"""
        CREATE TEMP TABLE plan AS
        SELECT g, cust, age, kind, rs, emergency,
               now() - age AS reported_at,
               -- Age-dependent state: yesterday's orders are still moving, last week's
               -- mostly done, older ones closed apart from a few stuck (these are overdue).
               CASE
                 WHEN age < interval '1 day' THEN
                   CASE WHEN rs < .25 THEN 'received' WHEN rs < .45 THEN 'dispatched' WHEN rs < .60 THEN 'accepted'
                        WHEN rs < .75 THEN 'scheduled' WHEN rs < .85 THEN 'on_site' WHEN rs < .87 THEN 'taken_back'
                        WHEN rs < .95 THEN 'resolved' ELSE 'cancelled' END
                 WHEN age < interval '7 days' THEN
                   CASE WHEN rs < .02 THEN 'received' WHEN rs < .04 THEN 'dispatched' WHEN rs < .06 THEN 'accepted'
                        WHEN rs < .10 THEN 'scheduled' WHEN rs < .12 THEN 'on_site' WHEN rs < .17 THEN 'taken_back'
                        WHEN rs < .32 THEN 'resolved' WHEN rs < .62 THEN 'signed_off' WHEN rs < .95 THEN 'closed'
                        ELSE 'cancelled' END
                 ELSE
                   CASE WHEN rs < .001 THEN 'received' WHEN rs < .002 THEN 'dispatched' WHEN rs < .003 THEN 'accepted'
                        WHEN rs < .005 THEN 'scheduled' WHEN rs < .006 THEN 'on_site' WHEN rs < .008 THEN 'taken_back'
                        WHEN rs < .014 THEN 'resolved' WHEN rs < .034 THEN 'signed_off' WHEN rs < .94 THEN 'closed'
                        ELSE 'cancelled' END
               END AS state,
               random() < 0.2 AS by_partner,
               1 + floor(random() * {len(partner_ids)})::int AS pi,
               1 + floor(random() * {len(staff_creators)})::int AS si,
               1 + floor(random() * {len(tech_ids)})::int AS ti,
               {has_product('cust')} AND random() < 0.8 AS with_product,
               random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
        FROM (
          SELECT g,
                 1 + floor({n_cust} * power(random(), 1.3))::bigint AS cust,
                 random() * interval '365 days' AS age,
                 k.kind, k.kind = 'emergency' AS emergency, random() AS rs
          FROM generate_series(1, {n_orders}) g
          CROSS JOIN LATERAL (SELECT CASE WHEN r < .50 THEN 'repair' WHEN r < .75 THEN 'install'
                                          WHEN r < .90 THEN 'maintenance' ELSE 'emergency' END AS kind
                              FROM (SELECT random() + g * 0 AS r) x) k
        ) s""")
    # When each step happened, as offsets from reported_at: first the usual
    # durations (respond ~6% late, arrive ~20% late, emergencies often late),
    # each shrunk for young orders to a share of the order's age, so that every
    # step lies between reported_at and now and they stay in order.
    run(conn, cur, "order offsets (temp table)", """
        CREATE TEMP TABLE offsets AS
        SELECT p.*, o.*,
               o.arrive_o + CASE WHEN r5 < 0.2 THEN interval '2 days' ELSE interval '1 hour' END
                          + r4 * interval '20 hours' AS resolve_o
        FROM plan p CROSS JOIN LATERAL (
          SELECT CASE WHEN emergency THEN interval '1 minute' + r1 * interval '2 minutes'
                      ELSE interval '2 minutes' + r1 * interval '8 minutes' END AS create_o,
                 CASE WHEN emergency THEN interval '3 minutes' + r1 * interval '5 minutes'
                      ELSE interval '10 minutes' + r1 * interval '50 minutes' END AS dispatch_o,
                 CASE WHEN emergency THEN interval '10 minutes' + r3 * interval '30 minutes'
                      ELSE interval '1 hour' + r2 * r2 * interval '26 hours' END AS schedule_o,
                 CASE WHEN emergency THEN interval '10 minutes' + r3 * interval '30 minutes'
                      ELSE interval '1 hour' + r2 * r2 * interval '26 hours' + interval '30 minutes'
                           + r3 * interval '10 hours' END AS arrive_o,
                 interval '30 minutes' + r5 * interval '10 hours' AS cancel_o
        ) o""")
    run(conn, cur, "order timeline (temp table)", """
        CREATE TEMP TABLE timeline AS
        SELECT o.*,
               reported_at + least(create_o, age * 0.01) AS created_at,
               reported_at + least(dispatch_o, age * 0.05) AS dispatched_at,
               reported_at + least(schedule_o, age * 0.15) AS appointment_set_at,
               -- the appointment agreed may lie in the future
               reported_at + least(schedule_o, age * 0.15) + interval '30 minutes'
                 + CASE WHEN emergency THEN interval '0' ELSE r3 * interval '10 hours' END AS appointment_at,
               reported_at + least(arrive_o, age * 0.3) AS arrived_at,
               reported_at + least(resolve_o, age * 0.5) AS resolved_at,
               reported_at + least(resolve_o + interval '1 hour' + r4 * interval '24 hours', age * 0.7)
                 AS signed_off_at,
               reported_at + least(resolve_o + interval '1 day' + r4 * interval '24 hours' + r5 * interval '5 days',
                                   age * 0.9) AS closed_at,
               reported_at + least(cancel_o, age * 0.4) AS cancelled_at,
               state NOT IN ('received', 'cancelled') OR (state = 'cancelled' AND r2 < 0.4) AS dispatched,
               state IN ('scheduled', 'on_site', 'taken_back', 'resolved', 'signed_off', 'closed') AS scheduled_,
               state IN ('on_site', 'taken_back', 'resolved', 'signed_off', 'closed') AS arrived,
               state IN ('resolved', 'signed_off', 'closed') AS resolved_,
               state IN ('signed_off', 'closed') AS signed
        FROM offsets o""")
    descriptions = {k: sql_text_array(v) for k, v in DESCRIPTIONS.items()}
    run(conn, cur, "work orders", f"""
        INSERT INTO tickets_workorder (
            id, number, kind, state, description, reported_at, created_at, updated_at, external_ref,
            dispatched_at, appointment_at, arrived_at, promised_by, resolution, resolved_at, signed_by, satisfaction,
            signed_off_at, closed_at, cancel_reason, repeat_repair, free_of_charge,
            address_id, category_id, created_by_id, customer_id, owner_id, partner_id, product_id, region_id,
            revisit_of_id, technician_id)
        SELECT {o0} + g,
               'WO' || to_char(reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(({o0} + g)::text, 6, '0'),
               kind, state,
               CASE kind WHEN 'repair'
                              THEN ({descriptions['repair']})[1 + floor(r1 * {len(DESCRIPTIONS['repair'])})::int]
                         WHEN 'install'
                              THEN ({descriptions['install']})[1 + floor(r1 * {len(DESCRIPTIONS['install'])})::int]
                         WHEN 'maintenance'
                              THEN ({descriptions['maintenance']})
                                   [1 + floor(r1 * {len(DESCRIPTIONS['maintenance'])})::int]
                         ELSE ({descriptions['emergency']})[1 + floor(r1 * {len(DESCRIPTIONS['emergency'])})::int] END,
               reported_at, created_at,
               greatest(created_at, CASE state WHEN 'closed' THEN closed_at WHEN 'signed_off' THEN signed_off_at
                                               WHEN 'resolved' THEN resolved_at WHEN 'cancelled' THEN cancelled_at
                                               WHEN 'received' THEN created_at WHEN 'scheduled' THEN appointment_set_at
                                               WHEN 'dispatched' THEN dispatched_at WHEN 'accepted' THEN dispatched_at
                                               ELSE arrived_at END),
               CASE WHEN by_partner THEN 'PO' || lpad(g::text, 9, '0') ELSE '' END,
               CASE WHEN dispatched THEN dispatched_at END,
               CASE WHEN scheduled_ THEN appointment_at END,
               CASE WHEN arrived THEN arrived_at END,
               CASE WHEN state = 'taken_back' OR (resolved_ AND r5 < 0.2)
                    THEN arrived_at + interval '2 days' + r4 * interval '1 day' END,
               CASE WHEN resolved_ THEN CASE WHEN r5 < 0.2 THEN '返厂维修完成 Depot repair done'
                                             ELSE '现场修复 Fixed on site' END ELSE '' END,
               CASE WHEN resolved_ THEN resolved_at END,
               CASE WHEN signed THEN '客户本人 Customer' ELSE '' END,
               CASE WHEN signed THEN (ARRAY[3, 4, 5, 5, 5])[1 + floor(r2 * 5)::int] END,
               CASE WHEN signed THEN signed_off_at END,
               CASE WHEN state = 'closed' THEN closed_at END,
               CASE WHEN state = 'cancelled' THEN ({sql_text_array(CANCEL_REASONS)})[1 + floor(r3 * 3)::int]
                    ELSE '' END,
               false, false,
               {a0} + cust,
               CASE WHEN with_product THEN ({sql_int_array(category_ids)})[{cat_of('cust')}] END,
               CASE WHEN by_partner THEN ({sql_int_array(partner_users)})[pi]
                    ELSE ({sql_int_array(staff_creators)})[si] END,
               {c0} + cust,
               CASE WHEN by_partner THEN ({sql_int_array(partner_users)})[pi]
                    ELSE ({sql_int_array(staff_creators)})[si] END,
               CASE WHEN by_partner THEN ({sql_int_array(partner_ids)})[pi] END,
               CASE WHEN with_product THEN {pr0} + cust END,
               ({sql_int_array(region_ids)})[{reg_of('cust')}],
               NULL,
               CASE WHEN dispatched THEN ({sql_int_array(tech_ids)})[ti] END
        FROM timeline""")
    # Deadlines (api-contract: respond 24 h, met by schedule or check-in; arrive
    # 24 h, emergency 30 min, met by check-in). Cancelled orders close theirs.
    run(conn, cur, "deadlines", f"""
        INSERT INTO deadlines_deadline (content_type_id, object_id, kind, policy_id, started_at, due_at, met_at,
                                        cancelled_at, paused_seconds, escalation_level, next_escalation_at,
                                        due_promised)
        SELECT {ct_order}, {o0} + g, d.kind, d.policy, reported_at, d.due, d.met, d.cancelled, 0,
               CASE WHEN d.met IS NULL AND d.cancelled IS NULL AND d.due < now() THEN 1 ELSE 0 END,
               CASE WHEN d.met IS NULL AND d.cancelled IS NULL AND d.due >= now() THEN d.due END,
               false
        FROM timeline
        CROSS JOIN LATERAL (VALUES
            ('respond', {policy['work-order-respond']}, reported_at + interval '24 hours',
             CASE WHEN arrived THEN least(appointment_set_at, arrived_at) WHEN scheduled_ THEN appointment_set_at END,
             CASE WHEN state = 'cancelled' THEN cancelled_at END),
            ('arrive',
             CASE WHEN emergency THEN {policy['work-order-arrive-emergency']} ELSE {policy['work-order-arrive']} END,
             reported_at + CASE WHEN emergency THEN interval '30 minutes' ELSE interval '24 hours' END,
             CASE WHEN arrived THEN arrived_at END,
             CASE WHEN state = 'cancelled' THEN cancelled_at END)
        ) AS d(kind, policy, due, met, cancelled)
        ORDER BY g""")
    # The orders' cache of their earliest open due time (tickets migration
    # 0004, WorkOrder.deadlines_changed), when the schema has it.
    if one(cur, """SELECT count(*) FROM information_schema.columns
                   WHERE table_name = 'tickets_workorder' AND column_name = 'next_due_at'"""):
        run(conn, cur, "work orders' next_due_at", f"""
            UPDATE tickets_workorder o SET next_due_at = d.m
            FROM (SELECT object_id, min(due_at) AS m FROM deadlines_deadline
                  WHERE content_type_id = {ct_order} AND met_at IS NULL AND cancelled_at IS NULL
                  GROUP BY object_id) d
            WHERE o.id = d.object_id""")
    run(conn, cur, "history (create rows)", f"""
        INSERT INTO tickets_workorderevent (action, from_state, to_state, by_id, at, note, data, order_id)
        SELECT 'create', '', 'received',
               CASE WHEN by_partner THEN ({sql_int_array(partner_users)})[pi]
                    ELSE ({sql_int_array(staff_creators)})[si] END,
               created_at, '', '{{}}'::jsonb, {o0} + g
        FROM timeline ORDER BY g""")

    # --- sequences, statistics ----------------------------------------------------------------
    for table in ("accounts_user", "accounts_partner", "technicians_technician", "customers_customer",
                  "customers_customerphone", "customers_address", "customers_customerproduct", "tickets_workorder"):
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    conn.commit()
    conn.autocommit = True
    t = time.monotonic()
    cur.execute("VACUUM ANALYZE")
    log(f"VACUUM ANALYZE in {time.monotonic() - t:.1f}s")

    cur.execute("SELECT state, count(*) FROM tickets_workorder GROUP BY state ORDER BY count(*) DESC")
    log("orders by state: " + ", ".join(f"{s} {n:,}" for s, n in cur.fetchall()))
    cur.execute("SELECT kind, count(*) FROM tickets_workorder GROUP BY kind ORDER BY count(*) DESC")
    log("orders by kind: " + ", ".join(f"{s} {n:,}" for s, n in cur.fetchall()))
    overdue = one(cur, f"""SELECT count(DISTINCT object_id) FROM deadlines_deadline
                           WHERE content_type_id = {ct_order} AND met_at IS NULL AND cancelled_at IS NULL
                             AND due_at < now()""")
    log(f"overdue orders: {overdue:,}; deadlines: {one(cur, 'SELECT count(*) FROM deadlines_deadline'):,}; "
        f"customers: {one(cur, 'SELECT count(*) FROM customers_customer'):,}; "
        f"database size: {one(cur, 'SELECT pg_size_pretty(pg_database_size(current_database()))')}")


if __name__ == "__main__":
    main()
