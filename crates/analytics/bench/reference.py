#!/usr/bin/env python3
"""Reference timings for barometer's analytics bench.

Runs Table 1, Table 2 and the year-over-year comparison on the Parquet files that
`cargo bench -p barometer-analytics` writes (the same synthetic cycles the Rust bench times),
in one of three engines:

  duckdb        plain SQL, as an analyst would write it (COUNT(DISTINCT) after joining
                regions to their ancestors and to their countries);
  duckdb-masks  DuckDB running barometer's own plan (one bit mask per respondent, counted per
                distinct mask), so the comparison is like for like;
  pandas        barometer's plan in pandas (the plain plan's country join needs ~100M rows).

Usage: reference.py DATA_DIR ENGINE   (prints a `RESULT ...` line; the Rust bench parses it)

The script installs duckdb, pandas and pyarrow from PyPI into a virtual environment
($BAROMETER_BENCH_VENV, default /tmp/barometer-bench-venv) on first use and re-runs itself there.
Data is loaded into memory before timing; each computation runs once to warm up, then
$BAROMETER_BENCH_RUNS times (default 5), and the medians are reported. `peak_mb` is the
process's maximum resident set, loading included.
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time

VENV = os.environ.get("BAROMETER_BENCH_VENV", "/tmp/barometer-bench-venv")
PACKAGES = ["duckdb", "pandas", "pyarrow"]


def ensure_venv():
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True, stdout=sys.stderr)
    probe = subprocess.run([python, "-c", "import duckdb, pandas, pyarrow"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "--quiet", *PACKAGES], check=True, stdout=sys.stderr)
    os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])


def timed(runs, steps):
    """Runs the steps in order `runs` times after one warm-up; medians per step and in total."""
    times = {name: [] for name, _ in steps}
    totals = []
    results = {}
    for run in range(runs + 1):
        start = time.perf_counter()
        for name, step in steps:
            t0 = time.perf_counter()
            results[name] = step()
            if run > 0:
                times[name].append(time.perf_counter() - t0)
        if run > 0:
            totals.append(time.perf_counter() - start)
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    medians["total"] = statistics.median(totals)
    return medians, results


# ---------------------------------------------------------------- DuckDB

def duckdb_engine(data, meta, masks):
    import duckdb

    con = duckdb.connect()
    for name in ["from_themes", "to_themes", "from_theme_dim", "to_theme_dim", "to_regions", "to_activity_tags",
                 "region_dim", "ancestors", "region_countries", "links"]:
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet('{data}/{name}.parquet')")
    primary, secondary = meta["tiers"]["primary"], meta["tiers"]["secondary"]

    def table1_sql(prefix):
        n, resp = meta[prefix]["max_ranked_themes"], max(meta[prefix]["respondents"], 1)
        return f"""
            WITH agg AS (SELECT theme, count(*) AS assemblies, sum(rank) AS rank_sum FROM {prefix}_themes GROUP BY theme),
            t AS (SELECT d.code, coalesce(a.assemblies, 0) AS assemblies, coalesce(a.rank_sum, 0) AS rank_sum,
                         ({n} + 1) * coalesce(a.assemblies, 0) - coalesce(a.rank_sum, 0) AS points
                  FROM {prefix}_theme_dim d LEFT JOIN agg a USING (theme))
            SELECT code, assemblies, points, round(assemblies / {resp}, 4) AS share,
                   CASE WHEN assemblies > 0 THEN round(rank_sum / assemblies, 2) END AS mean_rank,
                   CASE WHEN assemblies > 0 AND assemblies / {resp} >= {primary} THEN 'primary'
                        WHEN assemblies > 0 AND assemblies / {resp} >= {secondary} THEN 'secondary'
                        ELSE 'other' END AS tier,
                   rank() OVER (ORDER BY points DESC, assemblies DESC) AS rank
            FROM t"""

    resp = max(meta["to"]["respondents"], 1)

    def table1():
        return con.execute(table1_sql("to") + " ORDER BY points DESC, assemblies DESC, code").fetchall()

    if masks:
        histogram = """
            WITH m AS (SELECT {key}, bit_or(1::UBIGINT << region) AS mask FROM {table} GROUP BY {key}),
            h AS (SELECT mask, count(*) AS n FROM m GROUP BY mask),
            e AS (SELECT h.mask, h.n, d.region FROM h, region_dim d WHERE (h.mask >> d.region) & 1 = 1)"""
        per_region = histogram + """
            SELECT region, sum(n) AS n FROM (SELECT DISTINCT e.mask, e.n, an.ancestor AS region
                                              FROM e JOIN ancestors an USING (region)) GROUP BY region"""
        assemblies = per_region.format(key="respondent", table="to_regions")
        activities = per_region.format(key="activity", table="to_activity_tags")
        countries = histogram.format(key="respondent", table="to_regions") + """
            SELECT iso3, sum(n)::BIGINT FROM (SELECT DISTINCT e.mask, e.n, rc.iso3 FROM e JOIN region_countries rc USING (region))
            GROUP BY iso3 ORDER BY iso3"""
    else:
        assemblies = """SELECT an.ancestor AS region, count(DISTINCT r.respondent) AS n
                        FROM to_regions r JOIN ancestors an USING (region) GROUP BY 1"""
        activities = """SELECT an.ancestor AS region, count(DISTINCT t.activity) AS n
                        FROM to_activity_tags t JOIN ancestors an USING (region) GROUP BY 1"""
        countries = """SELECT rc.iso3, count(DISTINCT r.respondent) FROM to_regions r
                       JOIN region_countries rc USING (region) GROUP BY 1 ORDER BY 1"""

    def table2():
        rows = con.execute(f"""
            WITH a AS ({assemblies}), b AS ({activities})
            SELECT d.code, coalesce(a.n, 0)::BIGINT, round(coalesce(a.n, 0) / {resp}, 4), coalesce(b.n, 0)::BIGINT
            FROM region_dim d LEFT JOIN a USING (region) LEFT JOIN b USING (region) ORDER BY d.region""").fetchall()
        return rows, con.execute(countries).fetchall()

    def comparison():
        return con.execute(f"""
            WITH f AS ({table1_sql("from")}), t AS ({table1_sql("to")}),
            fm AS (SELECT l.to_code, min(f.rank) AS from_rank, arg_min(f.share, f.rank) AS from_share
                   FROM links l JOIN f ON f.code = l.from_code GROUP BY l.to_code),
            rows AS (SELECT t.code, fm.from_rank, fm.from_share, t.rank AS to_rank, t.share AS to_share
                     FROM t LEFT JOIN fm ON t.code = fm.to_code
                     UNION ALL
                     SELECT f.code, f.rank, f.share, NULL, NULL FROM f WHERE f.code NOT IN (SELECT from_code FROM links))
            SELECT code, from_rank, to_rank, from_rank - to_rank AS rank_change, round(to_share - from_share, 4),
                   CASE WHEN from_rank IS NULL THEN 'new' WHEN to_rank IS NULL THEN 'dropped'
                        WHEN from_rank > to_rank THEN 'up' WHEN from_rank < to_rank THEN 'down' ELSE 'same' END
            FROM rows""").fetchall()

    medians, results = timed(runs(), [("table1", table1), ("table2", table2), ("compare", comparison)])
    table1_rows = {code: (rank, points, assemblies) for code, assemblies, points, _, _, _, rank in results["table1"]}
    region_rows, country_rows = results["table2"]
    regions = {code: (a, act) for code, a, _, act in region_rows}
    countries = {iso: n for iso, n in country_rows}
    compare_rows = {code: (f, t) for code, f, t, *_ in results["compare"]}
    return medians, table1_rows, regions, countries, compare_rows


# ---------------------------------------------------------------- pandas

def pandas_engine(data, meta):
    import numpy as np
    import pandas as pd

    tables = {name: pd.read_parquet(f"{data}/{name}.parquet") for name in
              ["from_themes", "to_themes", "from_theme_dim", "to_theme_dim", "to_regions", "to_activity_tags",
               "region_dim", "ancestors", "region_countries", "links"]}
    primary, secondary = meta["tiers"]["primary"], meta["tiers"]["secondary"]

    def table1_of(prefix):
        n, resp = meta[prefix]["max_ranked_themes"], max(meta[prefix]["respondents"], 1)
        agg = tables[f"{prefix}_themes"].groupby("theme")["rank"].agg(assemblies="size", rank_sum="sum")
        t = tables[f"{prefix}_theme_dim"].join(agg, on="theme").fillna({"assemblies": 0, "rank_sum": 0})
        t["points"] = (n + 1) * t["assemblies"] - t["rank_sum"]
        share = t["assemblies"] / resp
        t["share"] = share.round(4)
        t["mean_rank"] = (t["rank_sum"] / t["assemblies"].where(t["assemblies"] > 0)).round(2)
        t["tier"] = np.where((t["assemblies"] > 0) & (share >= primary), "primary",
                             np.where((t["assemblies"] > 0) & (share >= secondary), "secondary", "other"))
        key = t["points"] * (resp + 1) + t["assemblies"]
        t["rank"] = key.rank(method="min", ascending=False).astype(int)
        return t.sort_values(["points", "assemblies", "code"], ascending=[False, False, True])

    def histogram(table, key):
        rows = tables[table]
        bits = np.left_shift(np.uint64(1), rows["region"].to_numpy().astype(np.uint64))
        masks = pd.Series(bits).groupby(rows[key].to_numpy()).sum()
        h = masks.value_counts().rename_axis("mask").reset_index(name="n")
        dim = tables["region_dim"][["region"]]
        e = h.merge(dim, how="cross")
        keep = (np.right_shift(e["mask"].to_numpy().astype(np.uint64), e["region"].to_numpy().astype(np.uint64)) & np.uint64(1)) == 1
        return e[keep]

    def per_ancestor(e):
        x = e.merge(tables["ancestors"], on="region").drop_duplicates(["mask", "ancestor"])
        return x.groupby("ancestor")["n"].sum()

    resp = max(meta["to"]["respondents"], 1)

    def table2():
        e = histogram("to_regions", "respondent")
        a = per_ancestor(e)
        b = per_ancestor(histogram("to_activity_tags", "activity"))
        d = tables["region_dim"].copy()
        d["assemblies"] = d["region"].map(a).fillna(0).astype(int)
        d["share"] = (d["assemblies"] / resp).round(4)
        d["activities"] = d["region"].map(b).fillna(0).astype(int)
        c = e.merge(tables["region_countries"], on="region").drop_duplicates(["mask", "iso3"]).groupby("iso3")["n"].sum()
        return d, c

    def comparison():
        f, t = table1_of("from"), table1_of("to")
        fm = tables["links"].merge(f, left_on="from_code", right_on="code").sort_values("rank")
        fm = fm.drop_duplicates("to_code")[["to_code", "rank", "share"]].rename(columns={"rank": "from_rank", "share": "from_share"})
        kept = t.merge(fm, left_on="code", right_on="to_code", how="left").rename(columns={"rank": "to_rank", "share": "to_share"})
        dropped = f[~f["code"].isin(tables["links"]["from_code"])].rename(columns={"rank": "from_rank", "share": "from_share"})
        rows = pd.concat([kept[["code", "from_rank", "from_share", "to_rank", "to_share"]],
                          dropped[["code", "from_rank", "from_share"]]], ignore_index=True)
        rows["rank_change"] = rows["from_rank"] - rows["to_rank"]
        rows["share_change"] = (rows["to_share"] - rows["from_share"]).round(4)
        rows["movement"] = np.select(
            [rows["from_rank"].isna(), rows["to_rank"].isna(), rows["rank_change"] > 0, rows["rank_change"] < 0],
            ["new", "dropped", "up", "down"], "same")
        return rows

    medians, results = timed(runs(), [("table1", lambda: table1_of("to")), ("table2", table2), ("compare", comparison)])
    t1 = results["table1"]
    table1_rows = {r.code: (int(r.rank), int(r.points), int(r.assemblies)) for r in t1.itertuples()}
    d, c = results["table2"]
    regions = {r.code: (int(r.assemblies), int(r.activities)) for r in d.itertuples()}
    countries = {k: int(v) for k, v in c.items()}
    nan_int = lambda v: None if v != v else int(v)  # noqa: E731
    compare_rows = {r.code: (nan_int(r.from_rank), nan_int(r.to_rank)) for r in results["compare"].itertuples()}
    return medians, table1_rows, regions, countries, compare_rows


def runs():
    return max(1, int(os.environ.get("BAROMETER_BENCH_RUNS", "5")))


def main():
    data, engine = sys.argv[1], sys.argv[2]
    ensure_venv()
    with open(f"{data}/meta.json") as f:
        meta = json.load(f)
    if engine == "pandas":
        medians, t1, regions, countries, compare_rows = pandas_engine(data, meta)
    else:
        medians, t1, regions, countries, compare_rows = duckdb_engine(data, meta, masks=(engine == "duckdb-masks"))
    ours_t1 = {k: tuple(v) for k, v in meta["table1"].items()}
    ours_regions = {k: tuple(v) for k, v in meta["regions"].items()}
    ours_compare = {k: tuple(v) for k, v in meta["compare"].items()}
    agree = (t1 == ours_t1 and regions == ours_regions and countries == meta["countries"]
             and {k: tuple(v) for k, v in compare_rows.items()} == ours_compare)
    if not agree:
        for name, theirs, ours in [("table1", t1, ours_t1), ("regions", regions, ours_regions),
                                   ("countries", countries, meta["countries"]), ("compare", compare_rows, ours_compare)]:
            if theirs != ours:
                print(f"{engine}: {name} differs:\n  theirs {theirs}\n  ours   {ours}", file=sys.stderr)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + " ".join(f"{k}={v}" for k, v in medians.items()) + f" peak_mb={peak_mb} agree={'yes' if agree else 'no'}")


if __name__ == "__main__":
    main()
