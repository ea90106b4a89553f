"""Masking of variable parts of log messages, in one regex pass."""

import re
import warnings

from drain3.masking import AbstractMaskingInstruction

try:  # Python >= 3.11
    from re import _constants as _sre_c
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import sre_constants as _sre_c
        import sre_parse as _sre_parse

__all__ = ["DEFAULT_MASKING", "Masker"]

# A token boundary: not preceded/followed by a letter, digit or underscore.
_L = r"(?<![A-Za-z0-9_])"
_R = r"(?![A-Za-z0-9_])"
_HEX = "[0-9a-fA-F]"

# Characters that separate tokens for the whole-token rules below.
_SEP = r"\s=:,;\[\](){}\"'"
_TL = f"(?<![^{_SEP}/])(?!/)"  # token start (a "/" may precede it)
_TR = f"(?![^{_SEP}])"  # token end
_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?"

#: Default masking set: tuple of ``(regex, name)`` pairs.
#:
#: Applied in a single left-to-right pass (see :class:`DrainParser`): at each
#: position the first pattern that matches wins, so specific patterns come
#: before general ones.  A match is replaced by ``<name>``.  The set is generic
#: (nothing in it is specific to one log source):
#:
#: - ``UUID``; ``DATE`` (ISO date, optionally with time); ``TIME``;
#: - ``IP``: IPv4 address with optional port, a comma-separated list of them,
#:   or ``host.domain:port`` (one name per kind of variable, so that the same
#:   field does not get two different masks);
#: - ``MAC``; ``BLK`` (HDFS block ids); ``HEX`` (``0x1f`` literals and hex ids of
#:   16+ characters); ``PATH`` (absolute paths with 2+ parts, and URLs);
#: - ``NUM``: every other token that contains a digit: numbers, but also ids
#:   such as ``job_1445_0001``, versions and sizes like ``10ms``.  Tokens are
#:   separated by whitespace and ``=:,;[](){}"'``.
#:
#: No pattern tells one digit from another (see ``Masker.digit_uniform``),
#: which makes digit-normalised caching exact.
DEFAULT_MASKING = (
    (_L + _HEX + r"{8}-" + f"(?:{_HEX}{{4}}-){{3}}" + _HEX + r"{12}" + _R, "UUID"),
    (
        _L + r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?"
        r"\d{2})?)?" + _R,
        "DATE",
    ),
    (_L + r"\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?" + _R, "TIME"),
    (_L + _IPV4 + f"(?:, ?{_IPV4})*" + _R, "IP"),
    (_L + r"[A-Za-z0-9][\w-]*(?:\.[\w-]+)+:\d{1,5}" + _R, "IP"),
    (_L + f"(?:{_HEX}{{2}}[:-]){{5}}{_HEX}{{2}}" + _R, "MAC"),
    (_L + r"blk_-?\d+" + _R, "BLK"),
    (_L + r"\d[xX][0-9a-fA-F]+" + _R, "HEX"),
    (_L + r"(?=[a-fA-F]*\d)[0-9a-fA-F]{16,}" + _R, "HEX"),
    (r"(?<![\w/.~-])(?:[A-Za-z][\w+.-]*://[^\s\"'<>]*|(?:/[\w.@~+%-]+){2,}/?)", "PATH"),
    (_TL + f"(?=[^{_SEP}]*\\d)[^{_SEP}]+", "NUM"),
)


def _digit_uniform(pattern):
    """True if ``pattern`` cannot tell one digit from another.

    Then a string and its copy with every digit replaced by ``0`` match at the
    same spans, which makes digit-normalised caching exact (see ``Masker``).
    The check is conservative: anything it does not understand gives False.
    """
    try:
        parsed = _sre_parse.parse(pattern)
    except Exception:
        return False
    return _uniform_seq(parsed)


def _uniform_set(items):
    digits = set()
    for op, av in items:
        if op is _sre_c.LITERAL:
            if chr(av).isdigit():
                digits.add(chr(av))
        elif op is _sre_c.RANGE:
            lo, hi = av
            for c in "0123456789":
                if lo <= ord(c) <= hi:
                    digits.add(c)
        elif op is _sre_c.CATEGORY or op is _sre_c.NEGATE:
            continue
        else:
            return False
    return len(digits) in (0, 10)


