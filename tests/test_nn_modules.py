"""``nn`` modules against real PyTorch: reprs byte for byte, ``state_dict`` keys/shapes/dtypes/
metadata, default initialisation bit-identical under the same seed, forward and gradients with
shared weights, container behaviour, and the seed's model-building code blocks."""

from __future__ import annotations

import contextlib
import io
from collections import OrderedDict

import numpy as np
import pytest

import numtorch as nt
from numtorch import nn

SPECS = [
    "Linear(5, 3)", "Linear(784, 512)", "Linear(4, 2, bias=False)", "Bilinear(3, 4, 5)",
    "Identity()", "Flatten()", "Flatten(0, 2)", "Unflatten(1, (2, 5))",
    "ReLU()", "ReLU(inplace=True)", "LeakyReLU()", "LeakyReLU(0.2, inplace=True)", "ELU()",
    "ELU(alpha=0.5)", "CELU(2.0)", "SELU()", "GELU()", "GELU(approximate='tanh')", "SiLU()",
    "Mish()", "Sigmoid()", "Tanh()", "Softplus()", "Softplus(beta=2, threshold=10)",
    "Hardtanh()", "Hardtanh(-2.0, 2.0)", "ReLU6()", "ReLU6(inplace=True)", "Softmax(dim=1)",
    "Softmax()", "LogSoftmax(dim=-1)", "Softmin(1)", "Softmax2d()", "Threshold(0.1, 20)",
    "RReLU()", "Hardsigmoid()", "Hardswish()", "LogSigmoid()", "Softshrink()", "Hardshrink(0.3)",
    "Tanhshrink()", "Softsign()", "GLU()", "PReLU()", "PReLU(3, init=0.1)",
    "Dropout()", "Dropout(0.2, inplace=True)", "Dropout1d()", "Dropout2d(0.3)", "Dropout3d()",
    "AlphaDropout(0.1)", "FeatureAlphaDropout()",
    "LayerNorm(10)", "LayerNorm([3, 4], eps=1e-6)", "LayerNorm(5, elementwise_affine=False)",
    "LayerNorm(5, bias=False)", "GroupNorm(2, 4)", "GroupNorm(1, 3, affine=False)", "RMSNorm(6)",
    "RMSNorm([2, 3], eps=1e-5)", "LocalResponseNorm(3)",
    "BatchNorm1d(7)", "BatchNorm2d(3, momentum=None)",
    "BatchNorm2d(3, affine=False, track_running_stats=False)", "BatchNorm3d(2, eps=1e-3)",
    "Embedding(10, 3)", "Embedding(10, 3, padding_idx=0)",
    "Embedding(10, 3, padding_idx=-1, max_norm=1.0)",
    "Embedding(5, 2, norm_type=1.0, scale_grad_by_freq=True, sparse=True)",
    "CrossEntropyLoss()", "CrossEntropyLoss(weight=torch.ones(3), label_smoothing=0.1)",
    "NLLLoss()", "MSELoss()", "L1Loss()", "SmoothL1Loss(beta=0.5)", "HuberLoss(delta=2.0)",
    "BCELoss()", "BCEWithLogitsLoss(pos_weight=torch.ones(2))", "KLDivLoss(reduction='batchmean')",
    "PoissonNLLLoss()", "GaussianNLLLoss()", "MarginRankingLoss()", "HingeEmbeddingLoss()",
    "SoftMarginLoss()", "MultiLabelSoftMarginLoss()", "CosineEmbeddingLoss()",
    "TripletMarginLoss()",
    "Sequential(Linear(2, 3), ReLU(), Linear(3, 1))",
    "Sequential(OrderedDict([('fc1', Linear(2, 3)), ('act', GELU()), ('drop', Dropout(0.1))]))",
    "Sequential(Flatten(), Sequential(Linear(4, 4), ReLU()), LayerNorm(4))",
    "ModuleList([Linear(2, 2) for _ in range(3)] + [ReLU(), ReLU(), Linear(2, 3)])",
    "ModuleList()", "ModuleDict({'a': Linear(1, 2), 'b': ReLU()})",
    "ParameterList([Parameter(torch.zeros(3, 4)), Parameter(torch.zeros(2))])",
    "ParameterList([Parameter(torch.zeros(3))])",
    "ParameterDict({'w': Parameter(torch.zeros(2, 2)), 'b': Parameter(torch.zeros(2))})",
    "Sequential(ModuleList([Linear(1, 1), Linear(1, 1)]), ModuleDict({'x': Tanh()}))",
]  # fmt: skip


