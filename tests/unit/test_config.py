"""The configuration file: the shipped file loads, and every broken variant is refused by key."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from models.config import CmeConfig, ConfigError, load_config
from models.matching import MatchThresholds

SHIPPED_CONFIG = Path(__file__).resolve().parents[2] / "config" / "cme.toml"
SHIPPED_TEXT = SHIPPED_CONFIG.read_text(encoding="utf-8")


def variant(tmp_path: Path, old: str, new: str) -> Path:
    """The shipped file with one edit, written to tmp_path."""
    assert old in SHIPPED_TEXT, f"the shipped config no longer contains {old!r}"
    path = tmp_path / "cme.toml"
    path.write_text(SHIPPED_TEXT.replace(old, new, 1), encoding="utf-8")
    return path


def problems_of(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return "; ".join(caught.value.problems)


@pytest.fixture(scope="module")
def config() -> CmeConfig:
    return load_config(SHIPPED_CONFIG)


def test_shipped_config_loads_with_version_team_and_contacts(config: CmeConfig) -> None:
    assert config.version
    assert config.team_lead.id == "cme-team-lead"
    assert [(o.id, o.dspl_areas, o.absent) for o in config.officers] == [
        ("cme-officer-dspl-1-5", (1, 2, 3, 4, 5), False),
        ("cme-officer-dspl-6-9", (6, 7, 8, 9), False),
    ]
    assert config.cover == {
        "cme-officer-dspl-1-5": "cme-officer-dspl-6-9",
        "cme-officer-dspl-6-9": "cme-officer-dspl-1-5",
    }
    emails = [p.email for p in config.people] + [c.email for _, c in config.contacts]
    assert all(email.endswith("@example.gov.uk") for email in emails)
    assert config.process.max_home_visits == 3


def test_people_lists_officers_and_team_lead_when_asked_who_is_working(config: CmeConfig) -> None:
    assert [p.id for p in config.people] == [
        "cme-officer-dspl-1-5",
        "cme-officer-dspl-6-9",
        "cme-team-lead",
    ]
    assert config.person("cme-team-lead").display_name == "CME Team Lead"


def test_officer_lookup_raises_when_id_is_unknown(config: CmeConfig) -> None:
    assert config.officer("cme-officer-dspl-6-9").display_name == "CME Officer (DSPL 6-9)"
    with pytest.raises(KeyError, match="no-such-officer"):
        config.officer("no-such-officer")


def test_every_dspl_area_has_a_postcode_in_the_shipped_map(config: CmeConfig) -> None:
    assert sorted(config.dspl.areas) == list(range(1, 10))
    assert all(config.dspl.areas[area] for area in range(1, 10))


def test_dspl_for_postcode_normalises_and_refuses_invalid_postcodes(config: CmeConfig) -> None:
    assert config.dspl_for_postcode("wd61aa") == 6
    assert config.dspl_for_postcode("LU1 1AA") is None
    with pytest.raises(ValueError, match="not a valid UK postcode"):
        config.dspl_for_postcode("AL9")


def test_relative_paths_resolve_against_config_folder_when_cwd_is_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    config = load_config(SHIPPED_CONFIG)

    config_dir = SHIPPED_CONFIG.parent
    assert config.calendar_path == config_dir / "calendar.toml"
    assert config.extracts.pupil_roll == config_dir / "extracts" / "pupil_roll.csv"
    assert config.extracts.ehe_register == config_dir / "extracts" / "ehe_register.csv"


def test_absolute_extract_path_is_kept_when_given(tmp_path: Path) -> None:
    roll = tmp_path / "elsewhere" / "roll.csv"
    path = variant(tmp_path, 'pupil_roll = "extracts/pupil_roll.csv"', f'pupil_roll = "{roll}"')

    assert load_config(path).extracts.pupil_roll == roll


def test_sample_extracts_have_the_columns_the_referral_check_reads(config: CmeConfig) -> None:
    with config.extracts.pupil_roll.open(newline="", encoding="utf-8") as handle:
        roll = list(csv.DictReader(handle))
    with config.extracts.ehe_register.open(newline="", encoding="utf-8") as handle:
        ehe = list(csv.DictReader(handle))

    assert roll and list(roll[0]) == [
        "forenames",
        "surname",
        "date_of_birth",
        "postcode",
        "school_name",
        "school_urn",
    ]
    assert ehe and list(ehe[0]) == ["forenames", "surname", "date_of_birth", "postcode"]
    for row in roll + ehe:
        assert config.dspl_for_postcode(row["postcode"]) is not None


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('version = "2026.12-1"', 'version = ""', "version: String should have at least 1"),
        ("absent = false\n", "absent = false\nphone = '01234'\n", "officers.0.phone: Extra inputs"),
        (
            "dspl_areas = [1, 2, 3, 4, 5]",
            "dspl_areas = [1, 2, 3, 4, 10]",
            "officers.0.dspl_areas.4",
        ),
        ("dspl_areas = [1, 2, 3, 4, 5]", "dspl_areas = [1, 2, 3, 4]", "DSPL area 5 has no officer"),
        (
            "dspl_areas = [6, 7, 8, 9]",
            "dspl_areas = [5, 6, 7, 8, 9]",
            "officers.dspl_areas: DSPL area 5 is covered by more than one officer",
        ),
        (
            "dspl_areas = [1, 2, 3, 4, 5]",
            "dspl_areas = [1, 2, 3, 4, 5, 5]",
            "officers.0.dspl_areas",
        ),
        (
            'id = "cme-officer-dspl-6-9"',
            'id = "cme-officer-dspl-1-5"',
            "officers: the id 'cme-officer-dspl-1-5' is used more than once",
        ),
        (
            '"cme-officer-dspl-1-5" = "cme-officer-dspl-6-9"',
            '"cme-officer-dspl-1-5" = "somebody-else"',
            "cover.cme-officer-dspl-1-5: 'somebody-else' is neither an officer",
        ),
        (
            '"cme-officer-dspl-1-5" = "cme-officer-dspl-6-9"',
            '"cme-officer-dspl-1-5" = "cme-officer-dspl-1-5"',
            "cover.cme-officer-dspl-1-5: an officer cannot cover for themselves",
        ),
        (
            'email = "cme.team.lead@example.gov.uk"',
            'email = "team lead"',
            "team_lead.email: Value error, 'team lead' is not an email address",
        ),
        (
            '2 = ["SG1", "SG2"]',
            '2 = ["SG1", "SG2", "AL9"]',
            "dspl: 'AL9' is listed in both areas.2 and areas.5",
        ),
        ('2 = ["SG1", "SG2"]', '2 = ["SG1", "SG 2"]', "dspl.areas.2.1"),
        ('2 = ["SG1", "SG2"]', '10 = ["SG1", "SG2"]', "dspl.areas.10.[key]"),
        ("max_home_visits = 3\n", "", "process.max_home_visits: Field required"),
        ("[contacts.police]", "[contacts.polis]", "contacts.police: Field required"),
        (
            '"999001" = "AL1 9ZZ"',
            '"99901" = "AL1 9ZZ"',
            "schools.99901.[key]: Value error, '99901'",
        ),
        ('"999001" = "AL1 9ZZ"', '"999001" = "AL1"', "schools.999001: Value error, 'AL1' is not"),
    ],
)
def test_config_is_refused_with_the_key_named_when_a_rule_is_broken(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert expected in problems_of(variant(tmp_path, old, new))


def test_cover_is_refused_when_the_absent_id_is_not_an_officer(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        '"cme-officer-dspl-6-9" = "cme-officer-dspl-1-5"',
        '"cme-officer-dspl-6-9" = "cme-officer-dspl-1-5"\n"cme-team-lead" = "cme-officer-dspl-1-5"',
    )

    assert "cover: 'cme-team-lead' is not an officer id" in problems_of(path)


def test_config_is_refused_with_the_file_named_when_it_is_not_toml(tmp_path: Path) -> None:
    path = tmp_path / "cme.toml"
    path.write_text("version = \n", encoding="utf-8")

    with pytest.raises(ConfigError, match=r"cme\.toml: not valid TOML"):
        load_config(path)


def test_config_is_refused_with_the_file_named_when_it_is_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"absent\.toml: file not found"):
        load_config(tmp_path / "absent.toml")


def test_shipped_matching_thresholds_load_as_matcher_thresholds(config: CmeConfig) -> None:
    assert config.matching.thresholds == MatchThresholds(certain=0.9, near=0.75)


def test_config_without_a_matching_section_loads_with_default_thresholds(tmp_path: Path) -> None:
    start = SHIPPED_TEXT.index("\n# Fuzzy child matching")
    path = tmp_path / "cme.toml"
    path.write_text(SHIPPED_TEXT[:start] + "\n", encoding="utf-8")

    assert load_config(path).matching.thresholds == MatchThresholds()


def test_matching_near_above_certain_is_refused_naming_both_keys(tmp_path: Path) -> None:
    problems = problems_of(variant(tmp_path, "near = 0.75", "near = 0.95"))

    assert "matching.near (0.95) must not be above matching.certain (0.9)" in problems


def test_matching_near_below_what_blocking_supports_is_refused(tmp_path: Path) -> None:
    assert "matching.near" in problems_of(variant(tmp_path, "near = 0.75", "near = 0.3"))


def test_a_school_is_placed_in_the_dspl_area_of_its_postcode(tmp_path: Path) -> None:
    config = load_config(variant(tmp_path, '"999001" = "AL1 9ZZ"', '"999001" = "al97zz"'))

    assert config.schools["999001"] == "AL9 7ZZ"
    assert config.dspl_for_school("999001") == 6  # the south Hatfield sector
    assert config.dspl_for_school("123456") is None  # not listed
    assert config.dspl_for_school(None) is None


def test_a_configuration_without_schools_still_loads(tmp_path: Path) -> None:
    table = SHIPPED_TEXT[SHIPPED_TEXT.index("[schools]") : SHIPPED_TEXT.index("# Home postcode")]

    config = load_config(variant(tmp_path, table, ""))

    assert config.schools == {}
