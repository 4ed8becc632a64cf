// The portfolio against its declared baseline, and budget against spent by region, priority, year and donor:
// each a chart with the same figures in a table beside it and the API's own CSV/XLSX of exactly this view;
// the region x priority and donor x region tables. A funder chosen on the page (`funder=`, a money filter)
// makes every chart and table answer only that funder's attributed money.
import { html, useState, useRef, useMemo, useEffect } from "../lib.js";
import { t, tn, formatCount } from "../i18n.js";
import { get, query, ApiError } from "../api.js";
import { Page, Loading, ErrorMessage, TableWrap, useAsync, Facts, Notice, FieldError, errorsAt } from "../components.js";
import { FilterForm, filtersFrom, AGGREGATE_FILTERS, DASHBOARD_FILTERS } from "../filters.js";
import { BarChart, loadECharts } from "../charts.js";
import { money, percent } from "../format.js";
import { navigate, routeUrl } from "../router.js";
import * as vocabulary from "../vocabulary.js";

const DIMENSIONS = ["region", "priority", "year", "donor"];
const CHART_MEASURES = [
  { key: "budget_usd", label: () => t("measure.budget") },
  { key: "expenditure_usd", label: () => t("measure.spent") },
];

function Downloads({ path, filters, what }) {
  const search = query(filters);
  return html`<p class="downloads">
    <a href=${`/api/v1${path}.csv${search}`} download>${t("download.csv", { what })}</a>
    <a href=${`/api/v1${path}.xlsx${search}`} download>${t("download.xlsx", { what })}</a>
  </p>`;
}

function unknownNote(count) {
  return count ? tn("dashboard.unknownCount", count) : "";
}

// Priorities have sentence-long names (§13): rows and bars show the short name, the table keeps the full
// one for screen readers.
function rowLabel(dimension, row) {
  if (dimension === "priority" && row.key) return t(`priorityShort.${row.key}`);
  return row.label;
}

function DimensionTable({ dimension, answer }) {
  const caption = t(`dashboard.table.${dimension}`);
  const cell = (row, measure) => html`<td class="num">${money(row[measure])}</td>`;
  return html`<${TableWrap} label=${caption}>
    <table class="figures" data-dimension=${dimension}>
      <caption>${caption}</caption>
      <thead><tr>
        <th scope="col">${t(`dimension.${dimension}`)}</th>
        <th scope="col" class="num">${t("measure.projects")}</th>
        <th scope="col" class="num">${t("table.budget")}</th>
        <th scope="col" class="num">${t("table.spent")}</th>
        <th scope="col" class="num">${t("table.remaining")}</th>
        <th scope="col" class="num">${t("table.spentPercent")}</th>
        <th scope="col" class="num">${t("measure.unknownBudgets")}</th>
        <th scope="col" class="num">${t("measure.unknownSpending")}</th>
      </tr></thead>
      <tbody>
        ${answer.rows.map((row) => html`<tr data-key=${row.key === null ? "" : String(row.key)}>
          <th scope="row">${rowLabel(dimension, row)}${rowLabel(dimension, row) !== row.label ? html`<span class="visually-hidden">: ${row.label}</span>` : null}</th>
          <td class="num">${formatCount(row.project_count)}</td>
          ${cell(row, "budget_usd")}${cell(row, "expenditure_usd")}${cell(row, "remaining_usd")}
          <td class="num">${percent(row.spent_percent)}</td>
          <td class="num">${formatCount(row.unknown_budget_count)}</td>
          <td class="num">${formatCount(row.unknown_expenditure_count)}</td>
        </tr>`)}
      </tbody>
      <tfoot><tr data-key="total">
        <th scope="row">${t("dashboard.total")}</th>
        <td class="num">${formatCount(answer.total.project_count)}</td>
        ${cell(answer.total, "budget_usd")}${cell(answer.total, "expenditure_usd")}${cell(answer.total, "remaining_usd")}
        <td class="num">${percent(answer.total.spent_percent)}</td>
        <td class="num">${formatCount(answer.total.unknown_budget_count)}</td>
        <td class="num">${formatCount(answer.total.unknown_expenditure_count)}</td>
      </tr></tfoot>
    </table>
  <//>
  ${answer.additive === false ? html`<p class="hint">${t("dashboard.notAdditive")}</p>` : null}
  ${answer.note ? html`<p class="hint">${answer.note}</p>` : null}`;
}

