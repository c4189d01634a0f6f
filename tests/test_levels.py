"""The talent-level table (exercises/levels.toml) and the badge alignments built from it."""

import pytest

from app.badges.achievements import level_alignments
from app.content.levels import LEVELS_FILE, LEVEL_NUMBERS, load_levels, talent_levels

SHIPPED = LEVELS_FILE.read_text(encoding="utf-8")


def _errors(tmp_path, text: str) -> list[str]:
    path = tmp_path / "levels.toml"
    path.write_text(text, encoding="utf-8")
    levels, errors = load_levels(path)
    assert levels is None
    return [f"{e.line}: {e.message}" for e in errors]


def test_shipped_levels_file_is_valid_and_names_every_level():
    levels, errors = load_levels(LEVELS_FILE)
    assert errors == []
    assert [level.number for level in levels.levels] == list(LEVEL_NUMBERS)
    assert talent_levels().level(2).name.en == "DX promoter with stakeholders (level 2)"


def test_badge_alignments_name_hokkaidos_category_and_the_matching_skill_standard():
    assert level_alignments(3) == [
        {"targetName": "新サービス創出人材（レベル3）",
         "targetUrl": "https://www.pref.hokkaido.lg.jp/ss/dtf/society5/society5_top.html",
         "targetFramework": "北海道デジタル人材区分", "targetCode": "level-3"},
        {"targetName": "DX推進スキル標準（DSS-P）ビジネスアーキテクト（新規事業開発）",
         "targetUrl": "https://www.meti.go.jp/policy/it_policy/jinzai/skill_standard/main.html",
         "targetFramework": "デジタルスキル標準 (METI/IPA)", "targetCode": "DSS-P-BA-NEW"},
    ]


# Each case: the change, the text whose line the error names (in the changed file), the message.
# An entry's error names the line of its [[levels]] header, just above its number.
@pytest.mark.parametrize("change, at, offset, message", [
    (lambda t: t.replace('en = "Creator of new services (level 3)"', 'en = " "'), "number = 3", -1,
     "level 3: 'name' is missing 'en'"),
    (lambda t: t.replace('code = "DSS-P-BA"', 'kode = "DSS-P-BA"'), "number = 2", -1, "level 2: 'dss' is missing 'code'"),
    (lambda t: t.replace("number = 3", "number = 2"), "number = 2\nname = { ja = \"新", -1, "level 2 is defined twice"),
    (lambda t: t.replace("number = 1", "number = 4"), "number = 4", -1, "'number' must be a talent level from 0 to 3"),
    (lambda t: t.replace("number = 1", "number = true"), "number = true", -1,
     "'number' must be a talent level from 0 to 3"),
    (lambda t: t.replace('url = "https://www.meti', 'url = "http://www.meti'), "[frameworks.dss]", 0,
     "framework 'dss': 'url' must start with https://"),
    (lambda t: t.replace("[frameworks.dss]", "[frameworks.dss]\nname = 1"), "name = \"デジタルスキル", 0,
     "not valid TOML"),
])
def test_a_wrong_entry_is_reported_with_its_line(tmp_path, change, at, offset, message):
    changed = change(SHIPPED)
    line = changed[:changed.index(at)].count("\n") + 1 + offset
    errors = _errors(tmp_path, changed)
    assert any(e.startswith(f"{line}: ") and message in e for e in errors), (line, errors)


def test_a_missing_level_is_named(tmp_path):
    text = SHIPPED[:SHIPPED.rindex("[[levels]]")]
    assert _errors(tmp_path, text) == ["None: no [[levels]] entry for level 3: every talent level needs one"]


def test_a_missing_file_is_an_error_not_an_exception(tmp_path):
    levels, errors = load_levels(tmp_path / "nowhere.toml")
    assert levels is None and [e.message for e in errors] == ["file is missing"]
