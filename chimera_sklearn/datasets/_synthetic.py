"""Synthetic multi-component fault logs with known root-cause lines."""

import numbers
from datetime import datetime, timedelta

import numpy as np
from sklearn.utils import Bunch, check_random_state

__all__ = ["FAULT_TYPES", "SYNTHETIC_LOG_FORMAT", "make_fault_logs"]

#: Header layout of :func:`make_fault_logs` lines, in loghub's notation.
SYNTHETIC_LOG_FORMAT = "<Date> <Time> <Pid> <Level> <Component>: <Content>"

# Normal workflows: each is a short sequence of (level, component, template)
# emitted back to back.  Placeholders in braces are filled at random.
_WORKFLOWS = [
    [
        (
            "INFO",
            "dfs.DataNode",
            "Receiving block {blk} src: /{ip}:{port} dest: /{ip}:50010",
        ),
        ("INFO", "dfs.DataNode", "Received block {blk} of size {size} from /{ip}"),
        ("INFO", "dfs.DataNode", "PacketResponder {small} for block {blk} terminating"),
    ],
    [
        (
            "INFO",
            "dfs.FSNamesystem",
            "BLOCK* NameSystem.allocateBlock: /user/{user}/part-{num} {blk}",
        ),
        (
            "INFO",
            "dfs.FSNamesystem",
            "BLOCK* NameSystem.addStoredBlock: blockMap updated:"
            " {ip}:50010 is added to {blk} size {size}",
        ),
    ],
    [
        ("INFO", "nova.compute", "[instance: {uuid}] Claim successful on node {node}"),
        ("INFO", "nova.compute", "[instance: {uuid}] VM Started (Lifecycle Event)"),
        (
            "INFO",
            "nova.compute",
            "[instance: {uuid}] Took {sec} seconds to build instance.",
        ),
    ],
    [
        ("INFO", "sshd", "Accepted publickey for {user} from {ip} port {port} ssh2"),
        (
            "INFO",
            "sshd",
            "pam_unix(sshd:session): session opened for user {user} by (uid=0)",
        ),
    ],
    [
        (
            "INFO",
            "scheduler",
            "Scheduled job job_{num} on node {node} with {small} tasks",
        ),
        ("INFO", "scheduler", "Job job_{num} finished in {ms} ms"),
    ],
    [("INFO", "api.http", "GET /v1/{resource}/{num} 200 {ms}ms")],
    [("INFO", "api.http", "POST /v1/{resource} 201 {ms}ms")],
    [("INFO", "kernel", "CPU{small}: temperature {temp} C within limits")],
    [("DEBUG", "cache", "Evicted {small} entries from cache {resource} in {ms} ms")],
]

# Symptoms: lines that follow a fault, but that also turn up now and then in
# healthy operation.  They are never labelled as the root cause.
_SYMPTOMS = [
    ("WARN", "api.http", "Request to /v1/{resource} timed out after {ms} ms"),
    ("WARN", "dfs.DFSClient", "Retrying connection to /{ip}:{port} (attempt {small})"),
    ("WARN", "scheduler", "Job job_{num} is running slow on node {node}: {ms} ms"),
    ("ERROR", "api.http", "GET /v1/{resource}/{num} 503 {ms}ms"),
]

#: Injected fault types: the root-cause templates (labelled 1) of each fault.
FAULT_TYPES = {
    "disk": [
        ("ERROR", "kernel", "end_request: I/O error, dev {disk}, sector {size}"),
        (
            "ERROR",
            "dfs.DataNode",
            "IOException in BlockReceiver: No space left on device"
            " /data/{small}/current",
        ),
    ],
    "network": [
        ("ERROR", "kernel", "{nic}: link down, carrier lost"),
        ("ERROR", "dfs.DFSClient", "Connection refused by /{ip}:{port}"),
    ],
    "memory": [
        (
            "FATAL",
            "jvm",
            "java.lang.OutOfMemoryError: Java heap space in thread"
            " pool-{small}-thread-{small}",
        ),
        (
            "ERROR",
            "kernel",
            "Out of memory: Killed process {pid} (java) total-vm:{size}kB",
        ),
    ],
    "crash": [
        (
            "FATAL",
            "supervisor",
            "Process {pid} (worker-{small}) terminated by signal 11"
            " (Segmentation fault)",
        ),
    ],
    "auth": [
        (
            "ERROR",
            "sshd",
            "Failed password for invalid user {user} from {ip} port {port} ssh2",
        ),
        ("ERROR", "keystone", "Authorization failed for token {hex}: token expired"),
    ],
}