// What the figures are attributed by: the answer's own `basis`, for the measures the table shows.
const BASIS_MEASURES = [["budget", "table.budget"], ["expenditure", "table.spent"], ["remaining", "table.remaining"]];

export function Basis({ basis, open, id }) {
  if (!basis) return null;
  return html`<details class="basis" open=${open} data-basis=${id}>
    <summary>${t("dashboard.basis.title")}</summary>
    <dl class="facts">${BASIS_MEASURES.filter(([m]) => basis[m]).map(([m, label]) => html`<div data-measure=${m}><dt>${t(label)}</dt><dd>${basis[m]}</dd></div>`)}</dl>
  </details>`;
}

function DimensionSection({ dimension, filters, load, onDrawn }) {
  const { data, error, loading } = useAsync(() => load(`/aggregates/${dimension}`), [dimension, JSON.stringify(filters)]);
  const title = t(`dashboard.chart.${dimension}`);
  const headingId = `dim-${dimension}`;
  return html`<section class="panel dimension" aria-labelledby=${headingId} data-dimension=${dimension}>
    <h2 id=${headingId}>${title}</h2>
    ${loading && !data ? html`<${Loading} />` : null}
    <${ErrorMessage} error=${error} />
    ${data ? html`<div class="chart-and-table">
      <div class="chart-box">
        <${BarChart} title=${title} horizontal=${dimension !== "year"} onDrawn=${() => onDrawn(dimension)}
          measures=${CHART_MEASURES.map((m) => ({ key: m.key, label: m.label() }))}
          rows=${data.rows.map((row) => ({ label: rowLabel(dimension, row), values: { budget_usd: row.budget_usd, expenditure_usd: row.expenditure_usd } }))} />
        <p class="hint">${t("chart.unknownHint")}</p>
      </div>
      <div class="table-box">
        <${DimensionTable} dimension=${dimension} answer=${data} />
        <${Downloads} path=${`/aggregates/${dimension}`} filters=${filters} what=${t(`dimension.${dimension}`)} />
        <${Basis} basis=${data.basis} id=${dimension} open=${dimension === "donor"} />
      </div>
    </div>` : null}
  </section>`;
}

