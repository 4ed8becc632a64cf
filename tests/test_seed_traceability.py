"""Every seeded fact is traceable to a line of the source documents."""
import re

import pytest
import yaml

from conftest import SEED_DOCS, requires_seed_docs
from portfolio.services.seed import SEEDS_DIR

pytestmark = requires_seed_docs


def normalized(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"-\s", "-", text).replace("’", "'")


@pytest.fixture(scope="module")
def doc002():
    return normalized((SEED_DOCS / "002_a06d562ce9ac21d8.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def doc003():
    return normalized((SEED_DOCS / "003_ff92d326d034ca55.txt").read_text(encoding="utf-8"))


def load(name):
    return yaml.safe_load((SEEDS_DIR / name).read_text(encoding="utf-8"))


def test_seed_priorities_and_activities_quote_002(doc002):
    reference = load("reference.yaml")
    for item in reference["priorities"] + reference["activity_types"]:
        assert normalized(item["name"]) in doc002, item["code"]


def test_seed_baseline_quotes_002_section_12(doc002):
    baseline = load("reference.yaml")["baselines"][0]
    assert "126 projects valued at over USD 67 million" in doc002
    assert (baseline["project_count"], baseline["budget_usd"]) == (126, "67000000.00")


def test_seed_projects_titles_come_from_the_annex(doc002):
    for project in load("projects.yaml")["projects"]:
        assert normalized(project["title"]) in doc002, project["code"]
        if project.get("acronym"):
            assert f"({project['acronym']})" in doc002
        assert "judgement" in project, "judged fields must be marked"


def test_seed_rcp_member_names_appear_in_003(doc003):
    for rcp in load("rcps.yaml")["rcps"]:
        for group in ("members", "interested", "outside_total"):
            for name, _ in rcp.get(group, []):
                assert normalized(name) in doc003, (rcp["code"], name)
        if rcp.get("start_year"):
            assert str(rcp["start_year"]) in doc003
        assert normalized(rcp["name"].split(" (")[0]) in doc003, rcp["code"]
