"""One validator for KPI definitions: a YAML file and the KPI studio's form get the same problems,
with the field as the user wrote it (`definition.scale`, never pydantic's `definition.ratio.scale`),
in Dutch and English, and for YAML the file and line."""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT
from koers.i18n import Message
from koers.kpis import validate, versions
from koers.kpis.library import load_library, read_yaml
from koers.kpis.validate import RULES, Origin, Problem, validate_document

KNOWN = {"population", "average_population"}

# A ratio KPI in block style; the comments give the line numbers the tests expect.
RATIO = """\
- id: inwoners_per_1000_gemiddeld                      # line 1 (the KPI's block)
  title: {nl: Inwoners per 1.000, en: "Inhabitants per 1,000"}
  description: {nl: Een testcijfer., en: A test figure.}
  theme: 1
  kind: output
  polarity: higher_is_better
  unit: per 1.000 inwoners
  definition:                                          # line 8
    type: ratio
    numerator: population                              # line 10
    {denominator}
    scale: {scale}                                     # line 12
  source: CBS 03759ned
"""


def ratio_yaml(folder: Path, name: str = "eigen.yaml", denominator: str = "average_population", scale: int = 1000) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    line = f"denominator: {denominator}" if denominator else "# no denominator"
    path.write_text(RATIO.replace("{denominator}", line).replace("{scale}", str(scale)), encoding="utf-8")
    return path


def ratio_form(**changes) -> dict:
    """The same KPI as `RATIO`, in the studio's form fields."""
    return versions.blank_form() | {
        "id": "inwoners_per_1000_gemiddeld", "title_nl": "Inwoners per 1.000", "title_en": "Inhabitants per 1,000",
        "description_nl": "Een testcijfer.", "description_en": "A test figure.", "kind": "output",
        "unit": "per 1.000 inwoners", "definition_type": "ratio", "numerator": "population",
        "denominator": "average_population", "scale": 1000, "source": "CBS 03759ned",
    } | changes


def test_a_yaml_file_that_is_right_loads_without_problems(tmp_path):
    found, problems = read_yaml(ratio_yaml(tmp_path))
    assert problems == []
    [(origin, kpi)] = found
    assert kpi.definition.scale == 1000
    assert (origin.line, origin.line_of("definition"), origin.line_of("definition.scale")) == (1, 8, 12)


def test_a_missing_field_names_the_kpis_line_and_the_field_as_written(tmp_path):
    path = ratio_yaml(tmp_path, denominator="")
    found, problems = read_yaml(path)
    assert found == []
    assert problems == [Problem(str(path), 1, "inwoners_per_1000_gemiddeld", "definition.denominator",
                                Message("validation.missing"))]
    assert (problems[0].nl, problems[0].en) == ("verplicht veld", "required field")
    assert problems[0].text("en") == f"{path}:1: inwoners_per_1000_gemiddeld: definition.denominator: required field"


def test_a_wrong_scale_is_definition_scale_on_its_line_in_both_languages(tmp_path):
    path = ratio_yaml(tmp_path, scale=7)
    [problem] = read_yaml(path)[1]
    assert (problem.file, problem.line, problem.field) == (str(path), 12, "definition.scale")
    assert problem.nl == "kies een van: 1, 100, 1000 or 10000"
    assert problem.en == "choose one of: 1, 100, 1000 or 10000"
    assert "ratio" not in problem.text("nl") and "ratio" not in problem.text("en")


def test_the_studio_gets_the_same_field_and_text_without_a_line(tmp_path):
    yaml_problems = read_yaml(ratio_yaml(tmp_path, scale=7))[1] + read_yaml(ratio_yaml(tmp_path, "b.yaml", denominator=""))[1]
    library = load_library(tmp_path / "elders", KNOWN)
    form_problems = (versions.check(ratio_form(scale=7), library, KNOWN, tmp_path / "elders").problems
                     + versions.check(ratio_form(denominator=None), library, KNOWN, tmp_path / "elders").problems)
    assert [(p.kpi, p.field, p.nl, p.en) for p in form_problems] == [(p.kpi, p.field, p.nl, p.en) for p in yaml_problems]
    assert all(p.file == "" and p.line is None for p in form_problems)


