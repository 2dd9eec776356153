"""From valuegrad to PyTorch and back: the same network, the same numbers."""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterator

import pytest

import nn
from autograd import Value
from nn import cases

pytestmark = pytest.mark.torch
torch = pytest.importorskip(
    "torch", reason="PyTorch is optional: pip install valuegrad[torch] (CI installs it)"
)

ACTIVATIONS = ["relu", "leaky_relu", "tanh", "sigmoid", "swish", "linear"]


def rows(n: int, width: int, seed: int) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(-2.0, 2.0) for _ in range(width)] for _ in range(n)]


def close(a: float, b: float, rel: float = 1e-12) -> bool:
    """Equal to ``rel`` relative, or to 1e-15 absolute for numbers near 0 (a gradient summed
    from parts that nearly cancel)."""
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), 1e-15)


@pytest.mark.parametrize(
    "model",
    [cases.moons_model(1337), nn.MLP(64, [12, 10], activation="relu", init="he", seed=0)],
    ids=["moons", "digits"],
)
def test_outputs_and_gradients_equal_pytorchs_on_random_inputs(model: nn.MLP) -> None:
    theirs = model.to_torch()
    assert all(p.dtype == torch.float64 for p in theirs.parameters())
    width = len(model.layers[0].neurons[0].w)
    X = rows(5, width, seed=width)
    outputs = theirs(torch.tensor(X, dtype=torch.float64))
    for x, row in zip(X, outputs.tolist(), strict=True):
        assert all(close(a.data, b) for a, b in zip(model(x), row, strict=True))
    # one backward pass of the same loss on both
    model.zero_grad()
    loss = nn.mse([model(x)[0] for x in X], [0.5] * len(X))
    loss.backward()
    torch.nn.functional.mse_loss(
        outputs[:, 0], torch.full((len(X),), 0.5, dtype=torch.float64)
    ).backward()
    grads = {name: p.grad for name, p in theirs.named_parameters()}
    for ours, name in model.torch_names().items():
        key, index = name.split("[")
        entry = grads[key][tuple(int(i) for i in index.rstrip("]").split(", "))].item()
        assert close(dict(model.named_parameters())[ours].grad, entry, 1e-11), ours


def test_training_here_then_in_pytorch_matches_training_here_throughout() -> None:
    X, labels = nn.datasets.moons(40, noise=0.1, seed=5)
    y = [float(label) for label in labels]

    def loss_of(model: nn.MLP) -> Value:
        return nn.binary_cross_entropy([model(x)[0] for x in X], y)

    here = nn.MLP(2, [8, 1], activation="tanh", init="xavier", seed=3)
    optimizer = nn.SGD(here.parameters(), lr=0.3)
    for _ in range(20):
        optimizer.zero_grad()
        loss_of(here).backward()
        optimizer.step()
    moved = here.to_torch()
    for _ in range(20):  # 20 more steps here...
        optimizer.zero_grad()
        loss_of(here).backward()
        optimizer.step()
    theirs = torch.optim.SGD(moved.parameters(), lr=0.3)  # ...and 20 in PyTorch
    inputs, targets = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    for _ in range(20):
        theirs.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(
            moved(inputs)[:, 0], targets
        ).backward()
        theirs.step()
    back = nn.MLP.from_torch(moved)
    for a, b in zip(back.parameters(), here.parameters(), strict=True):
        assert close(a.data, b.data, 1e-10)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_round_trips_bitwise(activation: str) -> None:
    model = nn.MLP(3, [4, 2], activation=activation, output_activation=activation, seed=1)
    theirs = model.to_torch()
    back = nn.MLP.from_torch(theirs)
    assert back.state_dict() == model.state_dict()
    assert repr(back) == repr(model)
    assert [n.activation for layer in back.layers for n in layer.neurons] == [activation] * 6
    x = [0.3, -1.2, 0.8]
    expected = theirs(torch.tensor(x, dtype=torch.float64)).tolist()
    assert all(close(a.data, b) for a, b in zip(back(x), expected, strict=True))


