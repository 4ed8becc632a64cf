// Reference lists the forms and filters need, fetched once per page load from the API.
import { get, getAll } from "./api.js";

const cache = new Map();

function once(name, load) {
  if (!cache.has(name)) cache.set(name, load().catch((error) => { cache.delete(name); throw error; }));
  return cache.get(name);
}

export const regions = () => once("regions", async () => (await get("/regions")).data);
export const priorities = () => once("priorities", async () => (await get("/priorities")).data);
export const activityTypes = () => once("activity-types", async () => (await get("/activity-types")).data);
export const countries = () => once("countries", async () => (await get("/countries")).data);
export const rcps = () => once("rcps", async () => (await get("/rcps")).data);
export const organisations = () => once("organisations", () => getAll("/organisations"));

export function forgetOrganisations() {
  cache.delete("organisations");
}

export const PROJECT_STATUSES = ["pipeline", "implementation", "finalisation", "closed", "cancelled", "suspended"];
export const ORGANISATION_ROLES = ["funding", "accountable", "extending", "implementing"];
export const BUDGET_STATUSES = ["indicative", "committed"];
export const BUDGET_TYPES = ["original", "revised"];
export const TRANSACTION_TYPES = ["incoming-commitment", "incoming-funds", "outgoing-commitment", "disbursement", "expenditure"];
export const RCP_LINKS = ["any", "stated", "derived"];
export const ACTIVITY_SCOPES = ["1", "2", "3", "4", "5", "6", "7", "8"];  // IATI ActivityScope
export const DAC_SECTORS = ["15190"];

export async function all() {
  const [r, p, a, c, rc] = await Promise.all([regions(), priorities(), activityTypes(), countries(), rcps()]);
  return { regions: r, priorities: p, activityTypes: a, countries: c, rcps: rc };
}

export function nameOf(list, code) {
  const found = (list || []).find((item) => item.code === code);
  return found ? found.name || found.short_name || code : code;
}
