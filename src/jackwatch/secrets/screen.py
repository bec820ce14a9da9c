"""Which detectors of a catalogue can find a secret in a text, told by quick tests of the whole text.

Every key the catalogue knows is a long run of :data:`~jackwatch.secrets.detectors.TOKEN_CHARACTERS` (letters,
digits, ``_ - + /``), and ordinary prose has none: a text without a run as long as a detector's shortest
secret cannot hold one. Marking those characters is one translation of the text, and each length one search
for a run of marks: much less than looking for every keyword, which is one pass over the text per keyword.
PEM blocks, whose body is broken into lines, are told by their anchor (``-----BEGIN ``) instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from jackwatch.secrets.detectors import TOKEN_CHARACTERS, Detector

MARK = ord("!")
MARKS = bytes(MARK if chr(byte) in TOKEN_CHARACTERS else ord(" ") for byte in range(256))


class Screen:
    """The quick tests of a list of detectors (their ``min_run`` and ``anchors``), grouped by run length and
    anchor so that each is made once per text."""

    __slots__ = ("anchors", "runs", "unscreened")

    def __init__(self, detectors: Sequence[Detector]) -> None:
        runs: dict[int, set[int]] = {}
        anchors: dict[str, set[int]] = {}
        for index, detector in enumerate(detectors):
            if detector.min_run:
                runs.setdefault(detector.min_run, set()).add(index)
            for anchor in detector.anchors:
                anchors.setdefault(anchor, set()).add(index)
        # (run of marks, detectors) by increasing length: a text without one run has none of the longer ones
        self.runs = tuple((bytes([MARK]) * length, frozenset(runs[length])) for length in sorted(runs))
        self.anchors = tuple((anchor, frozenset(indexes)) for anchor, indexes in anchors.items())
        self.unscreened = frozenset(
            index for index, detector in enumerate(detectors) if not detector.min_run and not detector.anchors
        )

    def candidates(self, text: str) -> set[int]:
        """The indexes of the detectors that may find a secret in ``text`` (its keywords are not looked at)."""
        found = set(self.unscreened)
        if self.runs and len(text) >= len(self.runs[0][0]):
            marked = _marked(text)
            for run, indexes in self.runs:
                if run not in marked:
                    break
                found |= indexes
        for anchor, indexes in self.anchors:
            if anchor in text:
                found |= indexes
        return found

    def passes(self, text: str) -> bool:
        """Whether some detector may find a secret in ``text`` (:meth:`candidates` is not empty), told at the
        first test that passes."""
        if self.unscreened:
            return True
        if self.runs:
            shortest = self.runs[0][0]
            if len(text) >= len(shortest) and shortest in _marked(text):
                return True
        return any(anchor in text for anchor, _ in self.anchors)


def _marked(text: str) -> bytes:
    """``text`` with each key character replaced by a mark, and anything else by a space."""
    return text.encode(errors="surrogatepass").translate(MARKS)
