import { t, groupDigits } from "./i18n.js";

// Money and percentages are the API's decimal strings, shown as they are (grouped digits). null is unknown,
// never 0.
export function money(value) {
  return value === null || value === undefined ? t("value.unknown") : groupDigits(value);
}

export function percent(value) {
  return value === null || value === undefined ? t("value.unknown") : t("format.percent", { value: groupDigits(value) });
}

export function dateText(value) {
  return value || t("value.none");
}

export function dateTime(value) {
  if (!value) return t("value.none");
  // ISO 8601 from the API, shown in UTC without parsing into the local zone's wall clock.
  return value.replace("T", " ").replace(/\.\d+/, "").replace(/\+00:00$|Z$/, " UTC");
}

export function text(value) {
  return value === null || value === undefined || value === "" ? t("value.none") : String(value);
}

// For a chart's geometry only (bar lengths): never for a figure a person reads.
export function geometry(value) {
  return value === null || value === undefined ? "-" : Number(value);
}
