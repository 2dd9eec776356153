"""Module housekeeping: parameter order and names, zero_grad, train/eval, state and files."""

from __future__ import annotations

import copy
import errno
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nn
from autograd import Value


def test_parameters_go_layer_by_layer_neuron_by_neuron_weights_then_bias() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == [
        "layers.0.neurons.0.w0",
        "layers.0.neurons.0.w1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w0",
    ]
    assert names[-4:] == [
        "layers.1.neurons.0.w0",
        "layers.1.neurons.0.w1",
        "layers.1.neurons.0.w2",
        "layers.1.neurons.0.b",
    ]
    assert len(names) == len(set(names)) == 3 * 3 + 4
    assert model.parameters() == [p for _, p in model.named_parameters()]


def test_zero_grad_clears_every_parameter() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    model([1.0, 2.0])[0].backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_train_and_eval_reach_every_dropout() -> None:
    model = nn.MLP(4, [8, 8, 1], dropout=0.5, seed=0)
    assert model.eval() is model
    assert not model.training
    assert all(not d.training for d in model._dropouts)
    model.train()
    assert all(d.training for d in model._dropouts)


def test_eval_reaches_a_module_added_to_a_list_after_a_first_eval_and_in_a_nested_list() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    model.eval()  # the lists now remember which of their items can hold modules
    added, nested = nn.Dropout(0.5), nn.Dropout(0.5)
    model.layers.append(added)
    model.extra = [[Value(1.0)], (Value(2.0),)]
    model.eval()
    assert not added.training
    model.extra[0].append(nested)  # a plain list inside the module's list: not remembered
    model.extra[0][0] = Value(3.0)
    model.train()
    assert added.training
    assert nested.training
    model.layers[-1] = nn.Dropout(0.5)
    model.layers[-1].training = True
    model.eval()
    assert not model.layers[-1].training


def test_state_dict_round_trips_through_a_json_file(tmp_path: Path) -> None:
    model = nn.MLP(2, [3, 1], seed=1)
    path = model.save(tmp_path / "model.json")
    document = json.loads(path.read_text())
    assert document["format"] == "valuegrad-module"
    assert document["module"] == "MLP"
    other = nn.MLP(2, [3, 1], seed=2)
    assert other.state_dict() != model.state_dict()
    assert other.load(path) is other
    assert other.state_dict() == model.state_dict()
    x = [0.3, -0.7]
    assert other(x)[0].data == model(x)[0].data


def _unchanged_after(model: nn.MLP, error: type[Exception], message: str, load) -> None:
    before = model.state_dict()
    with pytest.raises(error, match=message):
        load()
    assert model.state_dict() == before


def test_a_mismatched_state_raises_and_changes_nothing() -> None:
    model = nn.MLP(2, [3, 1], seed=1)
    state = model.state_dict()
    fewer = dict(list(state.items())[:-1])
    _unchanged_after(
        model, ValueError, "missing layers.1.neurons.0.b", lambda: model.load_state_dict(fewer)
    )
    extra = {**state, "layers.2.neurons.0.b": 0.0}
    _unchanged_after(model, ValueError, "unexpected layers.2", lambda: model.load_state_dict(extra))
    bad = {**dict.fromkeys(state, 9.0), "layers.1.neurons.0.b": "x"}
    _unchanged_after(
        model, TypeError, "b must be a real number, got str", lambda: model.load_state_dict(bad)
    )
    nan = {**dict.fromkeys(state, 9.0), "layers.1.neurons.0.b": float("nan")}
    _unchanged_after(
        model, ValueError, "b must be a finite number, got nan", lambda: model.load_state_dict(nan)
    )


def test_a_corrupt_or_foreign_file_raises_and_changes_nothing(tmp_path: Path) -> None:
    model = nn.MLP(2, [3, 1], seed=1)
    bigger = nn.MLP(2, [4, 1], seed=1).save(tmp_path / "bigger.json")
    _unchanged_after(model, ValueError, "missing|unexpected", lambda: model.load(bigger))
    truncated = tmp_path / "truncated.json"
    truncated.write_text(bigger.read_text()[:50])
    _unchanged_after(model, ValueError, "is not a saved module", lambda: model.load(truncated))
    other = tmp_path / "other.json"
    other.write_text('{"weights": [1, 2]}')
    _unchanged_after(model, ValueError, "no 'valuegrad-module' header", lambda: model.load(other))
    neuron = nn.Neuron(2, seed=0).save(tmp_path / "neuron.json")
    _unchanged_after(model, ValueError, "holds a Neuron, not a MLP", lambda: model.load(neuron))


