"""Random and hostile log lines through the text stages (parser, windower, embedder)."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chimera_sklearn import DrainParser, SequenceWindower, TemplateEmbedder
from chimera_sklearn.datasets import make_fault_logs, read_lines

lines_st = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=80
)
windows_st = st.lists(
    st.lists(lines_st, min_size=0, max_size=6), min_size=1, max_size=8
)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(windows=windows_st)
def test_text_stages_never_crash_and_keep_samples(windows):
    parser = DrainParser()
    parsed = parser.fit_transform(windows)
    assert len(parsed) == len(windows)
    assert [len(p) for p in parsed] == [len(w) for w in windows]
    Xw = SequenceWindower(size=4).fit_transform(parsed)
    assert Xw.shape == (len(windows), 4)
    if np.any(Xw != ""):
        Xt = TemplateEmbedder(n_components=3, random_state=0).fit_transform(Xw)
        assert Xt.shape == (len(windows), 4, 3)
        assert np.all(np.isfinite(Xt))
    # transform after fit gives what fit_transform gave
    again = parser.transform(windows)
    assert [list(a) for a in again] == [list(p) for p in parsed]


def test_hostile_lines():
    windows = [
        ["x" * 1_000_000, "ctrl \x00\x01\x1b[31m red \x7f", "tab\tsep\tline"],
        ["", "   ", "\u202e reversed \u200b zero-width"],
        ["emoji 🔥 disk failed on /dev/sda", "日本語のログ 123"],
    ]
    parsed = DrainParser().fit(windows).transform(windows)
    assert [len(p) for p in parsed] == [3, 3, 2]


def test_invalid_utf8_is_replaced_not_fatal(tmp_path):
    path = tmp_path / "bad.log"
    path.write_bytes(b"ok line\r\nbad \xff\xfe bytes\nlast")
    assert read_lines(path) == ["ok line", "bad \ufffd\ufffd bytes", "last"]


def test_parallel_transform_equals_serial():
    logs = make_fault_logs(n_lines=3000, random_state=1)
    windows = [logs.lines[i : i + 20] for i in range(0, 3000, 20)]
    parser = DrainParser(log_format=logs.log_format).fit(windows[:100])
    serial = [list(x) for x in parser.transform(windows)]
    chunks = [windows[i::4] for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(parser.transform, chunks * 3))
    for i, res in enumerate(results):
        assert [list(x) for x in res] == serial[i % 4 :: 4]
