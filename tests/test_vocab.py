"""Tests of hotspots._core.vocab: vocabularies and the category code table."""

from __future__ import annotations

import importlib.resources

import pandas as pd
import pytest

from hotspots._core import schema, vocab
from hotspots._core.vocab import (
    CATEGORY_ALIASES,
    LEGACY_MAJOR_CLASSES,
    SOURCE_WORDS,
    STATUS_WORDS,
    VOID_STATUS_WORDS,
    category_table,
    code_table,
    normalise_word,
)
from hotspots.errors import InputError


def test_code_table_shipped_with_provenance() -> None:
    text = (
        importlib.resources.files("hotspots")
        .joinpath("data", vocab.CODE_TABLE_FILE)
        .read_text(encoding="utf-8")
    )
    first = text.splitlines()[0]
    assert first.startswith("# GB/T 47678.5-2026")
    assert "public repository" in first


def test_code_table_contents() -> None:
    table = code_table()
    assert list(table.columns) == ["code", "major_code", "major_name", "name"]
    assert len(table) == 97
    assert table["code"].is_unique
    assert table["code"].str.fullmatch(r"\d{5}").all()
    assert (table["code"].str[:2] == table["major_code"]).all()
    assert set(table["major_code"]) == {"06", "07", "08", "09", "10"}
    assert set(table["major_name"]) == {
        "市容环境类",
        "宣传广告类",
        "施工管理类",
        "街面秩序类",
        "其他事项类",
    }
    row = table.set_index("code").loc["06042"]
    assert row["name"] == "垃圾站（箱）满溢"


def test_code_table_returns_a_copy_the_caller_may_modify() -> None:
    first = code_table()
    first.loc[first["code"] == "09006", "name"] = "changed"
    first["code"] = "x"
    again = code_table()
    assert len(again) == 97
    assert again.loc[again["code"] == "09006", "name"].item() == "占道经营"
    assert category_table().code_to_name["09006"] == "占道经营"


def test_normalise_word() -> None:
    assert normalise_word(" 垃圾站（箱）满溢 ") == "垃圾站(箱)满溢"
    assert normalise_word("ＡＰＰ") == "app"
    assert normalise_word("In  Progress") == "inprogress"
    assert normalise_word("\u3000已结案\t") == "已结案"


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("待受理", "open"),
        ("已立案", "open"),
        ("已派遣", "dispatched"),
        ("派遣", "dispatched"),
        ("处置中", "dispatched"),
        ("In Progress", "dispatched"),
        ("已处置", "resolved"),
        ("已结案", "closed"),
        ("结案", "closed"),
        ("已核查", "closed"),
        ("核查通过", "closed"),
        ("CLOSED", "closed"),
        ("返工", "reopened"),
        ("重新打开", "reopened"),
        ("acknowledged", "open"),
    ],
)
def test_status_words(word: str, status: str) -> None:
    assert STATUS_WORDS[normalise_word(word)] == status


@pytest.mark.parametrize(
    ("word", "source"),
    [
        ("巡查员", "inspector"),
        ("网格员", "inspector"),
        ("城管队员", "inspector"),
        ("监督员", "inspector"),
        ("12345", "hotline"),
        ("市民热线", "hotline"),
        ("ＡＰＰ", "hotline"),
        ("微信", "hotline"),
        ("视频", "camera"),
        ("摄像头", "camera"),
        ("智能识别", "camera"),
        ("测评", "evaluation"),
        ("督查", "evaluation"),
        ("暗访", "evaluation"),
        ("其他", "other"),
    ],
)
def test_source_words(word: str, source: str) -> None:
    assert SOURCE_WORDS[normalise_word(word)] == source


def test_vocabularies_map_to_canonical_values_only() -> None:
    assert set(STATUS_WORDS.values()) == set(schema.STATUSES)
    assert set(SOURCE_WORDS.values()) == set(schema.SOURCES)
    assert not VOID_STATUS_WORDS & set(STATUS_WORDS)


@pytest.mark.parametrize("words", [vocab._STATUS, vocab._SOURCE])
def test_no_word_has_two_meanings(words: dict[str, tuple[str, ...]]) -> None:
    seen: dict[str, str] = {}
    for canonical, variants in words.items():
        for word in (canonical, *variants):
            key = normalise_word(word)
            assert seen.setdefault(key, canonical) == canonical, word


def test_aliases_point_at_real_table_names() -> None:
    names = {normalise_word(n) for n in code_table()["name"]}
    for alias, target in CATEGORY_ALIASES.items():
        assert normalise_word(target) in names, target
        assert normalise_word(alias) not in names, alias
    assert "乱停车" not in CATEGORY_ALIASES  # motor or non-motor: ambiguous


def test_national_lookups() -> None:
    t = category_table()
    assert t.code_to_name["09006"] == "占道经营"
    assert t.name_to_code[normalise_word("垃圾站(箱)满溢")] == "06042"
    assert t.name_to_code["出店经营"] == "09005"
    assert t.code_to_major["07001"] == "宣传广告类"
    assert "乱停车" not in t.name_to_code
    for legacy, current in LEGACY_MAJOR_CLASSES.items():
        assert t.major_names[legacy] == current
        assert legacy not in t.name_to_code  # major classes never get codes


def test_local_categories_extend_the_table() -> None:
    local = pd.DataFrame(
        {
            "code": ["L001", "L002"],
            "name_zh": ["流浪犬", "共享单车堆积"],
            "name_en": ["stray dogs", "bike piles"],
            "weight": [2.0, None],
            "group": ["其他事项类", None],
        }
    )
    t = category_table(local)
    assert t.name_to_code["流浪犬"] == "L001"
    assert t.code_to_name["L002"] == "共享单车堆积"
    assert t.code_to_weight == {"L001": 2.0}
    assert t.code_to_major["L001"] == "其他事项类"
    assert "L002" not in t.code_to_major
    assert t.name_to_code["占道经营"] == "09006"  # national entries kept


def test_local_name_clash_makes_the_name_ambiguous() -> None:
    t = category_table([{"code": "L009", "name_zh": "占道经营"}])
    assert "占道经营" not in t.name_to_code  # two codes: none is guessed


@pytest.mark.parametrize(
    ("categories", "match"),
    [
        ([{"code": "L001"}], "missing \\['name_zh'\\]"),
        ([{"code": "", "name_zh": "x"}], "lack one"),
        ([{"code": "09006", "name_zh": "x"}], "must not reuse national codes"),
        (
            [{"code": "L1", "name_zh": "a"}, {"code": "L1", "name_zh": "b"}],
            "codes must be unique",
        ),
        ([{"code": "L1", "name_zh": "a", "weight": "heavy"}], "weight must be"),
        ([{"code": "L1", "name_zh": "a", "weight": -1}], "weight must be"),
    ],
)
def test_local_category_errors(categories: list[dict[str, object]], match: str) -> None:
    with pytest.raises(InputError, match=match):
        category_table(categories)


def test_local_category_type_errors() -> None:
    with pytest.raises(TypeError, match="categories must be"):
        category_table("L001")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="categories must be"):
        category_table(["L001"])  # type: ignore[list-item]