def test_a_custom_module_finds_values_modules_and_lists() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            self.scale = Value(2.0)
            self.blocks = [nn.Neuron(1, "linear", seed=0), nn.Neuron(1, "linear", seed=1)]

        def forward(self, x: list[float]) -> Value:
            return self.scale * sum(block(x) for block in self.blocks)

    names = [name for name, _ in Net().named_parameters()]
    assert names == ["scale", "blocks.0.w0", "blocks.0.b", "blocks.1.w0", "blocks.1.b"]


def test_named_parameters_drive_the_graph_drawings_clusters() -> None:
    import autograd

    model = nn.MLP(2, [16, 16, 1], seed=0)
    (out,) = model([0.5, -0.2])
    full = autograd.to_dot(out, names=model.named_parameters())
    collapsed = autograd.to_dot(out, names=model.named_parameters(), collapse="neuron")
    assert 'subgraph "cluster_layers.1.neurons.15" {' in full
    # each neuron's weights, its linear node and its activation become one box
    assert full.count(" [label=") >= 10 * collapsed.count(" [label=")


# Saving never destroys the previous file; loading refuses every corrupt file the same way.


def test_save_writes_through_a_temporary_file_and_leaves_no_temporary_behind(
    tmp_path: Path,
) -> None:
    path = nn.MLP(2, [3, 1], seed=1).save(tmp_path / "model.json")
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]
    assert (
        nn.MLP(2, [3, 1], seed=2).load(path).state_dict() == nn.MLP(2, [3, 1], seed=1).state_dict()
    )


def test_a_write_interrupted_halfway_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = nn.MLP(2, [3, 1], seed=1).save(tmp_path / "model.json")
    good = path.read_bytes()
    real_write = os.write

    def write_half_then_interrupt(fd: int, data: bytes) -> int:
        real_write(fd, bytes(data)[: len(data) // 2])
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "write", write_half_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        nn.MLP(2, [3, 1], seed=2).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


FULL_DISK = """
import resource, sys
import nn
model = nn.MLP(8, [64, 64, 1], seed=2)
resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))  # files may not grow past 2 kB
try:
    model.save(sys.argv[1])
except OSError as error:
    print(type(error).__name__, error.errno)
"""


def test_a_full_disk_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = nn.MLP(2, [3, 1], seed=1).save(tmp_path / "model.json")
    good = path.read_bytes()
    # With RLIMIT_FSIZE the kernel refuses the write (EFBIG), as a full disk refuses it
    # (ENOSPC); SIGXFSZ would kill the process first, so the child ignores it.
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n" + FULL_DISK,
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.split() == ["OSError", str(errno.EFBIG)]
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_saving_a_non_finite_parameter_is_refused_naming_it_and_keeps_the_old_file(
    tmp_path: Path,
) -> None:
    model = nn.MLP(2, [3, 1], seed=1)
    path = model.save(tmp_path / "model.json")
    good = path.read_bytes()
    model.layers[1].neurons[0].b.data = -math.inf  # what a diverged optimizer leaves
    with pytest.raises(ValueError, match=r"save: layers\.1\.neurons\.0\.b is -inf"):
        model.save(path)
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_every_corrupt_file_is_a_value_error_naming_the_file(tmp_path: Path) -> None:
    model = nn.MLP(2, [3, 1], seed=1)
    good = json.loads(model.save(tmp_path / "good.json").read_text())
    name = "layers.0.neurons.0.w0"
    corrupt = {
        "deeply nested": '{"format": "valuegrad-module", "module": "MLP", "parameters": '
        + "[" * 100_000
        + "]" * 100_000
        + "}",
        "no parameters": json.dumps({"format": "valuegrad-module", "module": "MLP"}),
        "parameters not a mapping": json.dumps({**good, "parameters": [1, 2]}),
        "a string parameter": json.dumps({**good, "parameters": {**good["parameters"], name: "x"}}),
        "an integer too large for a float": json.dumps(good).replace(
            f'"{name}": {good["parameters"][name]!r}', f'"{name}": {10**400}'
        ),
        "NaN": json.dumps({**good, "parameters": {**good["parameters"], name: math.nan}}),
        "not UTF-8": '{"format": "\xff"}',
    }
    for problem, text in corrupt.items():
        path = tmp_path / "corrupt.json"
        path.write_bytes(text.encode("latin-1" if problem == "not UTF-8" else "utf-8"))
        before = model.state_dict()
        with pytest.raises(ValueError, match=re.escape(str(path))) as caught:
            model.load(path)
        assert model.state_dict() == before, problem
        if problem in ("a string parameter", "an integer too large for a float", "NaN"):
            assert name in str(caught.value), problem


def test_a_file_far_larger_than_the_model_is_refused_before_it_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = nn.MLP(2, [3, 1], seed=1)
    path = tmp_path / "huge.json"
    path.write_text('{"format": "valuegrad-module", "padding": "' + "x" * 5_000_000 + '"}')

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(json, "loads", never)
    with pytest.raises(ValueError, match=r"huge\.json is 5,000,\d+ bytes.*at most [\d,]+ bytes"):
        model.load(path)


def test_load_state_dict_accepts_numpy_numbers() -> None:
    model = nn.MLP(2, [3, 1], seed=1)
    state = {name: np.float64(0.25) for name in model.state_dict()}
    model.load_state_dict(state)
    assert set(model.state_dict().values()) == {0.25}
    assert all(type(v) is float for v in model.state_dict().values())


def test_deepcopy_of_a_model_is_an_independent_model() -> None:
    model = nn.MLP(2, [3, 1], seed=1)
    twin = copy.deepcopy(model)
    assert twin.state_dict() == model.state_dict()
    twin.layers[0].neurons[0].w[0].data = 99.0
    assert model.layers[0].neurons[0].w[0].data != 99.0
    assert twin([0.5, 0.5])[0].data != model([0.5, 0.5])[0].data


# Loading reads only a regular file, and never more than a saved model of its size can be


def _load_in_a_child(path: Path, seconds: float = 30.0) -> subprocess.CompletedProcess:
    """``MLP.load(path)`` in a child process with 1 GB of memory and ``seconds`` to finish,
    so that a load that reads forever or blocks cannot take the test run down with it."""
    code = f"""
import resource
resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
import nn
try:
    nn.MLP(2, [3, 1], seed=1).load({str(path)!r})
except ValueError as error:
    print("ValueError:", error)
"""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=seconds, check=False
    )


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_link_to_an_endless_device_is_refused_without_reading_it(tmp_path: Path) -> None:
    link = tmp_path / "model.json"
    link.symlink_to("/dev/zero")  # its size reads 0, and it never ends
    done = _load_in_a_child(link)
    assert done.stdout.strip() == (
        f"ValueError: load: {link} is not a regular file (a character device)"
    ), done.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")
def test_a_fifo_is_refused_at_once_instead_of_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    done = _load_in_a_child(fifo, seconds=20.0)
    assert done.stdout.strip() == f"ValueError: load: {fifo} is not a regular file (a FIFO)"


def test_a_folder_is_refused_as_not_a_saved_module(tmp_path: Path) -> None:
    model = nn.MLP(2, [3, 1], seed=1)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"load: .* is not a regular file \(a folder\)"):
        model.load(tmp_path)
    assert model.state_dict() == before


