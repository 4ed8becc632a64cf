"""The benchmark's table: every figure, every ratio, and each target's verdict (never an assertion)."""


def _m(d: dict | None) -> str:
    return "-" if not d else f"{d['median_ms']:.2f}/{d['p95_ms']:.2f}"


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT MET")


def print_table(reports: list[dict], args) -> str:
    lines: list[str] = []
    add = lines.append
    targets: list[tuple[str, str, str]] = []  # (engine, target, verdict and figure)
    for r in reports:
        e, d = r["engine"], r["data"]
        limit = 1.5 if e == "postgresql" else 2.0
        add(f"\n=== {e}: {d['projects']:,} projects, {d['budget_lines']:,} budget lines ({d['current_budget_lines']:,} "
            f"current), {d['transactions']:,} transactions (generated in {r['generate_s']} s); growth set "
            f"{r['growth_data']['projects']:,} projects ===")
        add(f"server: {r.get('server')}")

        add("\nAggregates, ms median/p95, each column timed in turn. api: GET over HTTP (keep-alive, token, JSON); "
            "api sql: the statement(s) the API ran, replayed raw; figures: the same GROUP BY over the stored "
            "per-project figures (same answer: rows, unknown counts, none row, total); facts: the raw GROUP BY over "
            "budget_lines + transactions joined to projects (rows only).")
        add(f"{'case':52} {'api':>15} {'api sql':>15} {'figures':>15} {'api/fig':>8} {'facts':>17} {'facts/api':>9}")
        for a in r.get("aggregates", []) if isinstance(r.get("aggregates"), list) else []:
            label = f"{a['kind'][0]} {a['case']}"[:52]
            if "error" in a:
                add(f"{label:52} FAILED: {a['error']}")
                targets.append((e, f"aggregate {a['case']}", f"FAILED ({a['error'][:80]})"))
                continue
            add(f"{label:52} {_m(a['api']):>15} {_m(a['api_sql']):>15} {_m(a['figures']):>15} "
                f"{a['api_vs_figures']:>7}x {_m(a.get('facts')):>17} "
                f"{(str(a['speedup_vs_facts']) + 'x') if 'facts' in a else '':>9}")
            if a["kind"] == "rollup":
                targets.append((e, f"#15 rollup aggregate {a['case']}: >= 10x faster than facts",
                                f"{_verdict(a['speedup_vs_facts'] >= 10)} ({a['speedup_vs_facts']}x)"))
            targets.append((e, f"#17 aggregate {a['case']}: <= {limit}x figures GROUP BY",
                            f"{_verdict(a['api_vs_figures'] <= limit)} ({a['api_vs_figures']}x)"))
        if isinstance(r.get("aggregates"), dict):
            add(f"aggregates FAILED: {r['aggregates'].get('error')}")

        crossed = r.get("crossed")
        if isinstance(crossed, dict):
            add(f"crossed aggregates FAILED: {crossed.get('error')}")
        elif crossed:
            add("\nCrossed aggregates (rows/columns, both margins and the total), ms median/p95, in turn. api: GET "
                "over HTTP; api sql: its statements replayed raw; group by: the same request answered by the "
                "base-table reader (the GROUP BY over the stored per-project figures, rollups off), replayed raw.")
            add(f"{'case':52} {'api':>15} {'api sql':>15} {'group by':>17} {'api/gb':>8} {'rollups':>7}")
            for c in crossed:
                if "error" in c:
                    add(f"{c['case'][:52]:52} FAILED: {c['error']}")
                    targets.append((e, f"#20 crossed {c['case']}", f"FAILED ({c['error'][:80]})"))
                    continue
                add(f"{c['case'][:52]:52} {_m(c['api']):>15} {_m(c['api_sql']):>15} {_m(c['group_by']):>17} "
                    f"{c['api_vs_group_by']:>7}x {'yes' if c['reads_rollups'] else 'no':>7}")
                targets.append((e, f"#20 crossed {c['case']}: against the same GROUP BY", f"{c['api_vs_group_by']}x"))

        f = r.get("floor", {})
        if "error" in f:
            add(f"\nper-request floor FAILED: {f['error']}")
        elif f:
            ip, h = f["in_process"], f["http"]
            add(f"\nPer-request floor ({f['server']}), ms median/p95:")
            add(f"  in-process: GET /api/v1/regions (Flask test client, token) {_m(ip['request'])} vs SELECT 1 "
                f"through db.session {_m(ip['select_1'])}: {ip['ratio']}x; {len(ip['statements_per_request'])} "
                f"statements per request")
            add(f"  HTTP keep-alive ({h['connections_opened']} connection(s) opened): GET /api/v1/regions "
                f"{_m(h['regions'])}, /healthz {_m(h['healthz'])}, raw SELECT 1 {_m(h['raw_select_1'])}: regions/"
                f"healthz {h['regions_vs_healthz']}x, regions/SELECT 1 {h['regions_vs_select_1']}x")
            targets.append((e, "#17 floor: regions vs SELECT 1 in-process / vs healthz / vs raw SELECT 1 (HTTP)",
                            f"{ip['ratio']}x / {h['regions_vs_healthz']}x / {h['regions_vs_select_1']}x"))
            held = f.get("held_out")
            if held:
                add(f"  held out, in-process: GET /api/v1/aggregates/region {_m(held['aggregate'])} vs a raw scan of "
                    f"the largest money table ({held['statement']}) {_m(held['scan'])}: {held['ratio']}x")
                targets.append((e, "#24 held-out ratio: region aggregate vs raw scan in-process (<= 0.1)",
                                f"{held['ratio']}x"))

        t = r.get("throughput")
        if t:
            if "error" in t:
                add(f"\nthroughput FAILED: {t['error']}")
                targets.append((e, "#17 throughput vs Datasette", f"FAILED ({t['error'][:80]})"))
            else:
                add(f"\nThroughput, GET /api/v1/aggregates/region, {t['concurrency']} connections, {t['rounds']} "
                    f"rounds in turn, client {t['api']['client']}; {t['server']}; Datasette {t['datasette_version']}:")
                add(f"  API {t['api']['rps']} req/s ({t['api']['errors']} errors, p50 {t['api']['p50_ms']} ms) vs "
                    f"Datasette, the same rollup statement as a canned query ({t['datasette_rows']} rows): "
                    f"{t['datasette_rollup']['rps']} req/s ({t['datasette_rollup']['errors']} errors, p50 "
                    f"{t['datasette_rollup']['p50_ms']} ms): {t['api_vs_datasette_rollup']}x")
                add(f"  old comparison, Datasette grouping the projects table by region: "
                    f"{t['datasette_projects_old']['rps']} req/s ({t['datasette_projects_old']['errors']} errors): "
                    f"API {t['api_vs_datasette_projects_old']}x")
                targets.append((e, "#17 throughput >= Datasette (same rollup query)",
                                f"{_verdict(t['api_vs_datasette_rollup'] >= 1)} ({t['api_vs_datasette_rollup']}x)"))

        g = r.get("growth", {})
        if "error" in g:
            add(f"\ngrowth FAILED: {g['error']}")
        elif g:
            add(f"\nGrowth {g['sizes'][0]:,} -> {g['sizes'][1]:,} projects "
                f"({g['deletions']} projects deleted in each), "
                "ms median/p95, small and large timed in turn (target large <= 1.2x small):")
            for name, c in g["cases"].items():
                if "error" in c:
                    add(f"  {name:48} FAILED: {c['error']}")
                    targets.append((e, f"#17 growth {name}", f"FAILED ({c['error'][:80]})"))
                    continue
                add(f"  {name:48} {_m(c['small']):>15} {_m(c['large']):>15}  {c['ratio']}x  (X-Total-Count "
                    f"{c['x_total_count'][0]} / {c['x_total_count'][1]})")
                targets.append((e, f"#17 growth {name} <= 1.2x", f"{_verdict(c['ratio'] <= 1.2)} ({c['ratio']}x)"))
            o = g.get("offset_last_page", {})
            if "error" not in o and o:
                add(f"  {'(for comparison) last page by offset':48} {_m(o['small']):>15} {_m(o['large']):>15}  "
                    f"{o['ratio']}x")

        x = r.get("exports", {})
        if x:
            add("\nExports (streamed CSV, read to the end):")
            for kind, c in x.items() if "error" not in x else ():
                if "error" in c:
                    add(f"  {kind}: FAILED: {c['error']}")
                    targets.append((e, f"export {kind}", f"FAILED ({c['error'][:80]})"))
                    continue
                add(f"  {kind}: {c['lines']:,} lines, API {c['api_s']} s vs {c['baseline']} {c['baseline_s']} s "
                    f"({c['baseline_lines']:,} lines): {c['ratio']}x; server peak RSS {c['server_peak_rss_mb']} MB")
                targets.append((e, f"export {kind}: server RSS < 200 MB",
                                f"{_verdict(c['server_peak_rss_mb'] < 200)} ({c['server_peak_rss_mb']} MB)"))
                if kind == "budget-lines" and e == "postgresql":
                    targets.append((e, "#17 budget-line CSV within 3x COPY",
                                    f"{_verdict(c['ratio'] <= 3)} ({c['ratio']}x)"))

        w = r.get("writes", {})
        if w:
            add("\nSingle writes:")
            counts = w.get("statement_counts", {})
            if "error" in counts:
                add(f"  statement counts FAILED: {counts['error']}")
            for name, c in counts.items() if "error" not in counts else ():
                if "error" in c:
                    add(f"  {name}: FAILED: {c['error']}")
                    continue
                kinds = ", ".join(f"{v} {k}" for k, v in sorted(c["by_kind"].items()))
                add(f"  {name}: {c['statements']} statements in-process ({kinds}) besides BEGIN/COMMIT")
            tm = w.get("timings")
            if tm:
                add("  over HTTP vs the bare SQL of the same rows (PostgreSQL), ms median/p95:")
                for name, label in (("post", "POST /projects"), ("patch", "PATCH /projects/{code}"),
                                    ("line", "POST budget line (project with 10 lines)"),
                                    ("delete", "DELETE project with 10 lines")):
                    add(f"    {label:42} API {_m(tm['api_' + name]):>15}  bare {_m(tm['bare_' + name]):>15}  "
                        f"{tm[name + '_ratio']}x")
                    targets.append((e, f"#17 write {label} vs bare SQL", f"{tm[name + '_ratio']}x"))

        b = r.get("bulk", {})
        if b:
            add(f"\nBulk, {b.get('projects', 0):,} projects in POST /projects/bulk batches of 5,000 vs raw executemany "
                "in one transaction:")
            if "error" in b:
                add(f"  FAILED: {b['error']}")
                targets.append((e, "#17 bulk upsert", f"FAILED ({b['error'][:80]})"))
            else:
                add(f"  create {b['api_create_s']:.3f} s vs raw INSERTs {b['raw_create_s']:.3f} s: "
                    f"{b['create_ratio']}x "
                    f"({b['api_create_counts']})")
                add(f"  upsert, changed rows {b['api_upsert_changed_s']:.3f} s "
                    f"vs raw UPDATEs {b['raw_update_s']:.3f} s: "
                    f"{b['upsert_changed_ratio']}x ({b['api_upsert_changed_counts']})")
                add(f"  upsert, no-op (same rows again) {b['api_upsert_noop_s']:.3f} s "
                    f"({b['upsert_noop_vs_raw_update']}x "
                    f"the raw UPDATEs; {b['api_upsert_noop_counts']})")
                targets.append((e, "#17 bulk create / changed upsert vs raw executemany",
                                f"{b['create_ratio']}x / {b['upsert_changed_ratio']}x"))
        bt = r.get("bulk_transactions", {})
        if bt:
            if "error" in bt:
                add(f"\nBulk transactions FAILED: {bt['error']}")
                targets.append((e, "#15 bulk transactions", f"FAILED ({bt['error'][:80]})"))
            else:
                add(f"\nBulk transactions: {bt['transactions']:,} over {bt['projects']:,} projects in POST "
                    f"/transactions/bulk batches of 5,000: {bt['api_s']:.3f} s vs raw executemany {bt['raw_s']:.3f} s: "
                    f"{bt['ratio']}x ({bt['api_counts']})")
                targets.append((e, "#15 bulk transactions vs raw executemany", f"{bt['ratio']}x"))

    add("\nTargets (verdicts are read off the figures above; nothing is asserted):")
    for engine, name, verdict in targets:
        add(f"  [{engine}] {name}: {verdict}")
    text = "\n".join(lines)
    print(text)
    return text
