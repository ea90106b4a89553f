"""Header/content extraction with loghub-style log-format strings."""

import re

__all__ = ["LOGHUB_FORMATS", "compile_log_format"]

#: Log formats of the 16 loghub systems, in the loghub/logparser syntax.
#:
#: ``<Field>`` is a header field, ``<Content>`` the message; the text between
#: fields is a regular-expression fragment in which every run of spaces matches
#: any run of whitespace (as in loghub's ``generate_logformat_regex``).  The
#: field names are the column names of the loghub ``*_structured.csv`` files.
LOGHUB_FORMATS = {
    "Android": "<Date> <Time>  <Pid>  <Tid> <Level> <Component>: <Content>",
    "Apache": r"\[<Time>\] \[<Level>\] <Content>",
    "BGL": (
        "<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> "
        "<Component> <Level> <Content>"
    ),
    "HDFS": "<Date> <Time> <Pid> <Level> <Component>: <Content>",
    "HPC": "<LogId> <Node> <Component> <State> <Time> <Flag> <Content>",
    "Hadoop": r"<Date> <Time> <Level> \[<Process>\] <Component>: <Content>",
    "HealthApp": r"<Time>\|<Component>\|<Pid>\|<Content>",
    "Linux": r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>",
    "Mac": (
        r"<Month>  <Date> <Time> <User> <Component>\[<PID>\]"
        r"( \(<Address>\))?: <Content>"
    ),
    "OpenSSH": r"<Date> <Day> <Time> <Component> sshd\[<Pid>\]: <Content>",
    "OpenStack": (
        r"<Logrecord> <Date> <Time> <Pid> <Level> <Component> \[<ADDR>\] <Content>"
    ),
    "Proxifier": r"\[<Time>\] <Program> - <Content>",
    "Spark": "<Date> <Time> <Level> <Component>: <Content>",
    "Thunderbird": (
        "<Label> <Timestamp> <Date> <User> <Month> <Day> <Time> <Location> "
        r"<Component>(\[<PID>\])?: <Content>"
    ),
    "Windows": "<Date> <Time>, <Level>                  <Component>    <Content>",
    "Zookeeper": (r"<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>"),
}

_FIELD = re.compile(r"(<[^<>]+>)")


def compile_log_format(log_format):
    """Compile a loghub-style log format into one anchored regular expression.

    Parameters
    ----------
    log_format : str
        Format such as ``"<Date> <Time> <Level> <Component>: <Content>"``.  It
        must contain the field ``<Content>``.

    Returns
    -------
    regex : re.Pattern
        Pattern with one named group per field; ``match(line).group("Content")``
        is the message.
    headers : list of str
        Field names in order.

    Examples
    --------
    >>> from chimera_sklearn.parsing import compile_log_format
    >>> regex, headers = compile_log_format(
    ...     "<Date> <Time> <Level> <Component>: <Content>")
    >>> headers
    ['Date', 'Time', 'Level', 'Component', 'Content']
    >>> regex.match("2024-01-01 12:00:00 INFO sshd: session opened").group("Content")
    'session opened'
    """
    if not isinstance(log_format, str):
        raise TypeError(
            f"log_format must be a str such as '<Date> <Time> <Level>: <Content>' "
            f"or None, got {type(log_format).__name__}."
        )
    parts = _FIELD.split(log_format)
    headers = []
    pattern = ""
    for k, part in enumerate(parts):
        if k % 2 == 0:
            pattern += re.sub(" +", r"\\s+", part)
        else:
            name = part.strip("<>").strip()
            if not name.isidentifier():
                raise ValueError(
                    f"log_format field {part!r} is not a valid name; use "
                    f"letters, digits and underscores, e.g. '<Level>'."
                )
            if name in headers:
                raise ValueError(f"log_format repeats the field {part!r}.")
            headers.append(name)
            pattern += f"(?P<{name}>.*?)"
    if "Content" not in headers:
        raise ValueError(
            f"log_format {log_format!r} has no '<Content>' field; the message part "
            "of each line must be marked with <Content>."
        )
    if parts[-1] == "":
        # A last field that ends the format is the rest of the line: greedy
        # ``.*`` before ``$`` captures exactly what lazy ``.*?`` does (the same
        # match), without extending one character at a time (2x faster).
        pattern = pattern[: -len(".*?)")] + ".*)"
    try:
        regex = re.compile("^" + pattern + "$")
    except re.error as exc:
        raise ValueError(f"log_format {log_format!r} is not a valid pattern: {exc}")
    return regex, headers