def test_the_read_itself_is_bounded_when_the_size_reads_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/proc's files are regular files whose size reads 0, whatever they hold."""
    source = Path("/proc/self/smaps")
    model = nn.MLP(2, [3, 1], seed=1)
    limit = 65536 + sum(len(name) + 256 for name in model.state_dict())
    if not source.exists() or source.stat().st_size != 0 or len(source.read_bytes()) <= limit:
        pytest.skip("needs a /proc file whose size reads 0 but which holds more than the limit")
    link = tmp_path / "model.json"
    link.symlink_to(source)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(json, "loads", never)
    with pytest.raises(
        ValueError, match=rf"load: .*model\.json holds more than {limit:,} bytes, more than a "
    ):
        model.load(link)


def test_loading_through_a_link_reads_its_target(tmp_path: Path) -> None:
    saved = nn.MLP(2, [3, 1], seed=2).save(tmp_path / "model.json")
    (tmp_path / "latest.json").symlink_to(saved.name)
    loaded = nn.MLP(2, [3, 1], seed=1).load(tmp_path / "latest.json")
    assert loaded.state_dict() == nn.MLP(2, [3, 1], seed=2).state_dict()


def test_saving_through_a_link_updates_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    target = nn.MLP(2, [3, 1], seed=1).save(tmp_path / "model.json")
    link = tmp_path / "latest.json"
    link.symlink_to(target.name)
    nn.MLP(2, [3, 1], seed=2).save(link)
    assert link.is_symlink()
    assert nn.MLP(2, [3, 1]).load(target).state_dict() == nn.MLP(2, [3, 1], seed=2).state_dict()
