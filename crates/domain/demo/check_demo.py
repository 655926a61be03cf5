#!/usr/bin/env python3
"""Check barometer's illustrative demo data set and print its headline tables.

Usage: python3 check_demo.py [path/to/demo.json]

Standard library only. It checks the shape of demo.json (every object has
exactly the expected keys, as the Rust loader's deny_unknown_fields demands)
and its consistency (codes, dates, membership, references), then recomputes
for each cycle:

  * members and respondents;
  * Table 1, theme priorities over submitted responses only: assemblies
    ranking the theme, share = assemblies / respondents, Borda points (a theme
    ranked r-th earns max_ranked_themes + 1 - r), mean rank among those
    ranking it, ordered by points desc, assemblies desc, code; tier primary if
    share >= tiers.primary, secondary if share >= tiers.secondary, else other;
  * Table 2, regions over submitted responses only: distinct assemblies naming
    the region, where naming a sub-region also counts once for each ancestor.

If the third-party module pycountry happens to be importable, country codes
are additionally checked against ISO 3166-1; otherwise only their form
(three uppercase letters) is checked.

Exits 1 if any check fails, 0 otherwise.
"""

import json
import re
import sys
from datetime import date, datetime
from pathlib import Path

try:  # optional, never required
    import pycountry  # type: ignore
except ImportError:  # pragma: no cover
    pycountry = None

LANGS = ("en", "fr", "ar", "ru")
CYCLE_STATUSES = ("draft", "open", "closed", "published")
RESPONSE_STATUSES = ("draft", "submitted")
ASSEMBLY_CODE = re.compile(r"^[A-Z0-9-]{2,16}$")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ISO3 = re.compile(r"^[A-Z]{3}$")

KEYS = {
    "root": {"notice", "assemblies", "presidencies", "meetings", "cycles", "events"},
    "presidency": {"assembly", "starts_on", "ends_on"},
    "meeting": {"number", "date", "venue", "online", "regular"},
    "assembly": {"code", "name", "joined_on", "left_on"},
    "cycle": {"label", "status", "opens_on", "closes_on", "max_ranked_themes", "tiers", "themes",
              "regions", "activity_kinds", "responses"},
    "tiers": {"primary", "secondary"},
    "theme": {"code", "labels", "replaces"},
    "region": {"code", "labels", "parent", "countries"},
    "kind": {"code", "labels"},
    "response": {"assembly", "status", "updated_at", "themes", "regions", "activities", "comment"},
    "activity": {"title", "kind", "starts_on", "ends_on", "location", "online", "themes", "regions",
                 "partners"},
    "location": {"city", "country"},
}
# Secretariat events: every key but the times is required.
EVENT_KEYS = {"title", "kind", "starts_on", "ends_on", "city", "country", "online", "themes", "regions",
              "partners", "status"}
EVENT_KINDS = ("mechanism-meeting", "unoct-event", "other-event")
ACTIVITY_STATUSES = ("planned", "confirmed", "held", "cancelled")

errors = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


def keys(obj, kind, where):
    if not isinstance(obj, dict):
        err(where, f"expected an object ({kind})")
        return False
    got = set(obj)
    if got != KEYS[kind]:
        missing = sorted(KEYS[kind] - got)
        extra = sorted(got - KEYS[kind])
        err(where, f"{kind} keys wrong: missing {missing}, unknown {extra}")
        return False
    return True


