"""The `chimera` command, run for real as a subprocess."""

import gzip
import json
import os
import subprocess
import sys

import numpy as np
import pytest

CHIMERA = [sys.executable, "-m", "chimera_sklearn"]


def run(*args, stdin=None, cwd=None):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.run(
        [*CHIMERA, *map(str, args)],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=cwd,
        env=env,
        timeout=600,
    )


@pytest.fixture(scope="module")
def bgl_log(data_home):
    return data_home / "loghub_2k" / "BGL" / "BGL_2k.log"


@pytest.fixture(scope="module")
def bgl_model(bgl_log, tmp_path_factory):
    model = tmp_path_factory.mktemp("cli") / "bgl.model"
    res = run("fit", bgl_log, "--labels", "first-token", "--format", "BGL", "-o", model)
    assert res.returncode == 0, res.stderr
    assert "100 windows, 28 anomalous" in res.stdout
    return model


@pytest.mark.parametrize("command", [[], ["demo"], ["fit"], ["diagnose"]])
def test_help(command):
    res = run(*command, "--help")
    assert res.returncode == 0
    assert "usage: chimera" in res.stdout


def test_no_command_prints_help_and_fails():
    res = run()
    assert res.returncode == 2 and "COMMAND" in res.stdout


def test_fit_then_diagnose_bgl(bgl_model, bgl_log, tmp_path):
    out_json = tmp_path / "alarms.json"
    out_html = tmp_path / "report.html"
    res = run(
        "diagnose",
        bgl_model,
        bgl_log,
        "--top-k",
        "3",
        "--json",
        out_json,
        "--html",
        out_html,
    )
    assert res.returncode == 0, res.stderr
    assert "ALARM lines" in res.stdout
    lines = bgl_log.read_text(encoding="utf-8").splitlines()
    records = json.loads(out_json.read_text())
    assert records, "no window was alarmed"
    for r in records:
        assert 1 <= r["first_line"] <= r["last_line"] <= len(lines)
        for c in r["culprits"]:
            # Culprit line numbers point at the file's own lines.
            assert r["first_line"] <= c["line"] <= r["last_line"]
            assert lines[c["line"] - 1].rstrip("\r") == c["text"]
    anomalous = [r for r in records if r["label"] == 1]
    assert len(anomalous) >= 25  # of the 28 anomalous windows
    is_alert = [not line.startswith("- ") for line in lines]
    top1 = [is_alert[r["culprits"][0]["line"] - 1] for r in anomalous]
    # Issue 5: at least 80 % of the top-1 culprits are real alert lines (the
    # per-line labels train the localizer: --line-supervision defaults to 1).
    assert np.mean(top1) >= 0.8
    page = out_html.read_text()
    assert "<img" in page and "Alarms and culprit lines" in page


def test_fit_from_window_labels_only_still_localizes(bgl_log, tmp_path):
    """--line-supervision 0 (the paper's setting): better than chance, far from 80 %.

    Measured on BGL_2k, seed 0: 57 % of the top-1 culprits are alert lines
    (seeds 1 and 2: 46 % and 75 %), where a line drawn at random from the same
    windows is one 26 % of the time; 100 windows are too few to learn line
    scores from window labels alone.
    """
    model = tmp_path / "weak.model"
    out_json = tmp_path / "weak.json"
    fit = ["fit", bgl_log, "--labels", "first-token", "--format", "BGL"]
    res = run(*fit, "--line-supervision", "0", "-o", model)
    assert res.returncode == 0, res.stderr
    res = run("diagnose", model, bgl_log, "--json", out_json, "--show", "0")
    assert res.returncode == 0, res.stderr
    lines = bgl_log.read_text(encoding="utf-8").splitlines()
    is_alert = [not line.startswith("- ") for line in lines]
    anomalous = [r for r in json.loads(out_json.read_text()) if r["label"] == 1]
    assert len(anomalous) >= 20
    top1 = [is_alert[r["culprits"][0]["line"] - 1] for r in anomalous]
    chance = np.mean(
        [np.mean(is_alert[r["first_line"] - 1 : r["last_line"]]) for r in anomalous]
    )
    assert np.mean(top1) > chance


def test_fail_on_anomaly_and_stdin_and_gzip(bgl_model, bgl_log, tmp_path):
    text = bgl_log.read_text(encoding="utf-8")
    res = run(
        "diagnose", bgl_model, "-", "--fail-on-anomaly", "--show", "0", stdin=text
    )
    assert res.returncode == 1
    gz = tmp_path / "bgl.log.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as fh:
        fh.write(text)
    res_gz = run("diagnose", bgl_model, gz, "--show", "0")
    assert res_gz.returncode == 0
    assert res_gz.stdout.splitlines()[-1] == res.stdout.splitlines()[-1]


def test_not_a_model(tmp_path, bgl_log):
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"this is not a model")
    res = run("diagnose", bogus, bgl_log)
    assert res.returncode == 2
    assert "not a chimera model file" in res.stderr
    assert "Traceback" not in res.stderr


def test_format_mismatch_names_the_line(tmp_path, bgl_log):
    res = run(
        "fit",
        bgl_log,
        "--labels",
        "first-token",
        "--format",
        "<Date> <Time> <Level> \\[<Component>\\] <Content>",
        "-o",
        tmp_path / "m",
    )
    assert res.returncode == 2
    assert "line 1 does not match the log format" in res.stderr


def test_empty_file_and_missing_labels(tmp_path, bgl_log):
    empty = tmp_path / "empty.log"
    empty.write_text("")
    res = run("fit", empty, "--labels", "first-token", "-o", tmp_path / "m")
    assert res.returncode == 2 and "empty" in res.stderr
    res = run("fit", bgl_log, "-o", tmp_path / "m")
    assert res.returncode == 2 and "needs labels" in res.stderr


def test_session_labels_that_do_not_line_up(tmp_path, data_home):
    log = tmp_path / "hdfs.log"
    src = (data_home / "hdfs_v1" / "HDFS_20000.log").read_text().splitlines()
    log.write_text("\n".join(src[:300]) + "\n")
    labels = tmp_path / "labels.csv"
    labels.write_text("BlockId,Label\nblk_1,Normal\n")
    res = run(
        "fit", log, "--session", r"blk_-?\d+", "--labels", labels, "-o", tmp_path / "m"
    )
    assert res.returncode == 2
    assert "does not line up" in res.stderr
