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
    with pytest.raises(ConfigError, match=r"pyproject\.toml"):
        lossx.get_backend()


def test_unknown_backend_in_config_file_names_the_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.lossx]\nbackend = "caffe"\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml.*caffe"):
        lossx.get_backend()


def test_unknown_env_backend_is_refused(monkeypatch):
    monkeypatch.setenv("LOSSX_BACKEND", "mxnet")
    with pytest.raises(ConfigError, match=r"mxnet.*installed here: numpy"):
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


# ----------------------------------------------------------------- context-local state


@pytest.fixture
def every_backend_installed(monkeypatch):
    """Let use_backend accept all four names, so these tests mean the same in every tox env."""
    import lossx._config as config

    monkeypatch.setattr(config, "installed_backends", lambda: config.BACKENDS)


def test_use_backend_is_thread_safe_under_contention(every_backend_installed):
    """32 threads switch backends 300 times each; none ever sees another thread's choice."""
    threads_count, iterations = 32, 300
    barrier = threading.Barrier(threads_count)
    failures: list[str] = []
    lossx.set_backend("numpy")

    def worker(index: int) -> None:
        barrier.wait()
        for step in range(iterations):
            mine = lossx.BACKENDS[(index + step) % len(lossx.BACKENDS)]
            with lossx.use_backend(mine):
                inner = lossx.BACKENDS[(index + step + 1) % len(lossx.BACKENDS)]
                with lossx.use_backend(inner):
                    if lossx.get_backend() != inner:
                        failures.append(f"thread {index} step {step}: {lossx.get_backend()} != {inner}")
                if lossx.get_backend() != mine:
                    failures.append(f"thread {index} step {step}: {lossx.get_backend()} != {mine}")
            if lossx.get_backend() != "numpy":
                failures.append(f"thread {index} step {step}: leaked {lossx.get_backend()}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[:5]
    assert lossx.get_backend() == "numpy"


def test_set_backend_is_process_wide_and_use_backend_overrides_it(every_backend_installed):
    """set_backend from one thread is seen by every thread not inside use_backend."""
    inside = threading.Event()
    switched = threading.Event()
    seen: dict[str, str] = {}

    def holder() -> None:
        with lossx.use_backend("jax"):
            inside.set()
            switched.wait(5)
            seen["holder"] = lossx.get_backend()

    def bystander() -> None:
        seen["bystander"] = lossx.get_backend()

    thread = threading.Thread(target=holder)
    thread.start()
    inside.wait(5)
    lossx.set_backend("torch")
    switched.set()
    thread.join()
    other = threading.Thread(target=bystander)
    other.start()
    other.join()
    assert seen == {"holder": "jax", "bystander": "torch"}


def test_use_backend_restores_on_exception_and_when_nested(every_backend_installed):
    with lossx.use_backend("torch"):
        with pytest.raises(RuntimeError):
            with lossx.use_backend("jax"):
                assert lossx.get_backend() == "jax"
                raise RuntimeError("boom")
        assert lossx.get_backend() == "torch"
    assert lossx.get_backend() == "numpy"


def test_new_threads_do_not_inherit_use_backend(every_backend_installed):
    """Python starts a thread in an empty context: it sees set_backend/env/file, not the block."""
    seen = []
    with lossx.use_backend("jax"):
        thread = threading.Thread(target=lambda: seen.append(lossx.get_backend()))
        thread.start()
        thread.join()
    assert seen == ["numpy"]


def test_asyncio_tasks_have_their_own_backend(every_backend_installed):
    import asyncio

    async def task(name: str, rounds: int) -> list[str]:
        seen = []
        with lossx.use_backend(name):
            for _ in range(rounds):
                await asyncio.sleep(0)  # interleave with the other tasks
                seen.append(lossx.get_backend())
        seen.append(lossx.get_backend())
        return seen

    async def main() -> list[list[str]]:
        return await asyncio.gather(*(task(name, 20) for name in lossx.BACKENDS * 4))

    for name, seen in zip(lossx.BACKENDS * 4, asyncio.run(main()), strict=True):
        assert seen == [name] * 20 + ["numpy"]
    assert lossx.get_backend() == "numpy"


def test_asyncio_task_inherits_the_block_and_cannot_change_its_parent(every_backend_installed):
    import asyncio

    async def child() -> str:
        inherited = lossx.get_backend()
        lossx._config._context_backend.set("torch")  # what a stray use_backend without exit would leave
        return inherited

    async def main() -> tuple[str, str]:
        with lossx.use_backend("jax"):
            inherited = await asyncio.create_task(child())
            return inherited, lossx.get_backend()

    assert asyncio.run(main()) == ("jax", "jax")


def test_copied_context_keeps_the_backend_of_its_creation(every_backend_installed):
    import contextvars

    with lossx.use_backend("keras"):
        snapshot = contextvars.copy_context()
    assert lossx.get_backend() == "numpy"
    assert snapshot.run(lossx.get_backend) == "keras"

    def switch_inside() -> str:
        with lossx.use_backend("jax"):
            return lossx.get_backend()

    assert snapshot.run(switch_inside) == "jax"
    assert snapshot.run(lossx.get_backend) == "keras"
    assert lossx.get_backend() == "numpy"


# ----------------------------------------------------------------- malformed config files


def _user_config(tmp_path, text: bytes):
    user = tmp_path / "xdg" / "lossx" / "config.toml"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_bytes(text)
    return user


BAD_FILES = [
    (
        "pyproject-bad-toml",
        "pyproject",
        b"[tool.lossx\nbackend = \n",
        r"Malformed TOML .*pyproject\.toml.*Fix or remove it",
    ),
    ("pyproject-not-utf8", "pyproject", b'[tool.lossx]\nbackend = "\xff\xfe"\n', r"Malformed TOML .*pyproject\.toml"),
    (
        "pyproject-backend-int",
        "pyproject",
        b"[tool.lossx]\nbackend = 3\n",
        r"pyproject\.toml: \[tool\.lossx\] backend must be a string such as \"torch\", got 3",
    ),
    (
        "pyproject-backend-table",
        "pyproject",
        b"[tool.lossx.backend]\nname = 'torch'\n",
        r"pyproject\.toml: \[tool\.lossx\] backend must be a string",
    ),
    (
        "pyproject-backend-unknown",
        "pyproject",
        b'[tool.lossx]\nbackend = "caffe"\n',
        r"pyproject\.toml: \[tool\.lossx\] backend = 'caffe': Unknown lossx backend 'caffe'\. Known: numpy, torch, "
        r"jax, keras",
    ),
    (
        "pyproject-lossx-not-a-table",
        "pyproject",
        b'[tool]\nlossx = "torch"\n',
        r"pyproject\.toml: tool\.lossx must be a table such as \[tool\.lossx\] with backend = \"torch\", got 'torch'",
    ),
    ("pyproject-tool-not-a-table", "pyproject", b"tool = 3\n", r"pyproject\.toml: tool must be a table"),
    ("user-bad-toml", "user", b"backend = 'torch\n", r"Malformed TOML .*lossx.config\.toml.*Fix or remove it"),
    ("user-not-utf8", "user", b"backend = '\xff'\n", r"Malformed TOML .*lossx.config\.toml"),
    ("user-backend-int", "user", b"backend = 3\n", r"config\.toml: backend must be a string such as \"torch\", got 3"),
    (
        "user-backend-list",
        "user",
        b"backend = ['torch']\n",
        r"config\.toml: backend must be a string .* got \['torch'\]",
    ),
    (
        "user-backend-unknown",
        "user",
        b"backend = 'theano'\n",
        r"config\.toml: backend = 'theano': Unknown lossx backend",
    ),
]


@pytest.mark.parametrize(("where", "text", "message"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_malformed_config_gives_config_error_naming_the_file(tmp_path, where, text, message):
    path = tmp_path / "pyproject.toml" if where == "pyproject" else _user_config(tmp_path, b"")
    path.write_bytes(text)
    with pytest.raises(ConfigError, match=message) as raised:
        lossx.get_backend()
    assert str(path) in str(raised.value)
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, lossx.LossxError)
    assert raised.value.__cause__ is None  # the message says it all; no TOML parser traceback


def test_malformed_user_config_is_not_read_when_a_higher_setting_wins(tmp_path, monkeypatch):
    """Files are the lowest precedence: a broken one does not break set_backend/env users."""
    _user_config(tmp_path, b"backend = 3\n")
    lossx.set_backend("numpy")
    assert lossx.get_backend() == "numpy"
    lossx.set_backend(None)
    monkeypatch.setenv("LOSSX_BACKEND", "numpy")
    assert lossx.get_backend() == "numpy"


def test_pyproject_without_lossx_backend_falls_back_to_user_config(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lossx]\n# no backend here\n[tool.other]\nbackend = 'torch'\n")
    _user_config(tmp_path, b"backend = 'jax'\n")
    assert lossx.get_backend() == "jax"


def test_config_file_may_name_an_uninstalled_backend_until_it_is_used(tmp_path, monkeypatch):
    """Reading the file does not import or require the framework; using it names the extra."""
    import lossx._config as config

    monkeypatch.setattr(config, "installed_backends", lambda: ("numpy",))
    (tmp_path / "pyproject.toml").write_text('[tool.lossx]\nbackend = "torch"\n')
    assert lossx.get_backend() == "torch"
    with pytest.raises(
        BackendError, match=r"torch backend is not installed; install it with pip install 'lossx\[torch\]'"
    ):
        lossx.get("huber")
    with pytest.raises(BackendError, match=r"pip install 'lossx\[torch\]'"):
        lossx.Huber(delta=2.0)