_USERS = ["root", "admin", "hadoop", "alice", "bob", "deploy", "nova", "backup"]
_RESOURCES = ["servers", "volumes", "images", "networks", "flavors", "users"]


def _filler(rng, nodes):
    def ip():
        return f"10.{rng.randint(0, 4)}.{rng.randint(0, 256)}.{rng.randint(1, 255)}"

    return {
        "blk": lambda: f"blk_{rng.randint(-(2**62), 2**62)}",
        "ip": ip,
        "port": lambda: str(rng.randint(1024, 65535)),
        "size": lambda: str(rng.randint(1, 2**26)),
        "small": lambda: str(rng.randint(0, 8)),
        "num": lambda: str(rng.randint(0, 100000)),
        "user": lambda: _USERS[rng.randint(len(_USERS))],
        "uuid": lambda: "-".join(
            "".join(rng.choice(list("0123456789abcdef"), n)) for n in (8, 4, 4, 4, 12)
        ),
        "node": lambda: nodes[rng.randint(len(nodes))],
        "sec": lambda: f"{rng.uniform(0.5, 30):.2f}",
        "ms": lambda: str(rng.randint(1, 5000)),
        "temp": lambda: str(rng.randint(35, 70)),
        "resource": lambda: _RESOURCES[rng.randint(len(_RESOURCES))],
        "disk": lambda: f"sd{'abcdef'[rng.randint(6)]}",
        "nic": lambda: f"eth{rng.randint(0, 2)}",
        "pid": lambda: str(rng.randint(100, 32768)),
        "hex": lambda: "".join(rng.choice(list("0123456789abcdef"), 16)),
    }


def _render(template, fill, cache):
    # One value per placeholder name within a line (so "src" and "dest" may
    # share an IP, as they often do), fresh values for every line.
    cache.clear()

    class _Lazy(dict):
        def __missing__(self, key):
            value = cache[key] = fill[key]()
            return value

    return template.format_map(_Lazy())