function Baseline({ summary }) {
  const { data, error, loading } = summary;
  if (error) return html`<section class="panel"><${ErrorMessage} error=${error} /></section>`;
  // No data yet (also for the first drawing after the view changed, before its request starts): loading.
  if (loading || !data) return html`<section class="panel"><${Loading} /></section>`;
  const { baseline, itemized, coverage } = data;
  return html`<section class="panel" aria-labelledby="baseline-h" id="baseline">
    <h2 id="baseline-h">${t("dashboard.baseline.title", { as_of: baseline.as_of_label })}</h2>
    <div class="cards">
      <div class="card" data-figure="baseline">
        <h3>${t("dashboard.baseline.declared")}</h3>
        <p class="big"><span data-value="baseline.project_count">${formatCount(baseline.project_count)}</span> ${t("dashboard.projectsWord")}</p>
        <p class="big">${t("dashboard.baseline.budget", { qualifier: baseline.budget_qualifier ? t(`qualifier.${baseline.budget_qualifier}`) : "" })} <span data-value="baseline.budget_usd">${money(baseline.budget_usd)}</span></p>
        <p class="hint">${baseline.source}</p>
      </div>
      <div class="card" data-figure="itemized">
        <h3>${t("dashboard.itemized.title")}</h3>
        <p class="big"><span data-value="itemized.project_count">${formatCount(itemized.project_count)}</span> ${t("dashboard.projectsWord")}${" "}
          <span class="muted">(${t("dashboard.coverage", { value: percent(coverage.projects_percent) })})</span></p>
        <p class="big">USD <span data-value="itemized.budget_usd">${money(itemized.budget_usd)}</span>${" "}
          <span class="muted">(${t("dashboard.coverage", { value: percent(coverage.budget_percent) })})</span></p>
        <${Facts} items=${[
          [t("dashboard.itemized.known"), html`<span data-value="itemized.known_budget_count">${formatCount(itemized.known_budget_count)}</span>`],
          [t("dashboard.itemized.unknown"), html`<span data-value="itemized.unknown_budget_count">${formatCount(itemized.unknown_budget_count)}</span>`],
          [t("dashboard.itemized.synthetic"), html`<span data-value="itemized.synthetic_count">${formatCount(itemized.synthetic_count)}</span>`],
        ]} />
      </div>
    </div>
    <${TableWrap} label=${t("dashboard.byRegion")}>
      <table class="figures" data-table="summary-regions">
        <caption>${t("dashboard.byRegion")}</caption>
        <thead><tr>
          <th scope="col">${t("dimension.region")}</th>
          <th scope="col" class="num">${t("measure.projects")}</th>
          <th scope="col" class="num">${t("dashboard.itemized.known")}</th>
          <th scope="col" class="num">${t("dashboard.itemized.unknown")}</th>
          <th scope="col" class="num">${t("measure.budget")}</th>
        </tr></thead>
        <tbody>${data.by_region.map((row) => html`<tr data-key=${row.region}>
          <th scope="row">${row.label}</th>
          <td class="num">${formatCount(row.project_count)}</td>
          <td class="num">${formatCount(row.known_budget_count)}</td>
          <td class="num">${formatCount(row.unknown_budget_count)}</td>
          <td class="num">${money(row.budget_usd)}</td>
        </tr>`)}</tbody>
      </table>
    <//>
    <p class="hint">${data.note}</p>
  </section>`;
}

const CROSS_MEASURES = ["budget_usd", "expenditure_usd", "remaining_usd"];

function MeasureSelect({ id, measure, setMeasure }) {
  return html`<div class="field inline">
    <label for=${id}>${t("dashboard.crossTab.measure")}</label>
    <select id=${id} value=${measure} onChange=${(e) => setMeasure(e.target.value)}>
      ${CROSS_MEASURES.map((m) => html`<option value=${m} selected=${m === measure}>${t(`measureName.${m}`)}</option>`)}
    </select>
  </div>`;
}

function CrossTab({ filters, load, after }) {
  const [measure, setMeasure] = useState("budget_usd");
  const { data, error, loading } = useAsync(() => after.then(() => load("/aggregates/region-priority")), [JSON.stringify(filters)]);
  const measures = CROSS_MEASURES;
  return html`<section class="panel" aria-labelledby="crosstab-h" data-table="region-priority">
    <h2 id="crosstab-h">${t("dashboard.crossTab.title")}</h2>
    <div class="field inline">
      <label for="crosstab-measure">${t("dashboard.crossTab.measure")}</label>
      <select id="crosstab-measure" value=${measure} onChange=${(e) => setMeasure(e.target.value)}>
        ${measures.map((m) => html`<option value=${m} selected=${m === measure}>${t(`measureName.${m}`)}</option>`)}
      </select>
    </div>
    ${loading && !data ? html`<${Loading} />` : null}
    <${ErrorMessage} error=${error} />
    ${data ? html`<${TableWrap} label=${t("dashboard.crossTab.title")}>
      <table class="figures crosstab" data-measure=${measure}>
        <caption>${t("dashboard.crossTab.caption", { measure: t(`measureName.${measure}`) })}</caption>
        <thead><tr>
          <th scope="col">${t("dimension.region")}</th>
          ${data.columns.map((c) => html`<th scope="col" class="num" data-key=${c.priority}><abbr title=${c.label}>${t(`priorityShort.${c.priority}`)}</abbr></th>`)}
          <th scope="col" class="num">${t("dashboard.total")}</th>
        </tr></thead>
        <tbody>${data.rows.map((row) => html`<tr data-key=${row.region}>
          <th scope="row">${row.label}</th>
          ${row.cells.map((c) => html`<td class="num" data-key=${c.priority}>${money(c[measure])}</td>`)}
          <td class="num" data-key="total">${money(row[measure])}</td>
        </tr>`)}</tbody>
        <tfoot><tr data-key="total">
          <th scope="row">${t("dashboard.total")}</th>
          ${data.columns.map((c) => html`<td class="num" data-key=${c.priority}>${money(c[measure])}</td>`)}
          <td class="num" data-key="total">${money(data.total[measure])}</td>
        </tr></tfoot>
      </table>
    <//>
    <p class="hint">${data.note}</p>
    <${Downloads} path="/aggregates/region-priority" filters=${filters} what=${t("dashboard.crossTab.file")} />` : null}
  </section>`;
}

