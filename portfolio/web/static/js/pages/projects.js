// The project list: every filter the API has, word search, sorting, and keyset paging through the API's
// own cursors. The URL holds all of it, so a view can be bookmarked, shared and reloaded as it was.
import { html, useEffect } from "../lib.js";
import { t, tn } from "../i18n.js";
import { get, ApiError } from "../api.js";
import { Page, Loading, ErrorMessage, TableWrap, useAsync, Pager, Badge } from "../components.js";
import { FilterForm, filtersFrom, PROJECT_FILTERS } from "../filters.js";
import { money, dateText } from "../format.js";
import { navigate, routeUrl } from "../router.js";
import { can } from "../session.js";

const SORTS = ["code", "title", "start_date", "budget", "updated_at"];
const PAGE_SIZES = ["25", "50", "100", "200"];

// What the URL says, and the API request it stands for.
function viewFrom(params) {
  const filters = filtersFrom(params, PROJECT_FILTERS);
  const sort = params.get("sort") || "";
  const pageSize = params.get("page_size") || "25";
  // Keyset pages need a sort; a word search without one is ranked by relevance and paged by number.
  const byRelevance = Boolean(filters.q) && !sort;
  const position = byRelevance ? { page: params.get("page") || "1" } : { cursor: params.get("cursor") || "first" };
  return { filters, sort, pageSize, byRelevance, position };
}

function appUrl(view, changes) {
  const next = { ...view.filters, sort: view.sort, page_size: view.pageSize === "25" ? "" : view.pageSize, ...changes };
  return routeUrl("/projects", next);
}

// The API's Link URLs, as this page's URLs (the same cursor or page number).
function pagerLinks(view, links) {
  const result = {};
  for (const rel of ["first", "prev", "next", "last"]) {
    if (!links[rel]) continue;
    const api = new URL(links[rel], location.origin).searchParams;
    const position = view.byRelevance ? { page: api.get("page") === "1" ? "" : api.get("page") } : { cursor: api.get("cursor") === "first" ? "" : api.get("cursor") };
    result[rel] = appUrl(view, position);
  }
  return result;
}

function SortHeader({ view, field, children, numeric, className }) {
  const state = view.sort === field ? "ascending" : view.sort === `-${field}` ? "descending" : "none";
  const next = state === "ascending" ? `-${field}` : field;
  return html`<th scope="col" class=${[numeric ? "num" : "", className || ""].join(" ").trim() || undefined} aria-sort=${state === "none" ? undefined : state}>
    <a href=${appUrl(view, { sort: next })} class="sort" aria-label=${t("list.sortBy", { column: children, order: t(next.startsWith("-") ? "list.descending" : "list.ascending") })}>
      ${children}<span aria-hidden="true" class="sort-mark">${state === "ascending" ? " ▲" : state === "descending" ? " ▼" : ""}</span>
    </a>
  </th>`;
}

export function ProjectList({ query: params, session }) {
  const view = viewFrom(params);
  const request = { ...view.filters, sort: view.sort, page_size: view.pageSize, ...view.position };
  const { data, error, loading } = useAsync(async () => {
    const answer = await get("/projects", request);
    return { rows: answer.data, total: answer.total, links: answer.links };
  }, [JSON.stringify(request)]);
  useEffect(() => {
    if (data && !performance.getEntriesByName("tcm:projects-first-page").length) performance.mark("tcm:projects-first-page");
  }, [data]);
  const errors = error instanceof ApiError && error.status === 422 ? error.errors : [];
  const active = Object.keys(view.filters).length;
  const links = data ? pagerLinks(view, data.links) : {};
  return html`<${Page} title=${t("list.title")} wide
      actions=${can("create", session) ? html`<a class="button primary" href="/projects/new">${t("list.new")}</a>` : null}>
    <details class="panel filter-panel" open=${true}>
      <summary>${active ? tn("filter.active", active) : t("filter.title")}</summary>
      <${FilterForm} filters=${view.filters} names=${PROJECT_FILTERS} errors=${errors} idPrefix="pf" loadWhen=${Boolean(data || error)}
        onApply=${(next) => navigate(routeUrl("/projects", { ...next, sort: view.sort, page_size: view.pageSize === "25" ? "" : view.pageSize }))} />
    </details>
    <div class="list-tools">
      <div class="field inline">
        <label for="list-sort">${t("list.sort")}</label>
        <select id="list-sort" value=${view.sort} onChange=${(e) => navigate(appUrl(view, { sort: e.target.value }))}>
          <option value="">${view.filters.q ? t("list.sortRelevance") : t("list.sortDefault")}</option>
          ${SORTS.flatMap((s) => [s, `-${s}`]).map((s) => html`<option value=${s} selected=${s === view.sort}>${t(`list.sortOption.${s}`)}</option>`)}
        </select>
      </div>
      <div class="field inline">
        <label for="list-size">${t("list.pageSize")}</label>
        <select id="list-size" value=${view.pageSize} onChange=${(e) => navigate(appUrl(view, { page_size: e.target.value === "25" ? "" : e.target.value }))}>
          ${PAGE_SIZES.map((s) => html`<option value=${s} selected=${s === view.pageSize}>${s}</option>`)}
        </select>
      </div>
      <p class="count" role="status" data-testid="total">${data ? tn("list.total", data.total) : ""}</p>
    </div>
    ${errors.length ? null : html`<${ErrorMessage} error=${error} />`}
    ${errors.length ? html`<${ErrorMessage} error=${error} title=${t("list.badFilters")} />` : null}
    ${loading && !data ? html`<${Loading} />` : null}
    ${data ? html`
      <${TableWrap} label=${t("list.tableLabel")}>
        <table class="projects" aria-busy=${loading ? "true" : "false"}>
          <caption class="visually-hidden">${t("list.tableLabel")}</caption>
          <thead><tr>
            <${SortHeader} view=${view} field="code">${t("project.code")}<//>
            <${SortHeader} view=${view} field="title">${t("project.title")}<//>
            <th scope="col">${t("project.region")}</th>
            <th scope="col">${t("project.status")}</th>
            <${SortHeader} view=${view} field="start_date">${t("project.start")}<//>
            <th scope="col" class="narrow-hide">${t("project.end")}</th>
            <${SortHeader} view=${view} field="budget" numeric>${t("project.budget")}<//>
            <th scope="col" class="num">${t("measure.spent")}</th>
            <${SortHeader} view=${view} field="updated_at" className="narrow-hide">${t("project.updated")}<//>
          </tr></thead>
          <tbody>
            ${data.rows.length === 0 ? html`<tr><td colspan="9">${t("list.empty")}</td></tr>` : null}
            ${data.rows.map((p) => html`<tr data-code=${p.code}>
              <td class="nowrap"><a href=${`/projects/${encodeURIComponent(p.code)}`}>${p.code}</a></td>
              <td>${p.title} ${p.synthetic ? html`<${Badge} kind="synthetic">${t("project.synthetic")}<//>` : null}</td>
              <td>${p.region.name}</td>
              <td>${t(`status.${p.status}`)}</td>
              <td class="nowrap">${dateText(p.start_date)}</td>
              <td class="nowrap narrow-hide">${dateText(p.end_date)}</td>
              <td class="num">${money(p.budget.total_usd)}</td>
              <td class="num">${money(p.actuals.expenditure_usd)}</td>
              <td class="nowrap narrow-hide">${p.updated_at.slice(0, 10)}</td>
            </tr>`)}
          </tbody>
        </table>
      <//>
      <${Pager} label=${t("pager.label")} links=${links} onGo=${(url) => navigate(url)} />` : null}
  <//>`;
}
