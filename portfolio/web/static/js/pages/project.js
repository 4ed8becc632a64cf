// One project: what it is, where and for whom, its money (budget lines original and revised, transactions,
// budget against actual by year) and the history of its changes.
import { html, useState } from "../lib.js";
import { t, tn } from "../i18n.js";
import { get, getAll, request, ApiError } from "../api.js";
import { Page, Loading, ErrorMessage, TableWrap, useAsync, Facts, Badge, useConfirm, Notice } from "../components.js";
import { BarChart, loadECharts } from "../charts.js";
import { money, percent, dateText, dateTime, text } from "../format.js";
import { navigate } from "../router.js";
import { History } from "../history.js";
import { can } from "../session.js";

const enc = encodeURIComponent;

async function loadProject(code) {
  const base = `/projects/${enc(code)}`;
  const [project, lines, transactions, finance, history] = await Promise.all([
    get(base),
    getAll(`${base}/budget-lines`),
    getAll(`${base}/transactions`),
    get(`${base}/finance`),
    getAll(`${base}/history`),
  ]);
  return { project: project.data, etag: project.etag, lines, transactions, finance: finance.data, history };
}

function Section({ id, title, children, actions }) {
  return html`<section class="panel" aria-labelledby=${`${id}-h`} id=${id}>
    <div class="section-head"><h2 id=${`${id}-h`}>${title}</h2>${actions ? html`<div class="section-actions">${actions}</div>` : null}</div>
    ${children}
  </section>`;
}

function Overview({ project }) {
  return html`<${Facts} items=${[
    [t("project.code"), project.code],
    [t("project.acronym"), text(project.acronym)],
    [t("project.region"), project.region.name],
    [t("project.status"), t(`status.${project.status}`)],
    [t("project.start"), dateText(project.start_date)],
    [t("project.end"), dateText(project.end_date)],
    [t("project.postEmergency"), project.post_emergency ? t("filter.yes") : t("filter.no")],
    [t("project.activityScope"), project.activity_scope ? t(`scope.${project.activity_scope}`) : t("value.notStated")],
    [t("project.dacSector"), project.dac_sector ? t(`dacSector.${project.dac_sector}`) : t("value.notStated")],
    [t("project.budget"), html`<span data-value="budget.total_usd">${money(project.budget.total_usd)}</span>`],
    [t("project.originalBudget"), html`<span data-value="budget.original_usd">${money(project.budget.original_usd)}</span>`],
    [t("measure.spent"), html`<span data-value="actuals.expenditure_usd">${money(project.actuals.expenditure_usd)}</span>`],
    [t("project.version"), String(project.version)],
    [t("project.updated"), dateTime(project.updated_at)],
    [t("project.source"), text(project.source)],
    project.judgement ? [t("project.judgement"), project.judgement] : null,  // it names its fields itself
  ]} />
  ${project.description ? html`<p class="description">${project.description}</p>` : null}`;
}

function Links({ project }) {
  const stated = project.rcps.filter((r) => r.link === "stated");
  const derived = project.rcps.filter((r) => r.link === "derived");
  return html`<div class="columns">
    <div>
      <h3>${t("project.countries")}</h3>
      <${TableWrap} label=${t("project.countries")}><table class="figures">
        <thead><tr><th scope="col">${t("project.country")}</th><th scope="col" class="num">${t("project.budgetShare")}</th></tr></thead>
        <tbody>${project.countries.length ? project.countries.map((c) => html`<tr><th scope="row">${c.name} (${c.code})</th><td class="num">${money(c.budget_usd)}</td></tr>`) : html`<tr><td colspan="2">${t("value.none")}</td></tr>`}</tbody>
      </table><//>
    </div>
    <div>
      <h3>${t("project.priorities")}</h3>
      <${TableWrap} label=${t("project.priorities")}><table class="figures" data-table="priorities">
        <thead><tr><th scope="col">${t("project.priority")}</th><th scope="col" class="num">${t("project.share")}</th><th scope="col" class="num">${t("project.budgetShare")}</th></tr></thead>
        <tbody>${project.priorities.map((p) => html`<tr data-key=${p.code}><th scope="row">${p.name}</th><td class="num">${percent(p.share)}</td><td class="num">${money(p.budget_usd)}</td></tr>`)}</tbody>
      </table><//>
    </div>
    <div>
      <h3>${t("project.rcps")}</h3>
      <p><strong>${t("project.rcpsStated")}</strong> ${stated.length ? stated.map((r, i) => html`${i ? ", " : ""}<a href=${`/rcps/${enc(r.code)}`}>${r.short_name}</a>`) : t("value.none")}</p>
      <p><strong>${t("project.rcpsDerived")}</strong> ${derived.length ? derived.map((r, i) => html`${i ? "; " : ""}<a href=${`/rcps/${enc(r.code)}`}>${r.short_name}</a> ${t("project.via", { countries: (r.via_countries || []).join(", ") })}`) : t("value.none")}</p>
      <h3>${t("project.activityTypes")}</h3>
      <ul>${project.activity_types.length ? project.activity_types.map((a) => html`<li>${a.name}</li>`) : html`<li>${t("value.none")}</li>`}</ul>
    </div>
  </div>
  <h3>${t("project.organisations")}</h3>
  <${TableWrap} label=${t("project.organisations")}><table class="figures" data-table="organisations">
    <thead><tr><th scope="col">${t("project.organisation")}</th><th scope="col">${t("project.role")}</th><th scope="col" class="num">${t("project.share")}</th><th scope="col" class="num">${t("project.budgetShare")}</th></tr></thead>
    <tbody>${project.participating_organisations.length ? project.participating_organisations.map((o) => html`<tr>
      <th scope="row"><a href=${`/organisations/${enc(o.organisation)}`}>${o.name}</a> (${o.organisation})</th>
      <td>${t(`role.${o.role}`)}</td><td class="num">${percent(o.share)}</td><td class="num">${money(o.budget_usd)}</td></tr>`) : html`<tr><td colspan="4">${t("value.none")}</td></tr>`}</tbody>
  </table><//>`;
}

