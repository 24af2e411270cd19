"""numtorch.vision.models: torchvision's builders, state_dict layout, legacy ``pretrained=`` warnings,
and the checkpoint download path (no network is ever touched: ``urlopen`` is replaced)."""

from __future__ import annotations

import hashlib
import io
import urllib.error

import numpy as np
import pytest

import numtorch
from numtorch.vision import models
from numtorch.vision.models import _api

BUFFER_SUFFIXES = ("running_mean", "running_var", "num_batches_tracked")


def n_params(state_dict) -> int:
    return sum(v.numel() for k, v in state_dict.items() if not k.endswith(BUFFER_SUFFIXES))


@pytest.fixture(scope="module")
def resnet18_sd():
    numtorch.manual_seed(0)
    return models.resnet18().state_dict()


def test_resnet18_layout(resnet18_sd):
    # num_params as published in torchvision's ResNet18_Weights.meta
    assert n_params(resnet18_sd) == 11689512 == models.ResNet18_Weights.DEFAULT.meta["num_params"]
    assert len(resnet18_sd) == 122
    keys = list(resnet18_sd)
    assert keys[:6] == [
        "conv1.weight",
        "bn1.weight",
        "bn1.bias",
        "bn1.running_mean",
        "bn1.running_var",
        "bn1.num_batches_tracked",
    ]
    assert keys[-2:] == ["fc.weight", "fc.bias"]
    assert resnet18_sd["layer2.0.downsample.0.weight"].shape == (128, 64, 1, 1)
    assert resnet18_sd["layer4.1.conv2.weight"].shape == (512, 512, 3, 3)
    assert "layer1.0.downsample.0.weight" not in resnet18_sd
    assert resnet18_sd["bn1.num_batches_tracked"].dtype is numtorch.int64


def test_resnet18_init_statistics(resnet18_sd):
    # kaiming_normal_(fan_out, relu): std = sqrt(2 / (out_channels * k * k))
    w = resnet18_sd["layer3.0.conv2.weight"].numpy()
    assert abs(w.std() - np.sqrt(2 / (256 * 9))) < 0.02 * np.sqrt(2 / (256 * 9))
    assert (resnet18_sd["layer3.0.bn2.weight"].numpy() == 1).all()
    assert (resnet18_sd["layer3.0.bn2.bias"].numpy() == 0).all()


def test_resnet50_matches_a_torchvision_checkpoint_inventory():
    # A published inventory of a torchvision resnet50(num_classes=2) checkpoint: 320 tensors,
    # 23,565,303 elements, and these shapes.
    sd = models.resnet50(num_classes=2).state_dict()
    assert len(sd) == 320 and sum(v.numel() for v in sd.values()) == 23565303
    expected = {
        "conv1.weight": (64, 3, 7, 7),
        "layer1.0.conv1.weight": (64, 64, 1, 1),
        "layer1.0.conv3.weight": (256, 64, 1, 1),
        "layer1.0.downsample.0.weight": (256, 64, 1, 1),
        "layer2.0.conv1.weight": (128, 256, 1, 1),
        "layer2.0.downsample.0.weight": (512, 256, 1, 1),
        "layer3.5.conv2.weight": (256, 256, 3, 3),
        "layer4.0.conv1.weight": (512, 1024, 1, 1),
        "layer4.0.conv3.weight": (2048, 512, 1, 1),
        "layer4.0.downsample.0.weight": (2048, 1024, 1, 1),
        "layer4.0.downsample.1.running_var": (2048,),
        "fc.weight": (2, 2048),
        "fc.bias": (2,),
    }
    for key, shape in expected.items():
        assert tuple(sd[key].shape) == shape, key
    # The published 1000-class count, less the 1000-class head, plus the 2-class one.
    assert n_params(sd) == models.ResNet50_Weights.DEFAULT.meta["num_params"] - (
        2048 * 1000 + 1000
    ) + (2048 * 2 + 2)


def test_resnet34_params():
    assert n_params(models.resnet34().state_dict()) == 21797672


def test_resnet_forward_and_errors():
    model = models.resnet18(num_classes=7).eval()
    with numtorch.no_grad():
        out = model(numtorch.rand(2, 3, 32, 32))
    assert out.shape == (2, 7)
    with pytest.raises(
        ValueError, match="replace_stride_with_dilation should be None or a 3-element tuple, got"
    ):
        models.resnet18(replace_stride_with_dilation=[False])
    with pytest.raises(KeyError):
        models.resnet18(weights="NOPE")
    with pytest.raises(
        TypeError,
        match="Invalid Weight class provided; expected ResNet18_Weights but received ResNet50_Weights.",
    ):
        models.resnet18(weights=models.ResNet50_Weights.DEFAULT)
    with pytest.raises(
        ValueError, match="The parameter 'num_classes' expected value 1000 but got 10 instead."
    ):
        models.resnet18(weights="DEFAULT", num_classes=10)


def test_weights_enum():
    assert models.ResNet50_Weights.DEFAULT is models.ResNet50_Weights.IMAGENET1K_V2
    assert repr(models.VGG16_Weights.DEFAULT) == "VGG16_Weights.IMAGENET1K_V1"
    assert (
        models.VGG16_Weights.verify("VGG16_Weights.IMAGENET1K_V1")
        is models.VGG16_Weights.IMAGENET1K_V1
    )
    assert (
        models.VGG16_Weights.DEFAULT.url == "https://download.pytorch.org/models/vgg16-397923af.pth"
    )