def build(lib, spec: str):
    env = {name: getattr(lib.nn, name) for name in dir(lib.nn) if not name.startswith("_")}
    env.update(torch=lib, OrderedDict=OrderedDict, Parameter=lib.nn.Parameter)
    lib.manual_seed(0)
    return eval(spec, env)  # noqa: S307 - the specs are the literals above


def to_numpy(t) -> np.ndarray:
    return t.detach().numpy()


@pytest.mark.parametrize("spec", SPECS)
def test_repr_state_dict_and_init_match_torch(torch, spec):
    ours, theirs = build(nt, spec), build(torch, spec)
    assert repr(ours) == repr(theirs)
    sd_ours, sd_theirs = ours.state_dict(), theirs.state_dict()
    assert list(sd_ours) == list(sd_theirs)
    assert dict(sd_ours._metadata) == dict(sd_theirs._metadata)
    for key in sd_theirs:
        a, b = sd_ours[key], sd_theirs[key]
        assert tuple(a.shape) == tuple(b.shape), key
        assert repr(a.dtype) == str(b.dtype), key
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b), err_msg=key)  # bit-identical init
    names_ours = [(n, tuple(p.shape), p.requires_grad) for n, p in ours.named_parameters()]
    names_theirs = [(n, tuple(p.shape), p.requires_grad) for n, p in theirs.named_parameters()]
    assert names_ours == names_theirs
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]


@pytest.mark.parametrize("seed", [0, 1, 42, 12345])
def test_linear_init_stream_matches_torch(torch, seed):
    """Weight first (kaiming_uniform_, a=√5), then bias, then the stream continues aligned."""
    torch.manual_seed(seed)
    theirs = [torch.nn.Linear(i, o) for i, o in ((784, 512), (512, 512), (512, 10), (1, 1))]
    after_theirs = torch.rand(3)
    nt.manual_seed(seed)
    ours = [nn.Linear(i, o) for i, o in ((784, 512), (512, 512), (512, 10), (1, 1))]
    after_ours = nt.rand(3)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
        np.testing.assert_array_equal(a.bias.detach().numpy(), b.bias.detach().numpy())
    np.testing.assert_array_equal(after_ours.numpy(), after_theirs.numpy())


INIT_CASES = [
    ("uniform_", (5, 7), {"a": -0.5, "b": 2.0}), ("normal_", (4, 20), {"mean": 1.0, "std": 0.5}),
    ("normal_", (3, 3), {}), ("constant_", (3, 2), {"val": 0.25}), ("ones_", (2, 3), {}),
    ("zeros_", (2, 3), {}), ("eye_", (3, 5), {}), ("dirac_", (4, 2, 3, 3), {}),
    ("dirac_", (4, 2, 3), {"groups": 2}), ("xavier_uniform_", (30, 20), {}),
    ("xavier_uniform_", (8, 4, 3, 3), {"gain": 2.0}), ("xavier_normal_", (30, 20), {}),
    ("kaiming_uniform_", (16, 8), {}), ("kaiming_uniform_", (6, 3, 5, 5), {"mode": "fan_out",
                                                                          "nonlinearity": "relu"}),
    ("kaiming_normal_", (40, 30), {"a": 0.1}), ("trunc_normal_", (50, 40), {}),
    ("trunc_normal_", (20, 30), {"mean": 0.5, "std": 2.0, "a": -1.0, "b": 1.5}),
    ("trunc_normal_", (20, 30), {"std": 0.02}),
    ("trunc_normal_", (40, 50), {"a": 2.0, "b": 5.0}),  # uniform proposals (mass < 0.3)
    ("trunc_normal_", (40, 50), {"std": 0.5, "a": 1.0, "b": 3.0}),
]  # fmt: skip


@pytest.mark.parametrize("name,shape,kwargs", INIT_CASES, ids=lambda v: str(v))
def test_init_bit_identical(torch, name, shape, kwargs):
    torch.manual_seed(3)
    expected = getattr(torch.nn.init, name)(torch.empty(shape), **kwargs)
    nt.manual_seed(3)
    got = getattr(nn.init, name)(nt.empty(shape), **kwargs)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
    np.testing.assert_array_equal(nt.rand(4).numpy(), torch.rand(4).numpy())


