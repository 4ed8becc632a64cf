// The API's project filters as a form. The current filters live in the page's URL; "Apply" writes them
// there. An unknown code or a bad year is refused by the API (422): its message appears at the field.
import { html, useEffect, useState } from "./lib.js";
import { t } from "./i18n.js";
import { Field, errorsAt } from "./components.js";
import * as vocabulary from "./vocabulary.js";

export const PROJECT_FILTERS = ["q", "region", "priority", "status", "country", "donor", "year_from", "year_to", "rcp",
  "rcp_link", "activity_type", "organisation", "organisation_role", "post_emergency", "synthetic", "budget_known", "updated_since"];
export const AGGREGATE_FILTERS = [...PROJECT_FILTERS, "budget_status"];
// The dashboard's: the project filters, then the money filter `funder` (only that funder's attributed money;
// the aggregates take it, the portfolio summary does not).
export const DASHBOARD_FILTERS = [...AGGREGATE_FILTERS, "funder"];
const MORE = ["rcp", "rcp_link", "activity_type", "organisation", "organisation_role", "post_emergency", "synthetic",
  "budget_known", "updated_since", "budget_status"];

export function filtersFrom(params, names) {
  const filters = {};
  for (const name of names) {
    const value = params.get(name);
    if (value !== null && value !== "") filters[name] = value;
  }
  return filters;
}

function Select({ props, value, onChange, options, anyLabel }) {
  return html`<select ...${props} value=${value || ""} onChange=${(e) => onChange(e.target.value)}>
    <option value="">${anyLabel || t("filter.any")}</option>
    ${options.map(([code, label]) => html`<option value=${code} selected=${code === value}>${label}</option>`)}
  </select>`;
}

// loadWhen: fetch the vocabularies only then (the project list waits for its first page, so that they do not
// compete with it).
export function FilterForm({ filters, names, errors, onApply, idPrefix = "f", loadWhen = true }) {
  const [values, setValues] = useState(filters);
  const [lists, setLists] = useState(null);
  const [orgs, setOrgs] = useState(null);
  useEffect(() => setValues(filters), [JSON.stringify(filters)]);
  useEffect(() => {
    if (loadWhen && !lists) {
      vocabulary.all().then(setLists, () => setLists({ regions: [], priorities: [], activityTypes: [], countries: [], rcps: [] }));
    }
  }, [loadWhen]);
  const wantOrganisations = () => {
    if (!orgs) vocabulary.organisations().then(setOrgs, () => setOrgs([]));
  };
  const set = (name) => (value) => setValues((v) => ({ ...v, [name]: value }));
  const has = (name) => names.includes(name);
  const id = (name) => `${idPrefix}-${name}`;
  const messages = (name) => errorsAt(errors, `/${name}`);
  const moreOpen = MORE.some((name) => filters[name]) || MORE.some((name) => messages(name).length);
  const l = lists || { regions: [], priorities: [], activityTypes: [], countries: [], rcps: [] };

  const submit = (event) => {
    event.preventDefault();
    const clean = {};
    for (const name of names) if (values[name] !== undefined && values[name] !== "") clean[name] = String(values[name]).trim();
    onApply(clean);
  };
  const text = (name, extra = {}) => html`<${Field} id=${id(name)} label=${t(`filter.${name}`)} hint=${extra.hint} messages=${messages(name)}>
    ${(props) => html`<input ...${props} type=${extra.type || "text"} value=${values[name] || ""} list=${extra.list}
      inputmode=${extra.inputmode} onFocus=${extra.onFocus} onInput=${(e) => set(name)(e.target.value)} />`}
  </${Field}>`;
  const select = (name, options, anyLabel) => html`<${Field} id=${id(name)} label=${t(`filter.${name}`)} messages=${messages(name)}>
    ${(props) => html`<${Select} props=${props} value=${values[name]} onChange=${set(name)} options=${options} anyLabel=${anyLabel} />`}
  </${Field}>`;
  const yesNo = [["true", t("filter.yes")], ["false", t("filter.no")]];

  return html`<form class="filters" role="search" aria-label=${t("filter.title")} onSubmit=${submit} data-keep-focus>
    <div class="filter-grid">
      ${has("q") ? text("q", { type: "search", hint: t("filter.qHint") }) : null}
      ${select("region", l.regions.map((r) => [r.code, r.name]))}
      ${select("priority", l.priorities.map((p) => [p.code, p.name]))}
      ${select("status", vocabulary.PROJECT_STATUSES.map((s) => [s, t(`status.${s}`)]))}
      ${text("country", { list: `${idPrefix}-countries` })}
      ${text("donor", { list: `${idPrefix}-organisations`, onFocus: wantOrganisations, hint: t("filter.donorHint") })}
      ${text("year_from", { inputmode: "numeric" })}
      ${text("year_to", { inputmode: "numeric" })}
    </div>
    <details open=${moreOpen}>
      <summary>${t("filter.more")}</summary>
      <div class="filter-grid">
        ${select("rcp", l.rcps.map((r) => [r.code, r.short_name]))}
        ${select("rcp_link", vocabulary.RCP_LINKS.map((s) => [s, t(`rcpLink.${s}`)]))}
        ${select("activity_type", l.activityTypes.map((a) => [a.code, a.name]))}
        ${text("organisation", { list: `${idPrefix}-organisations`, onFocus: wantOrganisations })}
        ${select("organisation_role", vocabulary.ORGANISATION_ROLES.map((s) => [s, t(`role.${s}`)]))}
        ${select("post_emergency", yesNo)}
        ${select("synthetic", yesNo)}
        ${select("budget_known", yesNo)}
        ${text("updated_since", { hint: t("filter.updatedSinceHint") })}
        ${has("budget_status") ? select("budget_status", vocabulary.BUDGET_STATUSES.map((s) => [s, t(`budgetStatus.${s}`)])) : null}
      </div>
    </details>
    <datalist id=${`${idPrefix}-countries`}>${l.countries.map((c) => html`<option value=${c.code}>${c.name}</option>`)}</datalist>
    <datalist id=${`${idPrefix}-organisations`}>${(orgs || []).map((o) => html`<option value=${o.code}>${o.name}</option>`)}</datalist>
    <div class="button-row">
      <button type="submit" class="primary">${t("filter.apply")}</button>
      <button type="button" onClick=${() => { setValues({}); onApply({}); }}>${t("filter.clear")}</button>
    </div>
  </form>`;
}