// Two dimensions crossed (/aggregates/{rows}/{columns}): a cell per row and column, both margins and the total,
// each exact to the cent; the margins are the one-dimensional aggregates.
function Crossed({ rows, columns, filters, load, after }) {
  const [measure, setMeasure] = useState("budget_usd");
  const path = `/aggregates/${rows}/${columns}`;
  const { data, error, loading } = useAsync(() => after.then(() => load(path)), [path, JSON.stringify(filters)]);
  const id = `crossed-${rows}-${columns}`;
  const names = { rows: t(`dimension.${rows}`), columns: t(`dimension.${columns}`) };
  return html`<section class="panel" aria-labelledby=${`${id}-h`} data-table=${`${rows}/${columns}`}>
    <h2 id=${`${id}-h`}>${t("dashboard.crossed.title", names)}</h2>
    <${MeasureSelect} id=${`${id}-measure`} measure=${measure} setMeasure=${setMeasure} />
    ${loading && !data ? html`<${Loading} />` : null}
    <${ErrorMessage} error=${error} />
    ${data ? html`<${TableWrap} label=${t("dashboard.crossed.title", names)}>
      <table class="figures crosstab" data-measure=${measure}>
        <caption>${t("dashboard.crossed.caption", { measure: t(`measureName.${measure}`), ...names })}</caption>
        <thead><tr>
          <th scope="col">${names.rows}</th>
          ${data.columns.map((c) => html`<th scope="col" class="num" data-key=${c.key === null ? "" : String(c.key)}>${c.label}</th>`)}
          <th scope="col" class="num">${t("dashboard.total")}</th>
        </tr></thead>
        <tbody>${data.rows.map((row) => html`<tr data-key=${row.key === null ? "" : String(row.key)}>
          <th scope="row">${row.label}</th>
          ${row.cells.map((c) => html`<td class="num" data-key=${c.key === null ? "" : String(c.key)}>${money(c[measure])}</td>`)}
          <td class="num" data-key="total">${money(row[measure])}</td>
        </tr>`)}</tbody>
        <tfoot><tr data-key="total">
          <th scope="row">${t("dashboard.total")}</th>
          ${data.columns.map((c) => html`<td class="num" data-key=${c.key === null ? "" : String(c.key)}>${money(c[measure])}</td>`)}
          <td class="num" data-key="total">${money(data.total[measure])}</td>
        </tr></tfoot>
      </table>
    <//>
    ${data.rows_additive === false ? html`<p class="hint">${t("dashboard.crossed.rowsOverlap", names)}</p>` : null}
    ${data.columns_additive === false ? html`<p class="hint">${t("dashboard.crossed.columnsOverlap", names)}</p>` : null}
    <p class="hint">${data.note}</p>
    <${Downloads} path=${path} filters=${filters} what=${t("dashboard.crossed.file", names)} />
    <${Basis} basis=${data.basis} id=${`${rows}/${columns}`} open=${false} />` : null}
  </section>`;
}