def test_init_orthogonal_and_gain(torch):
    for shape in ((6, 4), (4, 6), (3, 2, 2)):
        torch.manual_seed(5)
        expected = torch.nn.init.orthogonal_(torch.empty(shape), gain=1.5)
        nt.manual_seed(5)
        got = nn.init.orthogonal_(nt.empty(shape), gain=1.5)
        np.testing.assert_allclose(got.numpy(), expected.numpy(), atol=1e-5)
    for args in (("relu",), ("leaky_relu", 0.2), ("tanh",), ("selu",), ("conv2d",), ("sigmoid",)):
        assert nn.init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)
    for fn in (nn.init.calculate_gain, torch.nn.init.calculate_gain):
        with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
            fn("foo")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(nt.empty(3))


# --- the seed's code blocks (构建神经网络 / 优化模型参数) -------------------------------------------------
SEED_MODEL = """
class NeuralNetwork(nn.Module):
    def __init__(self):
        super(NeuralNetwork, self).__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28*28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits

torch.manual_seed(0)
model = NeuralNetwork()
print(model)
X = torch.rand(1, 28, 28)
logits = model(X)
pred_probab = nn.Softmax(dim=1)(logits)
y_pred = pred_probab.argmax(1)
print(f"Predicted class: {y_pred}")

input_image = torch.rand(3,28,28)
print('输入数据大小：', input_image.size())
flatten = nn.Flatten()
flat_image = flatten(input_image)
print('经过Flatten层后大小：',flat_image.size())
layer1 = nn.Linear(in_features = 28*28, out_features = 20)
hidden1 = layer1(flat_image)
print('经过连接层后大小：',hidden1.size())
print(f"Before ReLU: {hidden1}")
hidden1 = nn.ReLU()(hidden1)
print('经过激活函数后大小：',hidden1.size())
seq_modules = nn.Sequential(
    flatten,
    layer1,
    nn.ReLU(),
    nn.Linear(20, 10)
)
input_image = torch.rand(3,28,28)
logits = seq_modules(input_image)
softmax = nn.Softmax(dim=1)
pred_probab = softmax(logits)
print(pred_probab)

print(f"Model structure: {model}\\n\\n")
for name, param in model.named_parameters():
    print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \\n")
"""


def run_printing(lib, source: str) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(source, {"torch": lib, "nn": lib.nn})  # noqa: S102 - the seed's code
    return buffer.getvalue()


def test_seed_model_blocks_print_like_torch(torch):
    ours = run_printing(nt, SEED_MODEL)
    theirs = run_printing(torch, SEED_MODEL)
    assert ours == theirs


def test_seed_model_repr_self_contained():
    """The seed's printed model, as the notes show it (no torch needed)."""
    out = run_printing(nt, SEED_MODEL)
    assert out.startswith(
        "NeuralNetwork(\n"
        "  (flatten): Flatten(start_dim=1, end_dim=-1)\n"
        "  (linear_relu_stack): Sequential(\n"
        "    (0): Linear(in_features=784, out_features=512, bias=True)\n"
        "    (1): ReLU()\n"
        "    (2): Linear(in_features=512, out_features=512, bias=True)\n"
        "    (3): ReLU()\n"
        "    (4): Linear(in_features=512, out_features=10, bias=True)\n"
        "  )\n"
        ")\n"
    )
    assert "Layer: linear_relu_stack.0.weight | Size: torch.Size([512, 784]) | Values : " in out
    assert "grad_fn=<SliceBackward0>" in out


def test_wrong_input_shape_message(torch):
    for lib in (nt, torch):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(512, 10))
        with pytest.raises(RuntimeError) as info:
            model(lib.zeros(64, 784))
        assert str(info.value) == "mat1 and mat2 shapes cannot be multiplied (64x784 and 512x10)"


def _mlp(lib):
    return lib.nn.Sequential(
        lib.nn.Flatten(), lib.nn.Linear(784, 512), lib.nn.ReLU(), lib.nn.Linear(512, 512),
        lib.nn.ReLU(), lib.nn.Linear(512, 10),
    )  # fmt: skip