def _uniform_seq(seq):
    for op, av in seq:
        if op is _sre_c.LITERAL or op is _sre_c.NOT_LITERAL:
            if chr(av).isdigit():
                return False
        elif op is _sre_c.IN:
            if not _uniform_set(av):
                return False
        elif op in (_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT, _sre_c.POSSESSIVE_REPEAT):
            if not _uniform_seq(av[2]):
                return False
        elif op is _sre_c.SUBPATTERN:
            if not _uniform_seq(av[-1]):
                return False
        elif op is _sre_c.BRANCH:
            if not all(_uniform_seq(branch) for branch in av[1]):
                return False
        elif op in (_sre_c.ASSERT, _sre_c.ASSERT_NOT):
            if not _uniform_seq(av[1]):
                return False
        elif op is _sre_c.ATOMIC_GROUP:
            if not _uniform_seq(av):
                return False
        elif op in (_sre_c.ANY, _sre_c.AT, _sre_c.CATEGORY):
            continue
        else:  # back-references, conditionals, unknown opcodes
            return False
    return True


class Masker(AbstractMaskingInstruction):
    """Apply a set of ``(regex, name)`` masks in one pass with one combined regex.

    It is also a drain3 masking instruction, so a ``TemplateMiner`` configured
    with ``[masker]`` masks exactly as the parser does.

    Parameters
    ----------
    masking : tuple of (str, str)
        ``(regex, name)`` pairs; a match is replaced by ``prefix + name + suffix``.
    prefix, suffix : str
        Mask delimiters (drain3's ``mask_prefix``/``mask_suffix``).
    """

    def __init__(self, masking, prefix="<", suffix=">"):
        super().__init__("MASK")
        self.masking = tuple((str(p), str(n)) for p, n in masking)
        self.prefix = prefix
        self.suffix = suffix
        self._build()

    def _build(self):
        self._replacements = {}
        parts = []
        for k, (pattern, name) in enumerate(self.masking):
            group = f"_m{k}"
            parts.append(f"(?P<{group}>{pattern})")
            self._replacements[group] = self.prefix + name + self.suffix
        self._sequential = False
        if not parts:
            self._regex = None
        else:
            try:
                self._regex = re.compile("|".join(parts))
            except re.error:
                self._regex = None
            # Numbered back-references are renumbered by combining; named groups
            # may clash.  Fall back to one pass per pattern, as drain3 does.
            if self._regex is None or any(
                re.search(r"\\[1-9]|\(\?P[<=]", p) for p, _ in self.masking
            ):
                self._sequential = True
                self._regexes = [
                    (re.compile(p), self.prefix + n + self.suffix)
                    for p, n in self.masking
                ]
        self.digit_uniform = not self._sequential and all(
            _digit_uniform(p) for p, _ in self.masking
        )
        self._repl = self._replace

    def _replace(self, m):
        return self._replacements[m.lastgroup]

    def __getstate__(self):
        state = self.__dict__.copy()
        for key in ("_regex", "_regexes", "_replacements", "_repl"):
            state.pop(key, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._build()

    def __call__(self, content):
        """Return ``content`` with every mask applied."""
        if self._sequential:
            for regex, repl in self._regexes:
                content = regex.sub(repl, content)
            return content
        if self._regex is None:
            return content
        return self._regex.sub(self._repl, content)

    def mask(self, content, mask_prefix, mask_suffix):  # drain3 API
        return self(content)


class CachedMasker:
    """Memoise a :class:`Masker`; exact, including the digit-normalised cache.

    If every pattern is digit-uniform, ``s`` and ``s`` with its ASCII digits
    turned into ``0`` match at identical spans; if the masked normalised string
    keeps no digit, all digits were inside masks, so both mask to the same
    string.  Otherwise the content is masked (and memoised) as it is.
    """

    def __init__(self, masker):
        self.masker = masker
        self.exact = {}
        self.normalised = {}
        self.use_normalised = masker.digit_uniform

    def __call__(self, content):
        if self.use_normalised:
            key = content.encode("utf-8", "surrogatepass").translate(_BYTES_TO_ZERO)
            masked = self.normalised.get(key)
            if masked is None:
                masked = self.masker(key.decode("utf-8", "surrogatepass"))
                if _has_digit(masked):
                    masked = False
                self.normalised[key] = masked
            if masked is not False:
                return masked
        masked = self.exact.get(content)
        if masked is None:
            masked = self.exact[content] = self.masker(content)
        return masked


_BYTES_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_DIGIT = re.compile(r"\d")


def _has_digit(s):
    return _DIGIT.search(s) is not None
