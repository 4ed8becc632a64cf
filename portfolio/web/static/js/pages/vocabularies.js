// The vocabularies every project uses: regions, priorities, activity types, countries, and the fixed lists.
import { html, useState } from "../lib.js";
import { t } from "../i18n.js";
import { Page, Loading, ErrorMessage, TableWrap, useAsync } from "../components.js";
import * as vocabulary from "../vocabulary.js";
import { text } from "../format.js";

function Table({ id, title, columns, rows }) {
  return html`<section class="panel" aria-labelledby=${id}><h2 id=${id}>${title}</h2>
    <${TableWrap} label=${title}><table class="figures">
      <thead><tr>${columns.map(([label]) => html`<th scope="col">${label}</th>`)}</tr></thead>
      <tbody>${rows.map((row) => html`<tr>${columns.map(([, get]) => html`<td>${get(row)}</td>`)}</tr>`)}</tbody>
    </table><//>
  </section>`;
}

export function Vocabularies() {
  const { data, error, loading } = useAsync(() => vocabulary.all(), []);
  const [filter, setFilter] = useState("");
  if (loading) return html`<${Page} title=${t("vocabularies.title")}><${Loading} /><//>`;
  if (error) return html`<${Page} title=${t("vocabularies.title")}><${ErrorMessage} error=${error} /><//>`;
  const code = [t("vocabularies.code"), (r) => html`<code>${r.code}</code>`];
  const name = [t("vocabularies.name"), (r) => r.name];
  const source = [t("project.source"), (r) => text(r.source)];
  const needle = filter.trim().toLowerCase();
  const countries = data.countries.filter((c) => !needle || c.code.toLowerCase() === needle || c.name.toLowerCase().includes(needle));
  const fixed = (key, values, prefix) => html`<li><strong>${t(key)}:</strong> ${values.map((v, i) => html`${i ? ", " : ""}<code>${v}</code> (${t(`${prefix}.${v}`)})`)}</li>`;
  return html`<${Page} title=${t("vocabularies.title")}>
    <${Table} id="voc-regions" title=${t("vocabularies.regions")} columns=${[code, name, source]} rows=${data.regions} />
    <${Table} id="voc-priorities" title=${t("vocabularies.priorities")} columns=${[code, name, source]} rows=${data.priorities} />
    <${Table} id="voc-activity" title=${t("vocabularies.activityTypes")} columns=${[code, name, source]} rows=${data.activityTypes} />
    <section class="panel" aria-labelledby="voc-fixed"><h2 id="voc-fixed">${t("vocabularies.fixed")}</h2><ul>
      ${fixed("project.status", vocabulary.PROJECT_STATUSES, "status")}
      ${fixed("project.role", vocabulary.ORGANISATION_ROLES, "role")}
      ${fixed("line.type", vocabulary.BUDGET_TYPES, "budgetType")}
      ${fixed("line.status", vocabulary.BUDGET_STATUSES, "budgetStatus")}
      ${fixed("transaction.type", vocabulary.TRANSACTION_TYPES, "transactionType")}
    </ul></section>
    <section class="panel" aria-labelledby="voc-countries"><h2 id="voc-countries">${t("vocabularies.countries")}</h2>
      <div class="field inline"><label for="country-filter">${t("vocabularies.findCountry")}</label>
        <input id="country-filter" type="search" value=${filter} onInput=${(e) => setFilter(e.target.value)} /></div>
      <${TableWrap} label=${t("vocabularies.countries")}><table class="figures">
        <thead><tr><th scope="col">${t("vocabularies.code")}</th><th scope="col">${t("vocabularies.alpha3")}</th><th scope="col">${t("vocabularies.name")}</th><th scope="col">${t("vocabularies.historic")}</th></tr></thead>
        <tbody>${countries.map((c) => html`<tr><td><code>${c.code}</code></td><td>${c.alpha_3 || ""}</td><td>${c.name}</td><td>${c.historic ? t("filter.yes") : t("filter.no")}</td></tr>`)}</tbody>
      </table><//>
    </section>
  <//>`;
}
