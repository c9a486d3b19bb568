"""Discovery builds every default config of transformers without reaching the Hub."""

import huggingface_hub.constants
import pytest
import transformers.utils.hub

from init_parity.models.offline import hub_offline


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