// "Whose money": a funder chosen from the organisations; every figure below then answers only its money.
// The organisations are fetched when the control is first reached (focus or pointer), not with the figures.
function FunderForm({ funder, funderLabel, errors, onApply }) {
  const [value, setValue] = useState(funder || "");
  const [orgs, setOrgs] = useState(null);
  useEffect(() => setValue(funder || ""), [funder]);
  const want = () => {
    if (!orgs) vocabulary.organisations().then(setOrgs, () => setOrgs([]));
  };
  const messages = errorsAt(errors, "/funder");
  const list = orgs || [];
  const extra = funder && !list.some((o) => o.code === funder) ? [{ code: funder, name: funderLabel || funder }] : [];
  const submit = (event) => {
    event.preventDefault();
    onApply(value);
  };
  return html`<form class="panel funder-form" aria-labelledby="funder-h" onSubmit=${submit} data-keep-focus>
    <h2 id="funder-h">${t("dashboard.funder.title")}</h2>
    <div class=${`field inline${messages.length ? " field-invalid" : ""}`}>
      <label for="funder">${t("dashboard.funder.label")}</label>
      <select id="funder" value=${value} onFocus=${want} onPointerEnter=${want} onChange=${(e) => setValue(e.target.value)}
        aria-describedby=${messages.length ? "funder-hint funder-error" : "funder-hint"} aria-invalid=${messages.length ? "true" : undefined}>
        <option value="">${t("dashboard.funder.all")}</option>
        ${[...extra, ...list].map((o) => html`<option value=${o.code} selected=${o.code === value}>${o.name} (${o.code})</option>`)}
      </select>
      <button type="submit">${t("dashboard.funder.show")}</button>
    </div>
    <${FieldError} id="funder-error" messages=${messages} />
    <p class="hint" id="funder-hint">${t("dashboard.funder.hint")}</p>
  </form>`;
}

// With a funder: its money in all (the total of /aggregates/donor?funder=X, which is X's row), in place of the
// baseline (which compares the whole portfolio).
function FunderTotals({ answer, funder, filters }) {
  const { data, error, loading } = answer;
  if (error) return null;
  if (loading || !data) return html`<section class="panel"><${Loading} /></section>`;
  const label = (data.rows.find((r) => r.key === funder) || {}).label || funder;
  const total = data.total;
  const all = { ...filters };
  delete all.funder;
  const value = (name) => html`<span data-value=${`funder.${name}`}>${money(total[name])}</span>`;
  return html`<section class="panel" aria-labelledby="funder-totals-h" id="funder-totals" data-funder=${funder}>
    <h2 id="funder-totals-h">${t("dashboard.funder.heading", { name: label })}</h2>
    <${Facts} items=${[
      [t("measure.projects"), html`<span data-value="funder.project_count">${formatCount(total.project_count)}</span>`],
      [t("table.budget"), value("budget_usd")],
      [t("table.spent"), value("expenditure_usd")],
      [t("table.remaining"), value("remaining_usd")],
      [t("table.spentPercent"), html`<span data-value="funder.spent_percent">${percent(total.spent_percent)}</span>`],
      [t("measureName.incoming_funds_usd"), value("incoming_funds_usd")],
    ]} />
    <p class="hint">${t("dashboard.funder.note", { name: label })}</p>
    <p><a href=${routeUrl("/", all)}>${t("dashboard.funder.everyone")}</a></p>
  </section>`;
}

