"""Discovery builds every default config of transformers without reaching the Hub."""

import huggingface_hub.constants
import pytest
import transformers.utils.hub

from init_parity.suite.models.offline import hub_offline


def test_a_hub_fetch_sends_no_request_inside_hub_offline(monkeypatch):
    """Without network, each request is retried with backoff for ~25 s; offline, none is sent."""
    import huggingface_hub.file_download
    from transformers import AutoConfig

    # the suite runs with HF_HUB_OFFLINE=1 (conftest): switch it off, as in a process that did not set it
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    if hasattr(transformers.utils.hub, "_is_offline_mode"):
        monkeypatch.setattr(transformers.utils.hub, "_is_offline_mode", False)
    requests = []
    monkeypatch.setattr(huggingface_hub.file_download, "get_hf_file_metadata", lambda *a, **k: requests.append(a))
    with hub_offline(), pytest.raises(OSError):
        AutoConfig.from_pretrained("timm/repvit_m1.dist_in1k")  # EdgeTAM's default vision backbone
    assert requests == []


def test_hub_offline_restores_the_switches():
    before = huggingface_hub.constants.HF_HUB_OFFLINE, getattr(transformers.utils.hub, "_is_offline_mode", None)
    with hub_offline():
        assert huggingface_hub.constants.HF_HUB_OFFLINE is True
    after = huggingface_hub.constants.HF_HUB_OFFLINE, getattr(transformers.utils.hub, "_is_offline_mode", None)
    assert after == before


def test_one_model_type_is_found_as_discover_finds_it_without_building_the_others(monkeypatch):
    """``family(model_type)`` builds that model type's default config alone (a worker of the report
    looks up its model types this way: discovering all of them costs seconds per process)."""
    from transformers.models.auto import configuration_auto

    from init_parity.suite.models import discovery

    found = {family.model_type: family for family in discovery.discover()}
    discovery.family.cache_clear()
    built = []
    mapping = configuration_auto.CONFIG_MAPPING

    class Recording:
        def __getitem__(self, model_type):
            built.append(model_type)
            return mapping[model_type]

    monkeypatch.setattr(configuration_auto, "CONFIG_MAPPING", Recording())
    for model_type in ("t5", "whisper", "detr"):
        assert discovery.family(model_type) == found[model_type]
    assert built == ["t5", "whisper", "detr"]
    discovery.family.cache_clear()