function FinanceByYear({ finance }) {
  const rows = finance.by_year;
  return html`${rows.length ? html`<div class="chart-and-table">
      <div class="chart-box"><${BarChart} title=${t("project.financeChart")}
        measures=${[{ key: "budget_usd", label: t("measure.budget") }, { key: "expenditure_usd", label: t("measure.spent") }]}
        rows=${rows.map((r) => ({ label: String(r.year), values: { budget_usd: r.budget_usd, expenditure_usd: r.expenditure_usd } }))} /></div>
      <div class="table-box"><${FinanceTable} finance=${finance} /></div>
    </div>` : html`<${FinanceTable} finance=${finance} />`}
    <p class="hint">${finance.note}</p>
    <${ByDonor} finance=${finance} />`;
}

// Budget against spent per donor of this project: the API's by_donor (budgets to each line's donor, incoming money
// to its provider, spending in proportion to the donors' current budget of the year), with the project's total.
const DONOR_MEASURES = ["budget_usd", "original_budget_usd", "incoming_funds_usd", "expenditure_usd", "remaining_usd"];

function ByDonor({ finance }) {
  const rows = finance.by_donor || [];
  const cells = (row) => DONOR_MEASURES.map((m) => html`<td class="num" data-measure=${m}>${money(row[m])}</td>`);
  return html`<h3 id="by-donor-h">${t("project.byDonor")}</h3>
    <${TableWrap} label=${t("project.byDonor")}><table class="figures" data-table="by-donor">
    <caption>${t("project.byDonorCaption")}</caption>
    <thead><tr><th scope="col">${t("line.donor")}</th>${DONOR_MEASURES.map((m) => html`<th scope="col" class="num">${t(`measureName.${m}`)}</th>`)}<th scope="col" class="num">${t("measure.spentPercent")}</th></tr></thead>
    <tbody>${rows.length ? rows.map((r) => html`<tr data-key=${r.organisation || ""}>
      <th scope="row">${r.organisation ? html`<a href=${`/organisations/${enc(r.organisation)}`}>${r.name}</a> (${r.organisation})` : (r.name || t("project.noFunderStated"))}</th>
      ${cells(r)}<td class="num">${percent(r.spent_percent)}</td></tr>`) : html`<tr><td colspan=${DONOR_MEASURES.length + 2}>${t("value.none")}</td></tr>`}</tbody>
    <tfoot><tr data-key="total"><th scope="row">${t("dashboard.total")}</th>${cells(finance.total)}<td class="num">${percent(finance.total.spent_percent)}</td></tr></tfoot>
  </table><//>
  <p class="hint">${t("project.byDonorHint")}</p>`;
}

