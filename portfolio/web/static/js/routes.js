// Every page's URL (portfolio/web/__init__.py PAGES serves the shell for each).
import { Dashboard } from "./pages/dashboard.js";
import { SignIn } from "./pages/signin.js";
import { ProjectList } from "./pages/projects.js";
import { ProjectPage } from "./pages/project.js";
import { ProjectForm } from "./pages/project-form.js";
import { BudgetLineForm, TransactionForm } from "./pages/record-forms.js";
import { ImportPage } from "./pages/import.js";
import { RcpList, RcpPage } from "./pages/rcps.js";
import { OrganisationList, OrganisationPage } from "./pages/organisations.js";
import { Vocabularies } from "./pages/vocabularies.js";
import { ExchangeRates } from "./pages/rates.js";
import { Tokens } from "./pages/tokens.js";
import { Users } from "./pages/users.js";

export const ROUTES = [
  { path: "/", page: Dashboard },
  { path: "/sign-in", page: SignIn },
  { path: "/projects", page: ProjectList },
  { path: "/projects/new", page: ProjectForm },
  { path: "/projects/:code", page: ProjectPage },
  { path: "/projects/:code/edit", page: ProjectForm },
  { path: "/projects/:code/budget-lines/new", page: BudgetLineForm },
  { path: "/projects/:code/budget-lines/:id/edit", page: BudgetLineForm },
  { path: "/projects/:code/transactions/new", page: TransactionForm },
  { path: "/projects/:code/transactions/:id/edit", page: TransactionForm },
  { path: "/import", page: ImportPage },
  { path: "/rcps", page: RcpList },
  { path: "/rcps/:code", page: RcpPage },
  { path: "/organisations", page: OrganisationList },
  { path: "/organisations/:code", page: OrganisationPage },
  { path: "/vocabularies", page: Vocabularies },
  { path: "/exchange-rates", page: ExchangeRates },
  { path: "/admin/tokens", page: Tokens },
  { path: "/admin/users", page: Users },
];