def test_dropout_and_the_train_mode_cross_over() -> None:
    model = nn.MLP(2, [4, 4, 1], dropout=0.25, seed=0).eval()
    theirs = model.to_torch()
    assert [type(m).__name__ for m in theirs] == [
        "Linear",
        "ReLU",
        "Dropout",
        "Linear",
        "ReLU",
        "Dropout",
        "Linear",
        "Identity",
    ]
    assert not theirs.training
    back = nn.MLP.from_torch(theirs)
    assert back._dropouts[0].p == 0.25
    assert not back.training


def test_layers_and_neurons_move_too() -> None:
    neuron = nn.Neuron(3, "sigmoid", seed=2)
    assert [type(m).__name__ for m in neuron.to_torch()] == ["Linear", "Sigmoid"]
    layer = nn.Layer(3, 2, "tanh", seed=2)
    x = [0.1, 0.2, 0.3]
    expected = layer.to_torch()(torch.tensor(x, dtype=torch.float64)).tolist()
    assert all(close(a.data, b) for a, b in zip(layer(x), expected, strict=True))
    assert neuron.torch_names() == {
        "w0": "0.weight[0, 0]",
        "w1": "0.weight[0, 1]",
        "w2": "0.weight[0, 2]",
        "b": "0.bias[0]",
    }


def test_state_dicts_map_names_and_validate_like_load_state_dict() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    state = model.torch_state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(torch.equal(state[k], v) for k, v in model.to_torch().state_dict().items())
    assert model.torch_names()["layers.1.neurons.0.w2"] == "2.weight[0, 2]"
    other = nn.MLP(2, [3, 1], seed=9)
    other.load_torch_state_dict(state)
    assert other.state_dict() == model.state_dict()
    before = other.state_dict()
    bad_shape = {**state, "2.weight": torch.zeros(1, 4, dtype=torch.float64)}
    nan = {**state, "0.bias": torch.tensor([0.0, float("nan"), 0.0], dtype=torch.float64)}
    for bad, error, message in [
        (bad_shape, ValueError, r"2\.weight has shape \(1, 4\), the model's is \(1, 3\)"),
        (nan, ValueError, "0.bias holds a NaN"),
        ({k: v for k, v in state.items() if k != "2.bias"}, ValueError, "missing 2.bias"),
        ({**state, "0.bias": torch.tensor([1, 2, 3])}, TypeError, "floating-point tensor"),
    ]:
        with pytest.raises(error, match=message):
            other.load_torch_state_dict(bad)
        assert other.state_dict() == before  # nothing half-loaded


def test_a_float32_model_is_taken_exactly_in_float64() -> None:
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    assert theirs[0].weight.dtype == torch.float32
    ours = nn.MLP.from_torch(theirs)
    assert ours.layers[0].neurons[1].w[0].data == theirs[0].weight[1, 0].item()
    assert ours.to_torch()[0].weight.dtype == torch.float64