@pytest.mark.slow
def test_mlp_training_loss_sequence_matches_torch(torch):
    """200 SGD steps of the seed's MLP on fixed data from the same seed: the same losses."""
    losses = {}
    for lib in (nt, torch):
        lib.manual_seed(0)
        model = _mlp(lib)
        loss_fn = lib.nn.CrossEntropyLoss()
        X, y = lib.rand(256, 1, 28, 28), lib.randint(0, 10, (256,))
        params = list(model.parameters())
        seq = []
        for step in range(200):
            batch = slice((step % 4) * 64, (step % 4 + 1) * 64)
            loss = loss_fn(model(X[batch]), y[batch])
            for p in params:
                p.grad = None
            loss.backward()
            with lib.no_grad():
                for p in params:
                    p.sub_(p.grad, alpha=0.02)
            seq.append(loss.item())
        losses[lib.__name__] = seq
    # float32 rounding differs in the last bits (BLAS summation order); at this learning rate the
    # trajectories stay within float32 tolerance for all 200 steps
    np.testing.assert_allclose(losses["numtorch"], losses["torch"], rtol=1e-5, atol=1e-6)
    assert losses["numtorch"][-1] < losses["numtorch"][0] * 0.95


def test_mlp_step_gradients_match_torch(torch):
    grads = {}
    for lib in (nt, torch):
        lib.manual_seed(1)
        model = _mlp(lib)
        X, y = lib.rand(64, 28, 28), lib.randint(0, 10, (64,))
        lib.nn.CrossEntropyLoss()(model(X), y).backward()
        grads[lib.__name__] = [p.grad.numpy() for p in model.parameters()]
    for ours, theirs in zip(grads["numtorch"], grads["torch"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)


# --- modules with weights copied from torch: forward and gradients ----------------------------------------
MODULE_CASES = [
    ("Linear(6, 4)", (3, 6)), ("Bilinear(6, 6, 4)", None), ("LayerNorm(6)", (3, 6)),
    ("GroupNorm(2, 4)", (2, 4, 5)), ("BatchNorm1d(6)", (5, 6)), ("BatchNorm2d(3)", (4, 3, 2, 2)),
    ("Embedding(7, 3, padding_idx=2)", "index"), ("PReLU(4)", (2, 4, 3)), ("RMSNorm(6)", (3, 6)),
    ("Sequential(Linear(6, 8), GELU(), LayerNorm(8), Linear(8, 2))", (5, 6)),
]  # fmt: skip


@pytest.mark.parametrize("spec,shape", MODULE_CASES, ids=[c[0] for c in MODULE_CASES])
@pytest.mark.parametrize("training", [True, False])
def test_module_forward_backward_with_torch_weights(torch, spec, shape, training):
    theirs = build(torch, spec).train(training)
    ours = build(nt, spec).train(training)
    state = {k: nt.from_numpy(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    ours.load_state_dict(state)
    rng = np.random.default_rng(0)
    if shape == "index":
        arrays = [rng.integers(0, 7, (3, 4))]
    elif shape is None:
        arrays = [rng.standard_normal((3, 6)).astype(np.float32) for _ in range(2)]
    else:
        arrays = [rng.standard_normal(shape).astype(np.float32)]
    floating = [a.dtype.kind == "f" for a in arrays]
    t_in = [torch.from_numpy(a.copy()).requires_grad_(f) for a, f in zip(arrays, floating)]
    n_in = [nt.from_numpy(a.copy()).requires_grad_(f) for a, f in zip(arrays, floating)]
    t_out, n_out = theirs(*t_in), ours(*n_in)
    np.testing.assert_allclose(to_numpy(n_out), to_numpy(t_out), rtol=1e-5, atol=1e-5)
    (t_out * t_out).sum().backward()
    (n_out * n_out).sum().backward()
    for (name, p_ours), (_, p_theirs) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(
            p_ours.grad.numpy(), p_theirs.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name
        )
    for a, b in zip(n_in, t_in):
        if b.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (name, b_ours), (_, b_theirs) in zip(ours.named_buffers(), theirs.named_buffers()):
        np.testing.assert_allclose(b_ours.numpy(), b_theirs.numpy(), rtol=1e-5, err_msg=name)


def test_batchnorm_running_stats_over_steps(torch):
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((8, 3, 4, 4)).astype(np.float32) * 2 + 1 for _ in range(3)]
    for momentum in (0.1, None):
        theirs = torch.nn.BatchNorm2d(3, momentum=momentum)
        ours = nn.BatchNorm2d(3, momentum=momentum)
        for b in batches:
            theirs(torch.from_numpy(b))
            ours(nt.from_numpy(b))
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-5)
        theirs.eval()
        ours.eval()
        np.testing.assert_allclose(
            ours(nt.from_numpy(batches[0])).detach().numpy(),
            theirs(torch.from_numpy(batches[0])).detach().numpy(),
            rtol=1e-5,
            atol=1e-6,
        )


def test_batchnorm_errors(torch):
    for lib in (nt, torch):
        with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
            lib.nn.BatchNorm2d(3)(lib.zeros(2, 3, 4))
        with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
            lib.nn.BatchNorm1d(3)(lib.zeros(2, 3, 4, 4))
        with pytest.raises(ValueError) as info:
            lib.nn.BatchNorm1d(3)(lib.zeros(1, 3))
        assert str(info.value) == (
            "Expected more than 1 value per channel when training, got input size "
            "torch.Size([1, 3])"
        )


def test_dropout_module_train_and_eval(torch):
    x = np.random.default_rng(0).standard_normal((16, 16)).astype(np.float32)
    torch.manual_seed(4)
    t_mod = torch.nn.Dropout(0.3)
    expected = t_mod(torch.from_numpy(x))
    nt.manual_seed(4)
    n_mod = nn.Dropout(0.3)
    np.testing.assert_array_equal(n_mod(nt.from_numpy(x)).numpy(), expected.numpy())
    n_mod.eval()
    inp = nt.from_numpy(x)
    assert n_mod(inp) is inp
    with pytest.raises(
        ValueError, match="dropout probability has to be between 0 and 1, but got 2"
    ):
        nn.Dropout(2)


def test_embedding_module(torch):
    torch.manual_seed(0)
    theirs = torch.nn.Embedding.from_pretrained(torch.randn(5, 3), freeze=False, padding_idx=1)
    ours = nn.Embedding.from_pretrained(nt.from_numpy(theirs.weight.detach().numpy().copy()),
                                        freeze=False, padding_idx=1)  # fmt: skip
    assert repr(ours) == repr(theirs)
    idx = np.array([[1, 2], [4, 1]])
    t_out, n_out = theirs(torch.from_numpy(idx)), ours(nt.from_numpy(idx))
    t_out.sum().backward()
    n_out.sum().backward()
    np.testing.assert_array_equal(n_out.detach().numpy(), t_out.detach().numpy())
    np.testing.assert_array_equal(ours.weight.grad.numpy(), theirs.weight.grad.numpy())
    frozen = nn.Embedding.from_pretrained(nt.ones(2, 2))
    assert not frozen.weight.requires_grad


# --- containers -----------------------------------------------------------------------------------------------
def test_sequential_behaviour(torch):
    for lib in (nt, torch):
        nn_ = lib.nn
        seq = nn_.Sequential(nn_.Linear(2, 3), nn_.ReLU(), nn_.Linear(3, 1))
        assert len(seq) == 3 and isinstance(seq[-1], nn_.Linear)
        sliced = seq[1:]
        assert type(sliced) is nn_.Sequential and list(sliced._modules) == ["1", "2"]
        seq.append(nn_.Sigmoid())
        seq.insert(0, nn_.Identity())
        assert [type(m).__name__ for m in seq] == [
            "Identity", "Linear", "ReLU", "Linear", "Sigmoid"
        ]  # fmt: skip
        del seq[1]
        assert list(seq._modules) == ["0", "1", "2", "3"]
        popped = seq.pop(0)
        assert type(popped).__name__ == "Identity"
        seq[0] = nn_.Tanh()
        combined = seq + nn_.Sequential(nn_.ReLU())
        assert len(combined) == 4
        assert len(seq * 2) == 6
        seq.extend([nn_.ReLU()])
        assert len(seq) == 4
        with pytest.raises(IndexError, match="index 10 is out of range"):
            seq[10]
    n_seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    t_seq = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
    ours = {k for k in dir(n_seq) if not k.startswith("_")}
    theirs = {k for k in dir(t_seq) if not k.startswith("_")}
    assert ours <= theirs  # no invented public API
    assert {"append", "state_dict", "named_parameters", "register_forward_hook"} <= ours
    assert "0" not in dir(n_seq)


def test_module_list_and_dict(torch):
    for lib in (nt, torch):
        nn_ = lib.nn
        layers = nn_.ModuleList([nn_.Linear(1, 1) for _ in range(3)])
        layers.append(nn_.ReLU())
        layers.extend([nn_.Tanh()])
        layers.insert(1, nn_.Sigmoid())
        assert [type(m).__name__ for m in layers] == [
            "Linear", "Sigmoid", "Linear", "Linear", "ReLU", "Tanh"
        ]  # fmt: skip
        assert len(layers[1:3]) == 2
        del layers[0]
        assert list(layers._modules) == [str(i) for i in range(5)]
        assert len(list(layers.parameters())) == 4
        with pytest.raises(NotImplementedError) as info:
            layers(1)
        assert str(info.value) == 'Module [ModuleList] is missing the required "forward" function'
        d = nn_.ModuleDict({"a": nn_.Linear(1, 2)})
        d["b"] = nn_.ReLU()
        d.update([("c", nn_.Tanh())])
        assert list(d.keys()) == ["a", "b", "c"] and "b" in d and len(d) == 3
        assert type(d.pop("b")).__name__ == "ReLU"
        with pytest.raises(TypeError):
            d.update(3)


def test_parameter_list_and_dict(torch):
    for lib in (nt, torch):
        nn_ = lib.nn
        plist = nn_.ParameterList([lib.zeros(2), nn_.Parameter(lib.ones(3))])
        plist.append(lib.zeros(1))
        assert all(isinstance(p, nn_.Parameter) for p in plist)
        assert [n for n, _ in plist.named_parameters()] == ["0", "1", "2"]
        with pytest.raises(RuntimeError, match="ParameterList should not be called."):
            plist()
        pdict = nn_.ParameterDict({"b": lib.zeros(1), "a": lib.zeros(2)})
        assert list(pdict.keys()) == ["a", "b"]  # a plain dict is sorted, as in PyTorch
        pdict["c"] = lib.zeros(3)
        assert isinstance(pdict["c"], nn_.Parameter) and "c" in pdict
        assert pdict.pop("a").shape == (2,)
        with pytest.raises(TypeError):
            pdict[1] = lib.zeros(1)


# --- Module machinery ---------------------------------------------------------------------------------------------
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.register_buffer("steps", nt.zeros(1))
        self.register_buffer("scratch", nt.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc(x)


def test_registration_and_traversal():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["fc.weight", "fc.bias"]
    assert [n for n, _ in net.named_buffers()] == ["steps", "scratch"]
    assert list(net.state_dict()) == ["steps", "fc.weight", "fc.bias"]
    assert [n for n, _ in net.named_children()] == ["fc"]
    assert [n for n, _ in net.named_modules()] == ["", "fc"]
    shared = nn.Linear(1, 1)
    seq = nn.Sequential(shared, shared)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
    assert len(list(seq.named_modules(remove_duplicate=False))) == 3
    assert [n for n, _ in net.named_parameters(prefix="model")] == ["model.fc.weight",
                                                                     "model.fc.bias"]  # fmt: skip
    assert list(net.parameters(recurse=False)) == []
    net.extra = nn.Parameter(nt.zeros(1))
    assert "extra" in net._parameters and "extra" in dir(net)
    del net.extra
    assert "extra" not in net._parameters
    net.fc = None
    assert net.fc is None and list(net.parameters()) == []


def test_attribute_errors_match_torch(torch):
    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(3, 2)

    for net in (Net(), TorchNet()):
        name = type(net).__name__
        with pytest.raises(AttributeError) as info:
            _ = net.missing
        assert str(info.value) == f"'{name}' object has no attribute 'missing'"
        with pytest.raises(TypeError) as info:
            net.fc.weight = 3
        assert str(info.value) == (
            "cannot assign 'int' as parameter 'weight' (torch.nn.Parameter or None expected)"
        )
        with pytest.raises(TypeError) as info:
            net.fc.weight = type(net.fc.weight.data)(net.fc.weight.data)
        assert "as parameter 'weight' (torch.nn.Parameter or None expected)" in str(info.value)
        with pytest.raises(TypeError) as info:
            net.fc = 3
        assert str(info.value) == (
            "cannot assign 'int' as child module 'fc' (torch.nn.Module or None expected)"
        )
        with pytest.raises(KeyError):
            net.register_buffer("a.b", None)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(nt.zeros(1))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__"):
        Early()


def test_state_dict_round_trip_and_errors(torch):
    net = Net()
    other = Net()
    result = other.load_state_dict(net.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    np.testing.assert_array_equal(other.fc.weight.detach().numpy(), net.fc.weight.detach().numpy())
    bad = {k: v for k, v in net.state_dict().items() if k != "fc.bias"}
    bad["fc.weight"] = nt.zeros(5, 3)
    bad["extra"] = nt.zeros(1)
    messages = []
    for model in (Net(), None):
        if model is None:

            class Net_(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = torch.nn.Linear(3, 2)
                    self.register_buffer("steps", torch.zeros(1))

            Net_.__name__ = "Net"
            model = Net_()
            state = {k: torch.from_numpy(v.numpy()) for k, v in bad.items()}
        else:
            state = bad
        with pytest.raises(RuntimeError) as info:
            model.load_state_dict(state)
        messages.append(str(info.value))
        keys = model.load_state_dict(
            {k: v for k, v in state.items() if k != "fc.weight"}, strict=False
        )
        assert keys.missing_keys == ["fc.weight", "fc.bias"]
        assert keys.unexpected_keys == ["extra"]
    assert messages[0] == messages[1]
    assert messages[0].startswith("Error(s) in loading state_dict for Net:\n\tMissing key(s)")
    assert (
        "size mismatch for fc.weight: copying a param with shape torch.Size([5, 3])"
        in (messages[0])
    )
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        net.load_state_dict([1])


def test_load_state_dict_strict_false_reports_keys(torch):
    net = Net()
    keys = net.load_state_dict({"fc.weight": nt.zeros(2, 3), "bogus": nt.zeros(1)}, strict=False)
    assert keys.missing_keys == ["steps", "fc.bias"] and keys.unexpected_keys == ["bogus"]
    theirs = torch.nn.Linear(3, 2).load_state_dict({"weight": torch.zeros(2, 3)}, strict=False)
    ours = nn.Linear(3, 2).load_state_dict({"weight": nt.zeros(2, 3)}, strict=False)
    assert repr(ours) == repr(theirs)
    net.load_state_dict({"fc.weight": nt.ones(2, 3), "fc.bias": nt.ones(2), "steps": nt.ones(1)},
                        assign=True)  # fmt: skip
    assert isinstance(net.fc.weight, nn.Parameter) and net.fc.weight.requires_grad


def test_train_eval_requires_grad_zero_grad():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    assert model.training and model[1].training
    model.eval()
    assert not model.training and not model[1].training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        model.train("yes")
    model.train()
    model(nt.ones(3, 2)).sum().backward()
    assert model[0].weight.grad is not None
    model.zero_grad(set_to_none=False)
    assert float(model[0].weight.grad.abs().sum()) == 0.0
    model.zero_grad()
    assert model[0].weight.grad is None
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_to_float_double_apply(torch):
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    params = list(model.parameters())
    model.double()
    assert all(p.dtype == nt.float64 for p in model.parameters())
    assert params[0] is model[0].weight  # same Parameter objects after conversion
    assert model[1].num_batches_tracked.dtype == nt.int64
    model.to(nt.float32)
    assert model[0].weight.dtype == nt.float32
    model.to("cpu", nt.float16).float()
    assert model[1].running_mean.dtype == nt.float32
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point or complex"):
        model.to(nt.int64)
    seen = []
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "BatchNorm1d", "Sequential"]
    assert model.cpu() is model


def test_forward_hooks_match_torch_order(torch):
    for lib in (nt, torch):
        calls: list = []
        layer = lib.nn.Linear(2, 2)
        h1 = layer.register_forward_pre_hook(lambda m, args, calls=calls: calls.append("pre"))
        h2 = layer.register_forward_hook(lambda m, args, out, calls=calls: calls.append("post"))
        layer.register_forward_pre_hook(
            lambda m, args, calls=calls: calls.append("first"), prepend=True
        )
        layer.register_forward_hook(
            lambda m, args, kwargs, out: out * 0, with_kwargs=True
        )  # replaces the output
        out = layer(lib.ones(1, 2))
        assert calls == ["first", "pre", "post"]
        assert float(out.abs().sum()) == 0.0
        h1.remove()
        h2.remove()
        calls.clear()
        layer(lib.ones(1, 2))
        assert calls == ["first"]

        def double_input(module, args, kwargs):
            return (args[0] * 2,), kwargs

        ident = lib.nn.Identity()
        ident.register_forward_pre_hook(double_input, with_kwargs=True)
        assert float(ident(lib.ones(1)).sum()) == 2.0


def test_full_backward_hooks(torch):
    records = {}
    for lib in (nt, torch):
        lib.manual_seed(0)
        layer = lib.nn.Linear(3, 2)
        seen: list = []
        layer.register_full_backward_pre_hook(
            lambda m, go, seen=seen: seen.append(("pre", go[0].shape))
        )
        layer.register_full_backward_hook(
            lambda m, gi, go, seen=seen: seen.append(("post", gi[0].shape, go[0].shape))
        )
        x = lib.ones(4, 3, requires_grad=True)
        layer(x).sum().backward()
        records[lib.__name__] = (
            [tuple(str(s) for s in entry) for entry in seen],
            x.grad.numpy().copy(),
        )

        layer2 = lib.nn.Linear(3, 2)
        layer2.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0,))
        x2 = lib.ones(2, 3, requires_grad=True)
        layer2(x2).sum().backward()
        assert float(x2.grad.abs().sum()) == 0.0
    assert records["numtorch"][0] == records["torch"][0]
    np.testing.assert_allclose(records["numtorch"][1], records["torch"][1], rtol=1e-6)


def test_pickle_and_deepcopy():
    import copy
    import pickle

    net = Net()
    clone = pickle.loads(pickle.dumps(net))
    assert repr(clone) == repr(net) and type(clone.fc.weight) is nn.Parameter
    np.testing.assert_array_equal(clone.fc.weight.detach().numpy(), net.fc.weight.detach().numpy())
    assert clone.fc.weight.requires_grad
    twin = copy.deepcopy(net)
    assert twin.fc.weight is not net.fc.weight
    np.testing.assert_array_equal(twin.fc.weight.detach().numpy(), net.fc.weight.detach().numpy())
    assert list(twin.state_dict()) == list(net.state_dict())


def test_parameter_and_buffer(torch):
    p = nn.Parameter(nt.tensor([1.0, 2.0]))
    tp = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    assert repr(p) == repr(tp)
    assert p.requires_grad and p.is_leaf and isinstance(p, nt.Tensor)
    assert type(p * 2) is nt.Tensor
    assert repr(nn.Parameter(nt.zeros(2), requires_grad=False)) == repr(
        torch.nn.Parameter(torch.zeros(2), requires_grad=False)
    )
    net = nn.Module()
    net.buf = nn.Buffer(nt.ones(2), persistent=False)
    assert "buf" in net._buffers and "buf" in net._non_persistent_buffers_set
    assert list(net.state_dict()) == []


def test_clip_grad_and_vector_utils(torch):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s).astype(np.float32) for s in ((3, 4), (4,))]
    for norm_type in (2.0, 1.0, float("inf")):
        results = []
        for lib in (nt, torch):
            params = [lib.nn.Parameter(lib.zeros(g.shape)) for g in grads]
            for p, g in zip(params, grads):
                p.grad = lib.from_numpy(g.copy())
            total = lib.nn.utils.clip_grad_norm_(params, 1.0, norm_type=norm_type)
            results.append((float(total), [p.grad.numpy().copy() for p in params]))
        assert results[0][0] == pytest.approx(results[1][0], rel=1e-6)
        for a, b in zip(results[0][1], results[1][1]):
            np.testing.assert_allclose(a, b, rtol=1e-6)
    params = [nn.Parameter(nt.zeros(2))]
    params[0].grad = nt.tensor([-3.0, 0.5])
    nn.utils.clip_grad_value_(params, 1.0)
    assert params[0].grad.tolist() == [-1.0, 0.5]
    model = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(model.parameters())
    assert vec.shape == (8,)
    nn.utils.vector_to_parameters(nt.arange(8.0), model.parameters())
    assert model.bias.tolist() == [6.0, 7.0]


def test_parameter_errors_match_torch(torch):
    from op_harness import check_error

    check_error(lambda x: torch.nn.Parameter(x), lambda x: nn.Parameter(x),
                inputs=(np.array([1, 2]),))  # fmt: skip
    check_error(lambda: torch.nn.Parameter(3), lambda: nn.Parameter(3))