function FinanceTable({ finance }) {
  const measures = ["budget_usd", "original_budget_usd", "expenditure_usd", "disbursement_usd", "incoming_funds_usd", "remaining_usd"];
  const cells = (row) => measures.map((m) => html`<td class="num">${money(row[m])}</td>`);
  return html`<${TableWrap} label=${t("project.finance")}><table class="figures" data-table="finance">
    <caption>${t("project.financeCaption")}</caption>
    <thead><tr><th scope="col">${t("dimension.year")}</th>${measures.map((m) => html`<th scope="col" class="num">${t(`measureName.${m}`)}</th>`)}<th scope="col" class="num">${t("measure.spentPercent")}</th></tr></thead>
    <tbody>${finance.by_year.map((r) => html`<tr data-key=${r.year}><th scope="row">${r.year}</th>${cells(r)}<td class="num">${percent(r.spent_percent)}</td></tr>`)}</tbody>
    <tfoot><tr data-key="total"><th scope="row">${t("dashboard.total")}</th>${cells(finance.total)}<td class="num">${percent(finance.total.spent_percent)}</td></tr></tfoot>
  </table><//>`;
}

function RecordActions({ kind, code, record, path, onDeleted, ask, session, setError }) {
  const remove = async () => {
    const label = kind === "line" ? t("line.name", { id: record.id }) : t("transaction.name", { reference: record.reference });
    if (!(await ask(t("confirm.deleteRecord", { what: label }), t("action.delete")))) return;
    try {
      // Deleted only as it was shown: if it changed since, the person sees the new version first.
      const fresh = await get(path);
      if (fresh.data.updated_at !== record.updated_at) {
        setError(new Error(t("conflict.recordChanged", { what: label })));
        onDeleted();
        return;
      }
      await request("DELETE", path, { etag: fresh.etag });
      onDeleted();
    } catch (error) {
      setError(error);
    }
  };
  const editPath = `/projects/${enc(code)}/${kind === "line" ? "budget-lines" : "transactions"}/${record.id}/edit`;
  return html`<td class="actions">
    ${can("edit", session) ? html`<a href=${editPath} aria-label=${t("action.editRecord", { what: kind === "line" ? t("line.name", { id: record.id }) : record.reference })}>${t("action.edit")}</a>` : null}
    ${can("delete", session) ? html` <button type="button" class="link-button danger-text" onClick=${remove}
        aria-label=${t("action.deleteRecord", { what: kind === "line" ? t("line.name", { id: record.id }) : record.reference })}>${t("action.delete")}</button>` : null}
  </td>`;
}

// Organisation code -> name, from what the project's answers name (its participants and its donors).
function organisationNames(project, finance) {
  const names = {};
  for (const o of project.participating_organisations || []) names[o.organisation] = o.name;
  for (const d of [...(project.donors || []), ...(finance.by_donor || [])]) if (d.organisation) names[d.organisation] = d.name;
  return names;
}

function BudgetLines({ code, lines, names, session, reload, ask, setError }) {
  const editing = can("edit", session) || can("delete", session);
  const donor = (l) => (l.donor ? html`<span data-donor=${l.donor}>${names[l.donor] ? `${names[l.donor]} (${l.donor})` : l.donor}</span>` : t("line.noDonor"));
  return html`<${TableWrap} label=${t("project.budgetLines")}><table class="figures" data-table="budget-lines">
    <thead><tr>
      <th scope="col">${t("line.period")}</th><th scope="col">${t("line.type")}</th><th scope="col">${t("line.status")}</th>
      <th scope="col">${t("line.current")}</th><th scope="col">${t("line.donor")}</th><th scope="col" class="num">${t("line.amount")}</th>
      <th scope="col">${t("line.currency")}</th><th scope="col" class="num">${t("line.rate")}</th><th scope="col" class="num">${t("line.usd")}</th>
      ${editing ? html`<th scope="col" class="actions">${t("list.actions")}</th>` : null}
    </tr></thead>
    <tbody>${lines.length ? lines.map((l) => html`<tr data-id=${l.id} class=${l.current ? "" : "superseded"}>
      <td>${l.period_start} – ${l.period_end}</td><td>${t(`budgetType.${l.type}`)}</td><td>${t(`budgetStatus.${l.status}`)}</td>
      <td>${l.current ? t("line.isCurrent") : t("line.replaced")}</td><td>${donor(l)}</td>
      <td class="num">${money(l.amount)}</td><td>${l.currency}</td><td class="num">${l.fx_rate || t("value.none")}</td><td class="num">${money(l.usd_amount)}</td>
      ${editing ? html`<${RecordActions} kind="line" code=${code} record=${l} path=${`/projects/${enc(code)}/budget-lines/${l.id}`} onDeleted=${reload} ask=${ask} session=${session} setError=${setError} />` : null}
    </tr>`) : html`<tr><td colspan=${editing ? 10 : 9}>${t("project.noLines")}</td></tr>`}</tbody>
  </table><//>`;
}

