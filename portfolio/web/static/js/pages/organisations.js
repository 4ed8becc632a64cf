// Organisations: who they are, their projects by role, and the money attributed to them in each role.
import { html } from "../lib.js";
import { t, formatCount } from "../i18n.js";
import { get, ApiError } from "../api.js";
import { Page, Loading, ErrorMessage, TableWrap, useAsync, Facts, Pager, Badge, Notice } from "../components.js";
import { money, percent, text, dateTime } from "../format.js";
import { navigate, routeUrl } from "../router.js";
import { LinkedProjects } from "./rcps.js";
import { ORGANISATION_ROLES } from "../vocabulary.js";

const enc = encodeURIComponent;

export function OrganisationList({ query }) {
  const page = query.get("page") || "1";
  const { data, error, loading } = useAsync(async () => {
    const answer = await get("/organisations", { page, page_size: 50 });
    return { rows: answer.data, total: answer.total, links: answer.links };
  }, [page]);
  const links = {};
  if (data) for (const [rel, url] of Object.entries(data.links)) {
    const n = new URL(url, location.origin).searchParams.get("page");
    links[rel] = routeUrl("/organisations", { page: n === "1" ? "" : n });
  }
  return html`<${Page} title=${t("organisations.title")}>
    ${loading && !data ? html`<${Loading} />` : null}<${ErrorMessage} error=${error} />
    ${data ? html`<p role="status">${t("organisations.count", { count: formatCount(data.total) })}</p>
      <${TableWrap} label=${t("organisations.title")}><table class="figures">
        <thead><tr><th scope="col">${t("organisations.code")}</th><th scope="col">${t("organisations.name")}</th><th scope="col">${t("organisations.type")}</th><th scope="col">${t("organisations.country")}</th></tr></thead>
        <tbody>${data.rows.map((o) => html`<tr><td><a href=${`/organisations/${enc(o.code)}`}>${o.code}</a></td>
          <td>${o.name} ${o.synthetic ? html`<${Badge} kind="synthetic">${t("project.synthetic")}<//>` : null}</td><td>${o.type_name}</td><td>${text(o.country)}</td></tr>`)}</tbody>
      </table><//>
      <${Pager} label=${t("pager.label")} links=${links} onGo=${(url) => navigate(url)} />` : null}
  <//>`;
}

async function figuresOf(code) {
  // The organisation dimension, one role at a time: this organisation's row is the money attributed to it.
  const answers = await Promise.all(ORGANISATION_ROLES.map((role) => get("/aggregates/organisation", { organisation_role: role })
    .then((a) => ({ role, row: a.data.rows.find((r) => r.key === code) || null }))));
  return answers;
}

function Figures({ code }) {
  const { data, error, loading } = useAsync(() => figuresOf(code), [code]);
  if (loading) return html`<${Loading} />`;
  if (error instanceof ApiError && (error.status === 403 || error.status === 401)) return html`<${Notice}>${t("dashboard.forbidden")}<//>`;
  if (error) return html`<${ErrorMessage} error=${error} />`;
  const rows = data.filter((d) => d.row);
  if (!rows.length) return html`<p>${t("organisations.noFigures")}</p>`;
  return html`<${TableWrap} label=${t("organisations.figures")}><table class="figures" data-table="organisation-figures">
    <thead><tr><th scope="col">${t("project.role")}</th><th scope="col" class="num">${t("measure.projects")}</th><th scope="col" class="num">${t("measure.budget")}</th>
      <th scope="col" class="num">${t("measure.spent")}</th><th scope="col" class="num">${t("measure.remaining")}</th><th scope="col" class="num">${t("measure.spentPercent")}</th></tr></thead>
    <tbody>${rows.map(({ role, row }) => html`<tr data-key=${role}><th scope="row">${t(`role.${role}`)}</th><td class="num">${formatCount(row.project_count)}</td>
      <td class="num">${money(row.budget_usd)}</td><td class="num">${money(row.expenditure_usd)}</td><td class="num">${money(row.remaining_usd)}</td><td class="num">${percent(row.spent_percent)}</td></tr>`)}</tbody>
  </table><//><p class="hint">${t("organisations.figuresNote")}</p>`;
}

export function OrganisationPage({ code, query }) {
  const role = query.get("role") || "";
  const { data, error, loading } = useAsync(async () => (await get(`/organisations/${enc(code)}`)).data, [code]);
  if (loading) return html`<${Page} title=${code}><${Loading} /><//>`;
  if (error) return html`<${Page} title=${code}><${ErrorMessage} error=${error} /><//>`;
  return html`<${Page} title=${`${data.name} (${data.code})`}>
    ${data.synthetic ? html`<${Notice}><${Badge} kind="synthetic">${t("project.synthetic")}<//> ${t("organisations.syntheticNote")}<//>` : null}
    <section class="panel" aria-labelledby="org-about"><h2 id="org-about">${t("rcps.about")}</h2>
      <${Facts} items=${[[t("organisations.code"), data.code], [t("organisations.type"), `${data.type_name} (${data.type})`],
        [t("organisations.country"), text(data.country)], [t("organisations.iati"), text(data.iati_identifier)],
        [t("project.source"), text(data.source)], [t("project.updated"), dateTime(data.updated_at)]]} />
    </section>
    <section class="panel" aria-labelledby="org-figures"><h2 id="org-figures">${t("organisations.figures")}</h2><${Figures} code=${code} /></section>
    <section class="panel" aria-labelledby="org-projects"><h2 id="org-projects">${t("organisations.projects")}</h2>
      <div class="field inline"><label for="org-role">${t("filter.organisation_role")}</label>
        <select id="org-role" value=${role} onChange=${(e) => navigate(routeUrl(`/organisations/${enc(code)}`, { role: e.target.value }), { replace: true })}>
          <option value="">${t("filter.any")}</option>
          ${ORGANISATION_ROLES.map((r) => html`<option value=${r} selected=${r === role}>${t(`role.${r}`)}</option>`)}</select></div>
      <${LinkedProjects} filters=${{ organisation: code, organisation_role: role }} label=${t("organisations.projects")} />
    </section>
  <//>`;
}