def test_a_rule_problem_names_the_line_of_its_field(tmp_path):
    """The unit says per 1.000 but the scale is 100: a rule, run on the whole library, not the shape."""
    path = ratio_yaml(tmp_path, scale=100)
    library = load_library(tmp_path, KNOWN)
    assert [p.text("nl") for p in library.problems] == [
        f'{path}:12: inwoners_per_1000_gemiddeld: definition.scale: eenheid "per 1.000 inwoners" past niet bij schaal 100']


def test_in_a_list_the_good_kpi_still_loads_and_the_problem_names_the_bad_ones_line(tmp_path):
    good = ratio_yaml(tmp_path).read_text(encoding="utf-8")
    bad = good.replace("inwoners_per_1000_gemiddeld", "tweede_kpi").replace("kind: output", "kind: uitkomst")
    path = tmp_path / "eigen.yaml"
    path.write_text(good + bad, encoding="utf-8")  # the second KPI starts on line 14; its kind is on line 18
    found, problems = read_yaml(path)
    assert [kpi.id for _, kpi in found] == ["inwoners_per_1000_gemiddeld"]
    assert [(p.line, p.kpi, p.field) for p in problems] == [(18, "tweede_kpi", "kind")]
    library = load_library(tmp_path, KNOWN)
    assert "inwoners_per_1000_gemiddeld" in library.kpis and "tweede_kpi" not in library.kpis
    assert [(p.line, p.kpi) for p in library.errors] == [(18, "tweede_kpi")]


def test_a_kpi_without_an_id_is_named_by_its_place(tmp_path):
    path = tmp_path / "eigen.yaml"
    path.write_text("- {id: a_kpi}\n- title: {nl: x, en: y}\n", encoding="utf-8")
    problems = read_yaml(path)[1]
    assert {p.kpi for p in problems} == {"a_kpi", "#2"}
    assert {p.line for p in problems if p.kpi == "#2" and p.field == "id"} == {2}


def test_an_unknown_field_is_named_by_where_it_is(tmp_path):
    document = validate_document({"unti": "x"})[1]
    assert ("unti", "is geen bekend veld") in [(p.field, p.nl) for p in document]
    definition = validate_document({"definition": {"type": "formula", "formula": "population", "scale": 100}})[1]
    assert ("definition.scale", "hoort niet bij dit definitietype") in [(p.field, p.nl) for p in definition]
    not_a_block = validate_document("population", Origin("eigen.yaml", 3, position=1))[1]
    assert [(p.kpi, p.line, p.field, p.en) for p in not_a_block] == [("#1", 3, "", "must be a block of fields")]


def test_unreadable_yaml_is_one_problem_with_its_line(tmp_path):
    path = tmp_path / "kapot.yaml"
    path.write_text("id: a\ntitle: [nl\n", encoding="utf-8")
    assert [(p.file, p.line) for p in read_yaml(path)[1]] == [(str(path), 3)]


def test_builtin_kpis_have_their_file_and_line():
    library = load_library()
    origin = library.origin["population_growth"]
    lines = (ROOT / "metrics" / "theme_efficient.yaml").read_text(encoding="utf-8").splitlines()
    assert origin.file == "metrics/theme_efficient.yaml"
    assert lines[origin.line - 1] == "- id: population_growth"
    assert lines[origin.line_of("definition") - 1] == "  definition:"


def test_every_rule_in_the_module_is_listed_in_rules():
    """The rules are listed in one place: a `rule_*` function left out of `RULES` would never run."""
    defined = {name for name in dir(validate) if name.startswith("rule_")}
    assert defined and defined == {rule.__name__ for rule in RULES}


def test_a_formula_with_a_400_digit_number_is_a_located_problem_not_a_crash(tmp_path):
    path = tmp_path / "groot.yaml"
    path.write_text(RATIO.replace("{denominator}", "denominator: average_population").replace("{scale}", "1000")
                    .replace("inwoners_per_1000_gemiddeld", "groot_getal")
                    .replace("    type: ratio\n    numerator: population", f"    type: formula\n    formula: population * {'9' * 400}")
                    .replace("    denominator: average_population\n    scale: 1000                                     # line 12\n", "")
                    .replace("unit: per 1.000 inwoners", "unit: aantal"), encoding="utf-8")
    library = load_library(tmp_path, KNOWN)
    assert [p.text("en") for p in library.problems] == [f"{path}:10: groot_getal: definition.formula: number out of range"]
    assert "groot_getal" not in library.kpis or library.errors