function Transactions({ code, transactions, session, reload, ask, setError }) {
  const editing = can("edit", session) || can("delete", session);
  return html`<${TableWrap} label=${t("project.transactions")}><table class="figures" data-table="transactions">
    <thead><tr>
      <th scope="col">${t("transaction.reference")}</th><th scope="col">${t("transaction.type")}</th><th scope="col">${t("transaction.date")}</th>
      <th scope="col" class="num">${t("line.amount")}</th><th scope="col">${t("line.currency")}</th><th scope="col" class="num">${t("line.usd")}</th>
      <th scope="col">${t("transaction.provider")}</th><th scope="col">${t("transaction.receiver")}</th><th scope="col">${t("transaction.description")}</th>
      ${editing ? html`<th scope="col" class="actions">${t("list.actions")}</th>` : null}
    </tr></thead>
    <tbody>${transactions.length ? transactions.map((x) => html`<tr data-id=${x.id}>
      <td>${x.reference}</td><td>${t(`transactionType.${x.type}`)}</td><td>${x.date}</td>
      <td class="num">${money(x.amount)}</td><td>${x.currency}</td><td class="num">${money(x.usd_amount)}</td>
      <td>${text(x.provider)}</td><td>${text(x.receiver)}</td><td>${text(x.description)}</td>
      ${editing ? html`<${RecordActions} kind="transaction" code=${code} record=${x} path=${`/projects/${enc(code)}/transactions/${x.id}`} onDeleted=${reload} ask=${ask} session=${session} setError=${setError} />` : null}
    </tr>`) : html`<tr><td colspan=${editing ? 10 : 9}>${t("project.noTransactions")}</td></tr>`}</tbody>
  </table><//>`;
}

export function ProjectPage({ code, session }) {
  loadECharts().catch(() => {});
  const { data, error, loading, reload } = useAsync(() => loadProject(code), [code]);
  const [dialog, ask] = useConfirm();
  const [actionError, setActionError] = useState(null);
  if (loading && !data) return html`<${Page} title=${code}><${Loading} /><//>`;
  if (error) return html`<${Page} title=${code}><${ErrorMessage} error=${error} /><//>`;
  const { project, etag, lines, transactions, finance, history } = data;
  const removeProject = async () => {
    if (!(await ask(t("confirm.deleteProject", { code: project.code, title: project.title }), t("action.deleteProject")))) return;
    try {
      await request("DELETE", `/projects/${enc(code)}`, { etag });
      navigate("/projects", { force: true });
    } catch (caught) {
      setActionError(caught instanceof ApiError && caught.status === 412 ? new Error(t("conflict.deleteChanged")) : caught);
      if (caught instanceof ApiError && caught.status === 412) reload();
    }
  };
  const actions = html`
    ${can("edit", session) ? html`<a class="button primary" href=${`/projects/${enc(code)}/edit`}>${t("action.editProject")}</a>` : null}
    ${can("delete", session) ? html`<button type="button" class="danger" onClick=${removeProject}>${t("action.deleteProject")}</button>` : null}`;
  return html`<${Page} title=${`${project.code}: ${project.title}`} wide actions=${actions}>
    ${dialog}
    ${project.synthetic ? html`<${Notice}><${Badge} kind="synthetic">${t("project.synthetic")}<//> ${t("project.syntheticNote")}<//>` : null}
    <${ErrorMessage} error=${actionError} />
    <${Section} id="overview" title=${t("project.overview")}><${Overview} project=${project} /><//>
    <${Section} id="links" title=${t("project.where")}><${Links} project=${project} /><//>
    <${Section} id="finance" title=${t("project.finance")}><${FinanceByYear} finance=${finance} /><//>
    <${Section} id="budget-lines" title=${t("project.budgetLines")}
        actions=${can("create", session) ? html`<a class="button" href=${`/projects/${enc(code)}/budget-lines/new`}>${t("action.addLine")}</a>` : null}>
      <p class="hint">${tn("project.linesHint", lines.length)}</p>
      <${BudgetLines} code=${code} lines=${lines} names=${organisationNames(project, finance)} session=${session} reload=${reload} ask=${ask} setError=${setActionError} />
    <//>
    <${Section} id="transactions" title=${t("project.transactions")}
        actions=${can("create", session) ? html`<a class="button" href=${`/projects/${enc(code)}/transactions/new`}>${t("action.addTransaction")}</a>` : null}>
      <${Transactions} code=${code} transactions=${transactions} session=${session} reload=${reload} ask=${ask} setError=${setActionError} />
    <//>
    <${Section} id="history" title=${t("project.history")}><${History} events=${history} /><//>
  <//>`;
}