@pytest.mark.parametrize(
    ("module", "message"),
    [
        (
            lambda: torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3)),
            r"layer 0 \(Conv2d\) is not supported",
        ),
        (
            lambda: torch.nn.Sequential(
                torch.nn.Linear(2, 3), torch.nn.Sequential(torch.nn.BatchNorm1d(3), torch.nn.ReLU())
            ),
            r"layer 1\.0 \(BatchNorm1d\) is not supported",
        ),
        (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3, bias=False)), "has no bias"),
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.LeakyReLU(0.2)),
            r"LeakyReLU\(0.2\)",
        ),
        (
            lambda: torch.nn.Sequential(
                torch.nn.Linear(2, 3),
                torch.nn.ReLU(),
                torch.nn.Linear(3, 3),
                torch.nn.Tanh(),
                torch.nn.Linear(3, 1),
            ),
            "activations differ",
        ),
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)),
            "feeds one of 4 inputs",
        ),
        (lambda: torch.nn.Sequential(torch.nn.ReLU()), r"layer 0 \(ReLU\) is not supported"),
    ],
)
def test_what_an_mlp_cannot_hold_is_refused_naming_the_layer(module, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        nn.MLP.from_torch(module())


def test_nested_sequentials_of_supported_layers_are_read_through() -> None:
    theirs = torch.nn.Sequential(
        torch.nn.Sequential(torch.nn.Linear(2, 3, dtype=torch.float64), torch.nn.Tanh()),
        torch.nn.Linear(3, 1, dtype=torch.float64),
    )
    ours = nn.MLP.from_torch(theirs)
    assert repr(ours) == "MLP(2-3-1, 13 parameters)"
    assert close(
        ours([0.5, 0.5])[0].data, theirs(torch.tensor([0.5, 0.5], dtype=torch.float64)).item()
    )


def test_without_torch_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # as if it were not installed
    with pytest.raises(ModuleNotFoundError, match=r"pip install valuegrad\[torch\]"):
        nn.MLP(2, [1], seed=0).to_torch()


def test_the_rest_of_the_project_never_imports_torch() -> None:
    code = "import sys, autograd, nn, nn.bridge, nn.cases; print('torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# A model is mapped by its parameters' names and its structure, never by position


class Tempered(nn.MLP):
    """An MLP with one more parameter, which PyTorch's Sequential has no place for."""

    def __init__(self, *args: object, first: bool = False, **kwargs: object) -> None:
        if first:  # set before the layers: named first
            self.temperature = Value(2.0)
        super().__init__(*args, **kwargs)
        if not first:
            self.temperature = Value(2.0)


@pytest.mark.parametrize("first", [False, True], ids=["after the layers", "before the layers"])
def test_a_parameter_without_a_pytorch_counterpart_is_refused_by_every_bridge_method(
    first: bool,
) -> None:
    model = Tempered(2, [3, 1], seed=0, first=first)
    assert "temperature" in dict(model.named_parameters())
    state = nn.MLP(2, [3, 1], seed=5).torch_state_dict()
    before = model.state_dict()
    message = r"Tempered's parameter temperature has no PyTorch counterpart"
    for call in (
        model.to_torch,
        model.torch_state_dict,
        model.torch_names,
        lambda: model.load_torch_state_dict(state),
    ):
        with pytest.raises(ValueError, match=message):
            call()
    assert model.state_dict() == before  # nothing half-loaded


class Annotated(nn.MLP):
    """An MLP subclass whose extra attributes hold no parameters: it maps as an MLP does."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.note = "set before the layers"
        self.scale = 2.0
        super().__init__(*args, **kwargs)
        self.history: list[float] = []


def test_a_subclass_without_extra_parameters_maps_by_name_like_its_base() -> None:
    model = Annotated(2, [3, 2], activation="tanh", seed=4)
    plain = nn.MLP(2, [3, 2], activation="tanh", seed=4)
    assert model.torch_names() == plain.torch_names()
    assert all(
        torch.equal(a, b)
        for a, b in zip(
            model.torch_state_dict().values(), plain.torch_state_dict().values(), strict=True
        )
    )
    other = Annotated(2, [3, 2], activation="tanh", seed=9)
    other.load_torch_state_dict(model.to_torch().state_dict())
    assert other.state_dict() == model.state_dict()


class BiasFirst(nn.Neuron):
    """A neuron that lists its bias first: the same parameters, in another order."""

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        yield f"{prefix}b", self.b
        for i, w in enumerate(self.w):
            yield f"{prefix}w{i}", w


def test_each_name_maps_to_the_parameter_it_names_whatever_the_order() -> None:
    neuron = BiasFirst(2, seed=1)
    neuron.b.data = 0.5
    assert [name for name, _ in neuron.named_parameters()] == ["b", "w0", "w1"]
    assert neuron.torch_names() == {
        "b": "0.bias[0]",
        "w0": "0.weight[0, 0]",
        "w1": "0.weight[0, 1]",
    }
    state = neuron.torch_state_dict()
    assert state["0.bias"].tolist() == [0.5]
    assert state["0.weight"].tolist() == [[neuron.w[0].data, neuron.w[1].data]]
    other = BiasFirst(2, seed=7)
    other.load_torch_state_dict(state)
    assert other.state_dict() == neuron.state_dict()


def test_a_shared_parameter_is_refused_because_pytorch_would_hold_two_copies() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[1].w[0] = model.layers[0].neurons[0].w[0]
    with pytest.raises(
        ValueError, match=r"layers\.0\.neurons\.0\.w0 is also layers\.0\.neurons\.1\.w0"
    ):
        model.to_torch()


class Doubled(nn.MLP):
    def forward(self, x: list[float]) -> list[Value]:
        return [2 * out for out in super().forward(x)]


def test_a_model_that_computes_something_else_is_refused() -> None:
    with pytest.raises(ValueError, match=r"to_torch: Doubled overrides forward"):
        Doubled(2, [1], seed=0).to_torch()
    model = nn.MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[1].activation = "tanh"  # the name changed, not the function
    with pytest.raises(ValueError, match=r"layers\.0\.neurons\.1 computes relu but says 'tanh'"):
        model.torch_names()
    mixed = nn.MLP(2, [3, 1], seed=0)
    mixed.layers[0].neurons[2] = nn.Neuron(2, "sigmoid", seed=0)
    with pytest.raises(ValueError, match=r"layers\.0's neurons differ in activation"):
        mixed.torch_state_dict()
    wrong_width = nn.MLP(2, [3, 1], seed=0)
    wrong_width.layers[1] = nn.Layer(4, 1, seed=0)
    with pytest.raises(ValueError, match=r"layers\.1 reads 4 inputs, but layers\.0 gives 3"):
        wrong_width.to_torch()


# PyTorch's modules are recognised by type, never by name


def test_a_look_alike_activation_is_refused_naming_the_layer() -> None:
    class ReLU(torch.nn.Module):  # named like PyTorch's, computes something else
        def forward(self, x: object) -> object:
            return 2 * x

    module = torch.nn.Sequential(torch.nn.Linear(2, 3), ReLU(), torch.nn.Linear(3, 1))
    with pytest.raises(ValueError, match=r"layer 1 \(.*test_bridge.*ReLU\) is not supported"):
        nn.MLP.from_torch(module)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: type("Scaled", (torch.nn.Linear,), {"forward": lambda self, x: 3 * x}),
            r"layer 0 \(.*Scaled\) overrides Linear's forward",
        ),
        (
            lambda: type("Bent", (torch.nn.ReLU,), {"forward": lambda self, x: x}),
            r"layer 1 \(.*Bent\) overrides ReLU's forward",
        ),
    ],
)
def test_a_subclass_that_overrides_forward_is_refused_naming_the_layer(make, message: str) -> None:
    cls = make()
    if issubclass(cls, torch.nn.Linear):
        module = torch.nn.Sequential(cls(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    else:
        module = torch.nn.Sequential(torch.nn.Linear(2, 3), cls(), torch.nn.Linear(3, 1))
    with pytest.raises(ValueError, match=message):
        nn.MLP.from_torch(module)


def test_a_subclass_that_keeps_forward_is_read_as_its_base() -> None:
    class Squash(torch.nn.Tanh):
        """Only a new name: it computes tanh."""

    module = torch.nn.Sequential(torch.nn.Linear(2, 3, dtype=torch.float64), Squash())
    ours = nn.MLP.from_torch(module)
    assert ours.layers[0].neurons[0].activation == "tanh"
    x = [0.4, -0.7]
    expected = module(torch.tensor(x, dtype=torch.float64)).tolist()
    assert all(close(a.data, b) for a, b in zip(ours(x), expected, strict=True))


def test_a_sequential_that_computes_something_else_is_not_read_through() -> None:
    class Skipping(torch.nn.Sequential):
        def forward(self, x: object) -> object:
            return x

    module = torch.nn.Sequential(torch.nn.Linear(2, 2), Skipping(torch.nn.Linear(2, 2)))
    with pytest.raises(ValueError, match=r"layer 1 \(.*Skipping\) overrides Sequential's forward"):
        nn.MLP.from_torch(module)


def test_a_module_with_a_forward_hook_is_refused_naming_the_layer() -> None:
    module = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    module[2].register_forward_hook(lambda mod, args, out: out * 2)
    with pytest.raises(ValueError, match=r"layer 2 \(Linear\) has a forward hook"):
        nn.MLP.from_torch(module)
    module = torch.nn.Sequential(torch.nn.Linear(2, 1))
    module.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    with pytest.raises(ValueError, match=r"the Sequential has a forward hook"):
        nn.MLP.from_torch(module)
