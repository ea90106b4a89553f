import os

# Tiny models train fastest on one thread, and a busy machine makes torch's
# thread pool spin: keep tests (and the CLI subprocesses they start) on one.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def data_home():
    """The team's labelled logs (../shared/data); required on CI, else optional."""
    from chimera_sklearn.datasets import get_data_home

    try:
        return get_data_home()
    except FileNotFoundError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"real data not available: {exc}")


@pytest.fixture(scope="session")
def fault_logs():
    from chimera_sklearn.datasets import make_fault_logs

    return make_fault_logs(n_lines=3000, random_state=0)