def parse_date(s, where):
    if not isinstance(s, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        err(where, f"not an ISO date: {s!r}")
        return None
    try:
        return date.fromisoformat(s)
    except ValueError:
        err(where, f"invalid date: {s!r}")
        return None


def parse_ts(s, where):
    if not isinstance(s, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", s):
        err(where, f"not an RFC 3339 UTC timestamp: {s!r}")
        return None
    try:
        return datetime.fromisoformat(s[:-1])
    except ValueError:
        err(where, f"invalid timestamp: {s!r}")
        return None


def check_labels(labels, where):
    if not isinstance(labels, dict) or set(labels) != set(LANGS):
        err(where, f"labels must have exactly {LANGS}")
        return
    for lang, text in labels.items():
        if not isinstance(text, str) or not text.strip():
            err(where, f"empty {lang} label")
            continue
        if lang == "ar" and not re.search(r"[\u0600-\u06FF]", text):
            err(where, f"ar label is not in Arabic script: {text!r}")
        if lang == "ru" and not re.search(r"[\u0400-\u04FF]", text):
            err(where, f"ru label is not in Cyrillic script: {text!r}")


def check_country(code, where):
    if not isinstance(code, str) or not ISO3.match(code):
        err(where, f"bad country code {code!r}")
    elif pycountry is not None and pycountry.countries.get(alpha_3=code) is None:
        err(where, f"{code} is not an ISO 3166-1 alpha-3 code")


def target_year(label):
    """'2025' -> 2025; '2023-24' -> 2024 (the year the cycle plans for)."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", label)
    if not m:
        return None
    if m.group(2):
        return int(m.group(1)[:2] + m.group(2))
    return int(m.group(1))


def unique_codes(items, where, pattern=SLUG):
    codes = []
    for i, item in enumerate(items):
        code = item.get("code") if isinstance(item, dict) else None
        if not isinstance(code, str) or not pattern.match(code):
            err(f"{where}[{i}]", f"bad code {code!r}")
        codes.append(code)
    dupes = sorted({c for c in codes if codes.count(c) > 1 and c is not None})
    if dupes:
        err(where, f"duplicate codes {dupes}")
    return codes


def check_refs(codes, known, where, what):
    if not isinstance(codes, list):
        err(where, f"{what} must be a list")
        return
    for c in codes:
        if c not in known:
            err(where, f"unknown {what} code {c!r}")
    if len(set(codes)) != len(codes):
        err(where, f"repeated {what} codes {codes}")


def ancestors(code, parents):
    out = []
    seen = set()
    p = parents.get(code)
    while p is not None and p not in seen:
        out.append(p)
        seen.add(p)
        p = parents.get(p)
    return out


def table1(cycle, submitted):
    k = cycle["max_ranked_themes"]
    n = len(submitted)
    rows = []
    for theme in cycle["themes"]:
        code = theme["code"]
        positions = [r["themes"].index(code) + 1 for r in submitted if code in r["themes"]]
        assemblies = len(positions)
        points = sum(k + 1 - p for p in positions)
        share = assemblies / n if n else 0.0
        mean_rank = sum(positions) / assemblies if assemblies else None
        if share >= cycle["tiers"]["primary"]:
            tier = "primary"
        elif share >= cycle["tiers"]["secondary"]:
            tier = "secondary"
        else:
            tier = "other"
        rows.append({"code": code, "assemblies": assemblies, "share": share, "points": points,
                     "mean_rank": mean_rank, "tier": tier})
    rows.sort(key=lambda r: (-r["points"], -r["assemblies"], r["code"]))
    return rows


def table2(cycle, submitted):
    parents = {r["code"]: r["parent"] for r in cycle["regions"]}
    named = {r["code"]: set() for r in cycle["regions"]}
    for resp in submitted:
        for code in resp["regions"]:
            for c in [code] + ancestors(code, parents):
                named[c].add(resp["assembly"])
    n = len(submitted)
    rows = [{"code": c, "assemblies": len(a), "share": (len(a) / n if n else 0.0)}
            for c, a in named.items()]
    rows.sort(key=lambda r: (-r["assemblies"], r["code"]))
    return rows


def check(doc):
    if not keys(doc, "root", "root"):
        return None
    notice = doc["notice"]
    if not isinstance(notice, str) or "Illustrative demo data" not in notice \
            or "not the Mechanism's real answers" not in notice:
        err("notice", "must say it is illustrative demo data, not the Mechanism's real answers")

    for i, ev in enumerate(doc["events"]):
        w = f"events[{i}]"
        got = set(ev) - {"start_time", "end_time"}
        if not (EVENT_KEYS - {"city", "country"}) <= got <= EVENT_KEYS:
            err(w, f"event keys wrong: {sorted(got ^ EVENT_KEYS)}")
            continue
        if ev["kind"] not in EVENT_KINDS:
            err(w, f"kind {ev['kind']!r} is not one of {EVENT_KINDS}")
        if ev["status"] not in ACTIVITY_STATUSES:
            err(w, f"status {ev['status']!r} is not one of {ACTIVITY_STATUSES}")
        start, end = parse_date(ev["starts_on"], w + ".starts_on"), parse_date(ev["ends_on"], w + ".ends_on")
        if start and end and end < start:
            err(w, "ends before it starts")
        if not ev["online"] and not ISO3.match(ev.get("country") or ""):
            err(w, "an event that is not online needs a country")

    assemblies = {}
    codes = unique_codes(doc["assemblies"], "assemblies", ASSEMBLY_CODE)
    for i, a in enumerate(doc["assemblies"]):
        w = f"assemblies[{i}]"
        if not keys(a, "assembly", w):
            continue
        if not isinstance(a["name"], str) or not a["name"].strip():
            err(w, "empty name")
        joined = parse_date(a["joined_on"], w + ".joined_on")
        left = None if a["left_on"] is None else parse_date(a["left_on"], w + ".left_on")
        if joined and left and left <= joined:
            err(w, "left_on must be after joined_on")
        assemblies[a["code"]] = (joined, left)
    del codes

    for i, p in enumerate(doc["presidencies"]):
        w = f"presidencies[{i}]"
        if keys(p, "presidency", w):
            if p["assembly"] not in assemblies:
                err(w, f"unknown assembly {p['assembly']}")
            starts = parse_date(p["starts_on"], w + ".starts_on")
            ends = None if p["ends_on"] is None else parse_date(p["ends_on"], w + ".ends_on")
            if starts and ends and ends < starts:
                err(w, "ends_on must not be before starts_on")
    numbers = set()
    for i, m in enumerate(doc["meetings"]):
        w = f"meetings[{i}]"
        if keys(m, "meeting", w):
            if not isinstance(m["number"], int) or m["number"] < 1 or m["number"] in numbers:
                err(w, "number must be a positive integer, once each")
            numbers.add(m["number"])
            parse_date(m["date"], w + ".date")

    labels_seen = set()
    prev_opens = None
    for ci, cycle in enumerate(doc["cycles"]):
        w = f"cycles[{ci}]"
        if not keys(cycle, "cycle", w):
            continue
        w = f"cycle {cycle['label']}"
        if cycle["label"] in labels_seen:
            err(w, "duplicate label")
        labels_seen.add(cycle["label"])
        if cycle["status"] not in CYCLE_STATUSES:
            err(w, f"bad status {cycle['status']!r}")
        opens = parse_date(cycle["opens_on"], w + ".opens_on")
        closes = parse_date(cycle["closes_on"], w + ".closes_on")
        if opens and closes and closes < opens:
            err(w, "closes_on before opens_on")
        if opens and prev_opens and opens <= prev_opens:
            err(w, "cycles must be listed oldest first")
        prev_opens = opens
        year = target_year(cycle["label"])
        if year is None:
            err(w, "label must be YYYY or YYYY-YY")
        k = cycle["max_ranked_themes"]
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            err(w, "max_ranked_themes must be a positive integer")
        if keys(cycle["tiers"], "tiers", w + ".tiers"):
            p, s = cycle["tiers"]["primary"], cycle["tiers"]["secondary"]
            if not (0 < s < p <= 1):
                err(w, "tiers must satisfy 0 < secondary < primary <= 1")

        theme_codes = set(unique_codes(cycle["themes"], w + ".themes"))
        for t in cycle["themes"]:
            if keys(t, "theme", f"{w} theme {t.get('code')}"):
                check_labels(t["labels"], f"{w} theme {t['code']}")
                for old in t["replaces"]:
                    if old in theme_codes:
                        err(f"{w} theme {t['code']}", f"replaces {old!r}, which is still in this cycle")
        region_codes = unique_codes(cycle["regions"], w + ".regions")
        seen_regions = set()
        for r in cycle["regions"]:
            rw = f"{w} region {r.get('code')}"
            if keys(r, "region", rw):
                check_labels(r["labels"], rw)
                if r["parent"] is not None and r["parent"] not in seen_regions:
                    err(rw, f"parent {r['parent']!r} must exist and precede it")
                if len(set(r["countries"])) != len(r["countries"]):
                    err(rw, "repeated countries")
                for c in r["countries"]:
                    check_country(c, rw)
            seen_regions.add(r.get("code"))
        parents = {r["code"]: r["parent"] for r in cycle["regions"]}
        for code in region_codes:
            if code in ancestors(code, parents):
                err(f"{w} region {code}", "cycle in parents")
        kind_codes = set(unique_codes(cycle["activity_kinds"], w + ".activity_kinds"))
        for kd in cycle["activity_kinds"]:
            if keys(kd, "kind", f"{w} kind {kd.get('code')}"):
                check_labels(kd["labels"], f"{w} kind {kd['code']}")

        responders = set()
        for ri, resp in enumerate(cycle["responses"]):
            rw = f"{w} responses[{ri}]"
            if not keys(resp, "response", rw):
                continue
            a = resp["assembly"]
            rw = f"{w} response {a}"
            if a not in assemblies:
                err(rw, "unknown assembly")
            elif opens:
                joined, left = assemblies[a]
                if not (joined and joined <= opens and (left is None or left > opens)):
                    err(rw, "assembly is not a member of this cycle")
            if a in responders:
                err(rw, "second response from the same assembly")
            responders.add(a)
            if resp["status"] not in RESPONSE_STATUSES:
                err(rw, f"bad status {resp['status']!r}")
            ts = parse_ts(resp["updated_at"], rw + ".updated_at")
            if ts and opens and closes and cycle["status"] != "open":
                if not (opens <= ts.date() <= closes):
                    err(rw, "updated_at outside the cycle's open window")
            check_refs(resp["themes"], theme_codes, rw, "theme")
            if isinstance(k, int) and len(resp["themes"]) > k:
                err(rw, f"ranks {len(resp['themes'])} themes, more than {k}")
            if resp["status"] == "submitted" and not resp["themes"]:
                err(rw, "submitted response ranks no theme")
            check_refs(resp["regions"], seen_regions, rw, "region")
            if not isinstance(resp["comment"], str):
                err(rw, "comment must be a string")
            for ai, act in enumerate(resp["activities"]):
                aw = f"{rw} activity {ai}"
                if not keys(act, "activity", aw):
                    continue
                if not isinstance(act["title"], str) or not act["title"].strip():
                    err(aw, "empty title")
                if act["kind"] not in kind_codes:
                    err(aw, f"unknown kind {act['kind']!r}")
                s = parse_date(act["starts_on"], aw + ".starts_on")
                e = parse_date(act["ends_on"], aw + ".ends_on")
                if s and e:
                    if e < s:
                        err(aw, "ends_on before starts_on")
                    if year and (s.year != year or e.year != year):
                        err(aw, f"not within the target year {year}")
                if act["online"] is True:
                    if act["location"] is not None:
                        err(aw, "online activity must have location null")
                elif act["online"] is False:
                    if keys(act["location"], "location", aw + ".location"):
                        if not act["location"]["city"].strip():
                            err(aw, "empty city")
                        check_country(act["location"]["country"], aw)
                else:
                    err(aw, "online must be true or false")
                check_refs(act["themes"], theme_codes, aw, "theme")
                check_refs(act["regions"], seen_regions, aw, "region")
                if not all(isinstance(p, str) and p.strip() for p in act["partners"]):
                    err(aw, "partners must be non-empty strings")
    return doc


def fmt_share(x):
    return f"{x:.2f}"


def report(doc):
    for cycle in doc["cycles"]:
        opens = date.fromisoformat(cycle["opens_on"])
        members = [a["code"] for a in doc["assemblies"]
                   if date.fromisoformat(a["joined_on"]) <= opens
                   and (a["left_on"] is None or date.fromisoformat(a["left_on"]) > opens)]
        submitted = [r for r in cycle["responses"] if r["status"] == "submitted"]
        drafts = [r["assembly"] for r in cycle["responses"] if r["status"] == "draft"]
        answered = {r["assembly"] for r in cycle["responses"]}
        not_started = [m for m in members if m not in answered]
        n = len(submitted)
        print(f"=== Cycle {cycle['label']} ({cycle['status']}, {cycle['opens_on']} .. {cycle['closes_on']}, "
              f"target year {target_year(cycle['label'])}) ===")
        rate = f"{n / len(members):.2f}" if members else "-"
        print(f"members: {len(members)}  respondents (submitted): {n}  drafts: {len(drafts)}  "
              f"not started: {len(not_started)}  response rate: {n}/{len(members)} = {rate}")
        print(f"  members:     {', '.join(members)}")
        print(f"  submitted:   {', '.join(r['assembly'] for r in submitted)}")
        print(f"  drafts:      {', '.join(drafts) or '-'}")
        print(f"  not started: {', '.join(not_started) or '-'}")
        acts = [a for r in submitted for a in r["activities"]]
        print(f"  planned activities (submitted): {len(acts)}, online: {sum(a['online'] for a in acts)}")
        tiers = cycle["tiers"]
        print(f"\nTable 1 - themes (max_ranked_themes={cycle['max_ranked_themes']}, "
              f"primary >= {tiers['primary']}, secondary >= {tiers['secondary']}, n={n})")
        print(f"  {'#':>2}  {'theme':<24} {'assemblies':>10} {'share':>6} {'points':>6} {'mean_rank':>9}  tier")
        for i, row in enumerate(table1(cycle, submitted), 1):
            mr = "-" if row["mean_rank"] is None else f"{row['mean_rank']:.2f}"
            print(f"  {i:>2}  {row['code']:<24} {row['assemblies']:>10} {fmt_share(row['share']):>6} "
                  f"{row['points']:>6} {mr:>9}  {row['tier']}")
        print(f"\nTable 2 - regions (distinct assemblies; a sub-region also counts for its parent, n={n})")
        print(f"  {'region':<24} {'parent':<8} {'assemblies':>10} {'share':>6}")
        parents = {r["code"]: r["parent"] for r in cycle["regions"]}
        for row in table2(cycle, submitted):
            print(f"  {row['code']:<24} {parents[row['code']] or '-':<8} {row['assemblies']:>10} "
                  f"{fmt_share(row['share']):>6}")
        print()


def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("demo.json")
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    checked = check(doc)
    print(f"checked {path}  (ISO 3166-1 check: {'pycountry' if pycountry else 'form only'})")
    if errors:
        for e in errors:
            print("ERROR", e)
        print(f"{len(errors)} error(s)")
        sys.exit(1)
    report(checked)
    print("demo.json OK")


if __name__ == "__main__":
    main()