def make_fault_logs(
    n_lines=4000,
    *,
    fault_rate=0.01,
    symptom_rate=0.01,
    fault_types=None,
    random_state=None,
):
    """Generate realistic multi-component logs with injected faults.

    Healthy operation is a mix of short workflows from several components
    (HDFS data nodes, an OpenStack-like compute service, sshd, a job scheduler,
    an HTTP API, the kernel).  A fault writes one to three *root-cause* lines
    (labelled 1) of its type, followed over the next lines by *symptoms*:
    timeouts, retries and 503s that also occur, more rarely, in healthy
    operation and are labelled 0.  So the lines that only faults produce are
    the culprits, and the noisy symptoms are not.

    Every line has a loghub-style header, ``SYNTHETIC_LOG_FORMAT``:
    ``<Date> <Time> <Pid> <Level> <Component>: <Content>``.

    Parameters
    ----------
    n_lines : int, default=4000
        Number of lines.
    fault_rate : float, default=0.01
        Probability that a fault starts at a given line.
    symptom_rate : float, default=0.01
        Probability of a symptom line in healthy operation.
    fault_types : sequence of str, default=None
        Subset of :data:`FAULT_TYPES` to inject; all of them by default.
    random_state : int, RandomState instance or None, default=None
        Controls the generator; pass an int for reproducible output.

    Returns
    -------
    Bunch
        ``lines`` (list of str), ``labels`` (ndarray of 0/1, 1 = root-cause
        line), ``categories`` (fault type per line, ``""`` for other lines),
        ``log_format`` (``SYNTHETIC_LOG_FORMAT``).

    Examples
    --------
    >>> from chimera_sklearn.datasets import make_fault_logs
    >>> logs = make_fault_logs(n_lines=500, random_state=0)
    >>> len(logs.lines), int(logs.labels.sum()) > 0
    (500, True)
    >>> logs.lines[0]
    '2026-01-05 00:00:00.416 1434 INFO sshd: Accepted publickey for alice from ...'
    """
    if not isinstance(n_lines, numbers.Integral) or n_lines < 1:
        raise ValueError(f"n_lines must be a positive integer, got {n_lines!r}.")
    for name, rate in (("fault_rate", fault_rate), ("symptom_rate", symptom_rate)):
        if not isinstance(rate, numbers.Real) or not 0 <= rate <= 1:
            raise ValueError(f"{name} must be a probability in [0, 1], got {rate!r}.")
    types = list(FAULT_TYPES) if fault_types is None else list(fault_types)
    unknown = sorted(set(types) - set(FAULT_TYPES))
    if unknown or not types:
        raise ValueError(
            f"fault_types must be a non-empty subset of {sorted(FAULT_TYPES)}, "
            f"got {fault_types!r}."
        )

    rng = check_random_state(random_state)
    nodes = [f"node-{i:02d}" for i in range(16)]
    fill = _filler(rng, nodes)
    cache = {}
    clock = datetime(2026, 1, 5)
    lines, labels, categories = [], [], []
    pending = []  # lines still to write: (level, component, template, label, cat)
    symptom_budget = 0

    while len(lines) < n_lines:
        if not pending:
            if rng.rand() < fault_rate:
                kind = types[rng.randint(len(types))]
                templates = FAULT_TYPES[kind]
                for _ in range(rng.randint(1, 4)):
                    lvl, comp, tpl = templates[rng.randint(len(templates))]
                    pending.append((lvl, comp, tpl, 1, kind, None))
                symptom_budget += rng.randint(2, 7)
            elif symptom_budget and rng.rand() < 0.5:
                symptom_budget -= 1
                lvl, comp, tpl = _SYMPTOMS[rng.randint(len(_SYMPTOMS))]
                pending.append((lvl, comp, tpl, 0, "", None))
            elif rng.rand() < symptom_rate:
                lvl, comp, tpl = _SYMPTOMS[rng.randint(len(_SYMPTOMS))]
                pending.append((lvl, comp, tpl, 0, "", None))
            else:
                flow = _WORKFLOWS[rng.randint(len(_WORKFLOWS))]
                shared = {}
                for lvl, comp, tpl in flow:
                    pending.append((lvl, comp, tpl, 0, "", shared))
        lvl, comp, tpl, label, cat, shared = pending.pop(0)
        if shared is not None:
            # Lines of one workflow share their identifiers (block, instance).
            content = tpl.format_map(_SharedFill(shared, fill))
        else:
            content = _render(tpl, fill, cache)
        clock += timedelta(milliseconds=int(rng.exponential(400)) + 1)
        pid = 1000 + sum(map(ord, comp)) % 9000  # stable per component
        stamp = (
            clock.strftime("%Y-%m-%d %H:%M:%S.") + f"{clock.microsecond // 1000:03d}"
        )
        lines.append(f"{stamp} {pid} {lvl} {comp}: {content}")
        labels.append(label)
        categories.append(cat)

    return Bunch(
        lines=lines,
        labels=np.asarray(labels, dtype=np.int8),
        categories=categories,
        log_format=SYNTHETIC_LOG_FORMAT,
    )


class _SharedFill(dict):
    """Placeholder values shared by the lines of one workflow."""

    def __init__(self, shared, fill):
        super().__init__()
        self._shared = shared
        self._fill = fill

    def __missing__(self, key):
        if key not in self._shared:
            self._shared[key] = self._fill[key]()
        return self._shared[key]
