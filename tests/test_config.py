"""Backend configuration: precedence, context-locality, config files, lossx.get and facades."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

import lossx
from lossx import BackendError, ConfigError


@pytest.fixture(autouse=True)
def clean_config(monkeypatch, tmp_path):
    """Each test starts with no env var, no process backend, and an empty project dir."""
    monkeypatch.delenv("LOSSX_BACKEND", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'user-project'\n")
    lossx.set_backend(None)
    yield
    lossx.set_backend(None)


def test_default_is_numpy():
    assert lossx.get_backend() == "numpy"


def test_env_var_selects_backend(monkeypatch):
    monkeypatch.setenv("LOSSX_BACKEND", "keras")
    assert lossx.get_backend() == "keras"


def test_tensorflow_is_an_alias_of_keras(monkeypatch):
    monkeypatch.setenv("LOSSX_BACKEND", "tensorflow")
    assert lossx.get_backend() == "keras"


def test_project_pyproject_selects_backend(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.lossx]\nbackend = "jax"\n')
    assert lossx.get_backend() == "jax"


def test_pyproject_found_from_a_subdirectory(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.lossx]\nbackend = "torch"\n')
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "src" / "pkg")
    assert lossx.get_backend() == "torch"


def test_user_config_file_selects_backend(tmp_path):
    user = tmp_path / "xdg" / "lossx" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text('backend = "jax"\n')
    assert lossx.get_backend() == "jax"


def test_precedence_context_over_process_over_env_over_files(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.lossx]\nbackend = "jax"\n')
    monkeypatch.setenv("LOSSX_BACKEND", "keras")
    assert lossx.get_backend() == "keras"
    lossx.set_backend("numpy")
    assert lossx.get_backend() == "numpy"
    with lossx.use_backend("numpy"):
        assert lossx.get_backend() == "numpy"
    monkeypatch.delenv("LOSSX_BACKEND")
    lossx.set_backend(None)
    assert lossx.get_backend() == "jax"


def test_malformed_config_file_names_the_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lossx\nbackend = \n")
    with pytest.raises(ConfigError, match="pyproject.toml"):
        lossx.get_backend()


def test_unknown_backend_in_config_file_names_the_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.lossx]\nbackend = "caffe"\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml.*caffe"):
        lossx.get_backend()


def test_unknown_env_backend_is_refused(monkeypatch):
    monkeypatch.setenv("LOSSX_BACKEND", "mxnet")
    with pytest.raises(ConfigError, match="mxnet.*installed here: numpy"):
        lossx.get_backend()


@pytest.mark.parametrize("setter", ["set_backend", "use_backend"])
def test_unknown_backend_lists_installed_ones(setter):
    with pytest.raises(BackendError) as raised:
        if setter == "set_backend":
            lossx.set_backend("theano")
        else:
            with lossx.use_backend("theano"):
                pass
    message = str(raised.value)
    assert "theano" in message and "installed here: numpy" in message
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, lossx.LossxError)


def test_use_backend_is_context_local_across_threads():
    seen: dict[int, str] = {}
    barrier = threading.Barrier(8)

    def worker(index: int) -> None:
        with lossx.use_backend("numpy" if index % 2 else lossx.installed_backends()[-1]):
            barrier.wait()
            seen[index] = lossx.get_backend()
        assert lossx.get_backend() == "numpy"

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index, name in seen.items():
        assert name == ("numpy" if index % 2 else lossx.installed_backends()[-1])
    assert lossx.get_backend() == "numpy"


def test_numpy_backend_objects():
    import numpy as np

    huber = lossx.get("huber", delta=2.0)
    assert type(huber).__module__ == "lossx.backends.numpy"
    assert huber.options == {"delta": 2.0}
    assert type(lossx.Huber(delta=2.0)) is type(huber)
    assert float(huber(np.array([3.0]), np.array([0.0]))) == pytest.approx(2.0 * (3.0 - 1.0))
    assert type(lossx.get("mse")).__name__ == "MeanSquaredError"


BACKEND_OBJECT_CHECK = {
    "torch": "import torch; assert isinstance(obj, torch.nn.Module)",
    "jax": "assert type(obj).__module__ == 'lossx.backends.jax'; hash(obj)",
    "keras": "import keras; assert isinstance(obj, keras.losses.Loss)",
    "numpy": "assert type(obj).__module__ == 'lossx.backends.numpy'",
}


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax", "keras"])
def test_env_var_switches_what_get_and_facades_return(backend, tmp_path):
    if backend not in lossx.installed_backends():
        pytest.skip(f"{backend} is not installed")
    script = (
        "import lossx\n"
        "obj = lossx.get('huber', delta=2.0)\n"
        f"{BACKEND_OBJECT_CHECK[backend]}\n"
        "assert type(lossx.Huber(delta=2.0)) is type(obj)\n"
        "print(type(obj).__module__)\n"
    )
    env = {**os.environ, "LOSSX_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == f"lossx.backends.{backend}"


def test_uninstalled_backend_names_the_extra(monkeypatch):
    import lossx._config as config

    monkeypatch.setattr(config, "installed_backends", lambda: ("numpy",))
    with pytest.raises(BackendError, match=r"pip install 'lossx\[torch\]'"):
        lossx.set_backend("torch")
