"""config/masking.yaml: validated into policies, bad policies refused with a message naming the entity."""

from __future__ import annotations

import shutil

import pytest
import yaml

from govdata import config
from govdata.classify.rules import load_rules
from govdata.errors import ConfigError


@pytest.fixture
def masking_file(tmp_path, monkeypatch):
    """A private copy of config/ whose masking.yaml a test may break; returns (path, its data)."""
    target = tmp_path / "config"
    shutil.copytree(config.config_dir(), target)
    monkeypatch.setenv("GOVDATA_CONFIG_DIR", str(target))
    path = target / "masking.yaml"
    return path, yaml.safe_load(path.read_text(encoding="utf-8"))


def _error(path, data) -> str:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        config.load_masking_config()
    return str(caught.value)


def test_the_shipped_file_validates():
    masking = config.load_masking_config()
    assert masking.policy(config.EVIDENCE_POLICY).strict
    assert masking.policy(config.PUBLICATION_POLICY).entities["CN_USCC"].method == "keep"
    assert masking.policy(config.EVIDENCE_POLICY).entities["CN_USCC"].method != "keep"


def test_every_entity_has_a_rule_in_every_policy():
    """Entities of classification and of the 一数一源 data items: none is left to the fallback by accident."""
    entities = set(load_rules().entities) | {
        d.mask_entity for d in config.load_catalog_config().data_items if d.mask_entity
    }
    assert {"PERSON", "ADDRESS", "BIRTH_DATE", "GENDER", "ORGANIZATION", "CN_USCC"} <= entities
    for name, policy in config.load_masking_config().policies.items():
        missing = sorted(entities - set(policy.entities))
        assert not missing, f"policy {name} has no rule for {missing}"


def test_every_data_item_of_the_catalog_names_its_entity():
    items = config.load_catalog_config().data_items
    assert {d.item: d.mask_entity for d in items} == {
        "身份证号": "CN_RESIDENT_ID", "统一社会信用代码": "CN_USCC", "姓名": "PERSON", "出生日期": "BIRTH_DATE",
        "性别": "GENDER", "住址": "ADDRESS", "企业名称": "ORGANIZATION", "法定代表人": "PERSON",
    }  # fmt: skip


def test_unknown_method_is_refused(masking_file):
    path, data = masking_file
    data["policies"]["evidence"]["entities"]["PERSON"] = {"method": "hide"}
    message = _error(path, data)
    assert "config/masking.yaml" in message and "policies.evidence.entities.PERSON" in message
    assert "person_name" in message, "the message lists the methods there are"


def test_unknown_or_bad_parameter_is_refused(masking_file):
    path, data = masking_file
    data["policies"]["publication"]["entities"]["CN_MOBILE"] = {"method": "keep_ends", "frist": 3, "last": 4}
    message = _error(path, data)
    assert "policies.publication.entities.CN_MOBILE" in message and "frist" in message
    data["policies"]["publication"]["entities"]["CN_MOBILE"] = {"method": "keep_ends", "first": -1, "last": 4}
    assert "first" in _error(path, data)
    data["policies"]["publication"]["entities"]["CN_MOBILE"] = {"method": "address", "level": "street"}
    assert "level" in _error(path, data)


def test_strict_policy_may_not_keep_values(masking_file):
    path, data = masking_file
    data["policies"]["evidence"]["entities"]["CN_USCC"] = {"method": "keep"}
    message = _error(path, data)
    assert "strict" in message and "CN_USCC" in message


def test_strict_policy_shows_no_free_text_around_findings(masking_file):
    path, data = masking_file
    data["policies"]["evidence"]["free_text"] = "replace_spans"
    assert "detected_only" in _error(path, data)


def test_evidence_policy_must_be_strict_and_both_policies_present(masking_file):
    path, data = masking_file
    data["policies"]["evidence"]["strict"] = False
    assert "must be strict" in _error(path, data)
    data["policies"]["evidence"]["strict"] = True
    del data["policies"]["publication"]
    assert "publication" in _error(path, data)


def test_fallback_cannot_pass_values_through(masking_file):
    path, data = masking_file
    data["policies"]["publication"]["fallback"] = {"method": "keep"}
    assert "fallback" in _error(path, data)


def test_entity_names_are_upper_case_identifiers(masking_file):
    path, data = masking_file
    data["policies"]["evidence"]["entities"]["person"] = {"method": "person_name"}
    assert "person" in _error(path, data)


def test_a_missing_file_stops_instead_of_masking_nothing(masking_file):
    path, _ = masking_file
    path.unlink()
    with pytest.raises(ConfigError, match="policies"):
        config.load_masking_config()


def test_unknown_policy_name_lists_the_known_ones():
    with pytest.raises(ConfigError, match="evidence"):
        config.load_masking_config().policy("nope")