export function Dashboard({ query: params }) {
  // The chart library loads while the figures are fetched, not after.
  loadECharts().catch(() => {});
  const filters = filtersFrom(params, DASHBOARD_FILTERS);
  const funder = filters.funder;
  const projectFilters = filtersFrom(params, AGGREGATE_FILTERS);
  const view = JSON.stringify(filters);
  // One request per answer and view, shared by the parts that show it (the funder's totals and the donor chart).
  const answers = useMemo(() => new Map(), [view]);
  const load = (path) => {
    if (!answers.has(path)) answers.set(path, get(path, filters).then((answer) => answer.data));
    return answers.get(path);
  };
  // The two tables below the charts ask for their figures once the four charts' answers are in (or failed): on
  // two busy cores their statements would otherwise share the workers with the charts' (the shell preloads the
  // charts' requests only). bench/README.md, "The web app", has the measurement.
  const chartsAnswered = useMemo(() => Promise.allSettled(DIMENSIONS.map((d) => load(`/aggregates/${d}`))), [view]);
  const drawn = useRef(new Set());
  // The first answer also checks the filters: a 422 names the parameter, shown at its field. Without a funder the
  // summary against the baseline; with one, the funder's row, which is one answer the page needs anyway (the donor
  // chart's): the declared baseline is the whole portfolio's, not a funder's.
  const summary = useAsync(async () => (funder ? null : (await get("/portfolio/summary", projectFilters)).data), [view]);
  const funderAnswer = useAsync(async () => (funder ? load("/aggregates/donor") : null), [view]);
  const filterError = funder ? funderAnswer.error : summary.error;
  // The page's first screen is drawn when the four charts are and the panel above them (the baseline, or the
  // funder's totals) is shown: then the mark bench/web.py measures.
  const topShown = useRef(false);
  const markIfDrawn = () => {
    if (drawn.current.size === DIMENSIONS.length && topShown.current
        && !performance.getEntriesByName("tcm:dashboard-charts").length) {
      performance.mark("tcm:dashboard-charts");
    }
  };
  const top = funder ? funderAnswer : summary;
  const topDone = Boolean(top.data || top.error);
  useEffect(() => {
    if (!topDone) return;
    topShown.current = true;
    markIfDrawn();
  }, [topDone]);
  const onDrawn = (dimension) => {
    performance.mark(`tcm:chart-${dimension}`);
    drawn.current.add(dimension);
    markIfDrawn();
  };
  const filterErrors = filterError instanceof ApiError && filterError.status === 422 ? filterError.errors : [];
  const forbidden = filterError instanceof ApiError && (filterError.status === 403 || filterError.status === 401);
  const active = Object.keys(projectFilters).length;
  const projectErrors = filterErrors.filter((e) => e.pointer !== "/funder");
  // The form (and the vocabularies it fetches) only when the panel is open: closed, it costs nothing.
  const [filtersOpen, setFiltersOpen] = useState(active > 0);
  const open = filtersOpen || projectErrors.length > 0;
  if (open !== filtersOpen) setFiltersOpen(open);
  const funderLabel = funderAnswer.data ? (funderAnswer.data.rows.find((r) => r.key === funder) || {}).label : null;
  return html`<${Page} title=${funder && funderLabel ? t("dashboard.funder.pageTitle", { name: funderLabel }) : t("dashboard.title")} wide>
    ${forbidden ? null : html`<${FunderForm} funder=${funder} funderLabel=${funderLabel} errors=${filterErrors}
      onApply=${(code) => navigate(routeUrl("/", { ...projectFilters, funder: code }))} />`}
    <details class="panel filter-panel" open=${filtersOpen} onToggle=${(e) => setFiltersOpen(e.target.open)}>
      <summary>${active ? tn("filter.active", active) : t("filter.title")}</summary>
      ${filtersOpen ? html`<${FilterForm} filters=${projectFilters} names=${AGGREGATE_FILTERS} errors=${filterErrors} idPrefix="df"
        onApply=${(next) => navigate(routeUrl("/", { ...next, funder }))} />` : null}
    </details>
    ${forbidden ? html`<${Notice} kind="error">${t(filterError.status === 401 ? "dashboard.signInNeeded" : "dashboard.forbidden")}</${Notice}>` : null}
    ${filterErrors.length ? html`<${ErrorMessage} error=${filterError} />` : null}
    ${!forbidden && !filterErrors.length ? html`
      ${funder ? html`<${FunderTotals} answer=${funderAnswer} funder=${funder} filters=${filters} />` : html`<${Baseline} summary=${summary} />`}
      <div class="dimensions">
        ${DIMENSIONS.map((d) => html`<${DimensionSection} key=${d} dimension=${d} filters=${filters} load=${load} onDrawn=${onDrawn} />`)}
      </div>
      <${CrossTab} filters=${filters} load=${load} after=${chartsAnswered} />
      <${Crossed} rows="donor" columns="region" filters=${filters} load=${load} after=${chartsAnswered} />` : null}
  <//>`;
}
