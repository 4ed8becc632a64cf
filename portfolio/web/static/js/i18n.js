// Every user-facing string comes from one catalogue (static/i18n/<lang>.json), so the app can be translated:
// t(key, {name: value}) fills {name} placeholders. A missing key shows as itself (tests/test_web_assets.py
// checks that every key the scripts use is in the catalogue).
let strings = {};

export async function loadCatalogue(lang = "en") {
  const response = await fetch(`/assets/i18n/${lang}.json`, { credentials: "same-origin" });
  strings = await response.json();
  document.documentElement.lang = strings["meta.lang"] || lang;
}

export function t(key, params) {
  const text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

// "n project(s)": keys "<key>.one" and "<key>.other".
export function tn(key, count, params = {}) {
  return t(`${key}.${Number(count) === 1 ? "one" : "other"}`, { count: formatCount(count), ...params });
}

export function formatCount(value) {
  if (value === null || value === undefined) return t("value.unknown");
  return groupDigits(String(value));
}

// Thousands separators on a decimal string as the API sent it: the digits are never parsed into a float,
// so what is shown is the API's figure to the cent.
export function groupDigits(text) {
  const negative = text.startsWith("-");
  const [whole, fraction] = (negative ? text.slice(1) : text).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, t("format.thousands"));
  return (negative ? "-" : "") + grouped + (fraction !== undefined ? t("format.decimal") + fraction : "");
}