# --- checkpoints ---------------------------------------------------------------------------------
@pytest.fixture
def hub(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    return tmp_path / "hub" / "checkpoints"


def _serve(monkeypatch, payload: bytes | None):
    calls = []

    class Response(io.BytesIO):
        headers = {"Content-Length": str(len(payload or b""))}

    def fake_urlopen(request, timeout=None):
        calls.append((request.full_url, timeout))
        if payload is None:
            raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")
        return Response(payload)

    monkeypatch.setattr(_api.urllib.request, "urlopen", fake_urlopen)
    return calls


def test_pretrained_without_network_says_so(hub, monkeypatch):
    calls = _serve(monkeypatch, None)
    with pytest.raises(
        RuntimeError,
        match=r"Could not download https://download.pytorch.org/models/resnet18-f37072fd.pth",
    ):
        models.resnet18(weights="DEFAULT")
    assert calls[0][1] == _api.DOWNLOAD_TIMEOUT
    assert not hub.exists() or list(hub.iterdir()) == []  # no partial file left behind


def _checkpoint_bytes(tmp_path, state_dict) -> bytes:
    path = tmp_path / "ckpt.pth"
    numtorch.save(state_dict, str(path))
    return path.read_bytes()


def test_download_verifies_hash_and_loads(hub, tmp_path, monkeypatch, resnet18_sd):
    payload = _checkpoint_bytes(tmp_path, resnet18_sd)
    digest = hashlib.sha256(payload).hexdigest()
    weights = models.ResNet18_Weights.IMAGENET1K_V1
    monkeypatch.setattr(weights.value, "url", f"https://example.invalid/resnet18-{digest[:8]}.pth")
    _serve(monkeypatch, payload)
    model = models.resnet18(weights=weights, progress=False)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), resnet18_sd[key].numpy())
    assert (hub / f"resnet18-{digest[:8]}.pth").read_bytes() == payload
    # Cached: the second build does not download.
    calls = _serve(monkeypatch, None)
    models.resnet18(weights=weights)
    assert calls == []


def test_download_with_wrong_hash_keeps_nothing(hub, tmp_path, monkeypatch, resnet18_sd):
    payload = _checkpoint_bytes(tmp_path, resnet18_sd)
    weights = models.ResNet18_Weights.IMAGENET1K_V1
    monkeypatch.setattr(weights.value, "url", "https://example.invalid/resnet18-00000000.pth")
    _serve(monkeypatch, payload)
    with pytest.raises(RuntimeError, match=r'invalid hash value \(expected "00000000", got'):
        models.resnet18(weights=weights)
    assert list(hub.iterdir()) == []


def test_legacy_pretrained_false_warnings():
    with pytest.warns(UserWarning) as record:
        model = models.resnet18(pretrained=False)
    messages = [str(w.message) for w in record]
    assert messages == [
        "The parameter 'pretrained' is deprecated since 0.13 and may be removed in the future, please use 'weights' instead.",
        "Arguments other than a weight enum or `None` for 'weights' are deprecated since 0.13 and may be removed in the "
        "future. The current behavior is equivalent to passing `weights=None`.",
    ]
    assert isinstance(model, models.ResNet)


def test_legacy_pretrained_true_means_v1_weights(hub, monkeypatch):
    calls = _serve(monkeypatch, None)
    with (
        pytest.warns(UserWarning) as record,
        pytest.raises(RuntimeError, match="Could not download"),
    ):
        models.resnet50(pretrained=True)
    assert str(record[1].message) == (
        "Arguments other than a weight enum or `None` for 'weights' are deprecated since 0.13 and may be removed in the "
        "future. The current behavior is equivalent to passing `weights=ResNet50_Weights.IMAGENET1K_V1`. You can also "
        "use `weights=ResNet50_Weights.DEFAULT` to get the most up-to-date weights."
    )
    assert calls[0][0] == "https://download.pytorch.org/models/resnet50-0676ba61.pth"


@pytest.mark.slow
def test_vgg16_layout_and_seed_blocks(tmp_path, monkeypatch):
    """The notes' save/load blocks: vgg16(pretrained=True) (no network here: it says so), then the
    random-init vgg16 saved and loaded back."""
    model = models.vgg16()
    sd = model.state_dict()
    assert n_params(sd) == 138357544 == models.VGG16_Weights.DEFAULT.meta["num_params"]
    conv = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]
    assert list(sd) == [f"features.{i}.{p}" for i in conv for p in ("weight", "bias")] + [
        f"classifier.{i}.{p}" for i in (0, 3, 6) for p in ("weight", "bias")
    ]
    assert sd["classifier.0.weight"].shape == (4096, 25088)
    w = sd["classifier.3.weight"].numpy()
    assert abs(w.std() - 0.01) < 1e-4 and (sd["classifier.3.bias"].numpy() == 0).all()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    _serve(monkeypatch, None)
    import numtorch as torch

    with pytest.raises(RuntimeError, match="Could not download"), pytest.warns(UserWarning):
        models.vgg16(pretrained=True)
    torch.save(model.state_dict(), "model_weights.pth")
    model2 = models.vgg16()  # we do not specify pretrained=True, i.e. do not load default weights
    model2.load_state_dict(torch.load("model_weights.pth"))
    model2.eval()
    np.testing.assert_array_equal(
        model2.state_dict()["features.0.weight"].numpy(), sd["features.0.weight"].numpy()
    )


def test_vgg_bn_layout_small():
    # VGG's classifier is fixed at 4096 units; count only the feature extractor of vgg11_bn.
    from numtorch.vision.models.vgg import cfgs, make_layers

    features = make_layers(cfgs["A"], batch_norm=True)
    keys = list(features.state_dict())
    assert keys[:7] == [
        "0.weight",
        "0.bias",
        "1.weight",
        "1.bias",
        "1.running_mean",
        "1.running_var",
        "1.num_batches_tracked",
    ]
    assert sum(
        v.numel() for k, v in features.state_dict().items() if not k.endswith(BUFFER_SUFFIXES)
    ) == (132868840 - (25088 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000))
