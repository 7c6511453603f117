"""Close names found in time linear in the rows: a name is compared only with the few names
that share an intact piece of it, never with every member of the organisation.

"Close": a similarity of at least 90 (rapidfuzz's `fuzz.ratio`, an Indel distance of at most a
tenth of the two lengths) between folded names. Comparing each row with every member is
quadratic: 40,000 rows of one organisation took 50 s to preview, past the workers' 30 s.

The pieces are PassJoin's (Li, Deng, Wang and Feng, VLDB 2011). A stored name of m characters
is cut into K(m) + 1 pieces, K(m) being the most edits a close name may be away from it. A name
within k <= K(m) edits keeps one piece intact, shifted by at most the edits on its left, so a
new name looks up a few of its own substrings and finds every close name it must be compared
with. Two caps keep a row's cost constant whatever the file holds: at most PROBES look-ups
(every look-up for names of up to 40 characters; beyond, the nearest lengths first) and at
most COMPARED names handed to rapidfuzz (those of the smallest buckets first, so only a
crowded organisation of look-alike names can leave some out).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache

from rapidfuzz import fuzz, process

SIMILARITY = 90
PROBES = 600
COMPARED = 64
LONGEST = 480  # folded characters; a name is at most 120, refused beyond before it is stored


def _edits(n: int, m: int) -> int:
    """The most Indel edits between names of n and m characters that still look alike."""
    return (n + m) // 10


def _close_lengths(n: int) -> Iterator[int]:
    """Lengths a name of n characters may be close to, nearest first."""
    yield n
    for gap in itertools.count(1):
        if gap > _edits(n, n + gap):  # then for every greater gap too, and shorter ones
            return
        if n - gap > 0 and gap <= _edits(n, n - gap):
            yield n - gap
        yield n + gap


@lru_cache(maxsize=1024)
def _pieces(m: int) -> tuple[tuple[int, int], ...]:
    """(start, length) of the pieces of a stored name of m characters."""
    most = max(_edits(n, m) for n in _close_lengths(m))
    count = most + 1
    size, longer = divmod(m, count)
    pieces, start = [], 0
    for place in range(count):
        length = size + (1 if place >= count - longer else 0)
        pieces.append((start, length))
        start += length
    return tuple(pieces)


@lru_cache(maxsize=1024)
def _probes(n: int) -> tuple[tuple[int, int, tuple[tuple[int, int], ...]], ...]:
    """What to look up for a name of n characters, nearest lengths first: (stored length,
    piece, the (start, length) of each substring of the name to look for), at most PROBES."""
    found: list[tuple[int, int, tuple[tuple[int, int], ...]]] = []
    total = 0
    for m in _close_lengths(n):
        edits, delta = _edits(n, m), n - m
        # Some piece is intact with exactly `place` edits on its left and the rest on its
        # right (the first piece where the pieces before it hold as many edits as there
        # are pieces): only the first `edits + 1` pieces can be it, shifted by at most that.
        for place, (start, length) in enumerate(_pieces(m)[: edits + 1]):
            low = max(-place, delta - (edits - place))
            high = min(place, delta + (edits - place))
            spans = tuple(
                (start + shift, length)
                for shift in range(low, high + 1)
                if start + shift >= 0 and start + shift + length <= n
            )[: PROBES - total]
            if spans:
                found.append((m, place, spans))
                total += len(spans)
            if total >= PROBES:
                return tuple(found)
    return tuple(found)


class NameIndex:
    """Folded names by their pieces, in the order they were added."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._exact: dict[str, int] = {}
        # (stored length, piece) -> the piece's text -> places of the names that have it
        self._tables: defaultdict[tuple[int, int], defaultdict[str, list[int]]] = defaultdict(
            lambda: defaultdict(list)
        )

    def add(self, folded: str) -> None:
        """Index one more folded name (its place is the number of names before it)."""
        place = len(self.names)
        self.names.append(folded)
        if not folded:
            return
        self._exact.setdefault(folded, place)
        m = len(folded)
        for piece, (start, length) in enumerate(_pieces(m)):
            self._tables[(m, piece)][folded[start : start + length]].append(place)

    def candidates(self, folded: str) -> list[int]:
        """Places of the names to compare with, at most COMPARED, from the smallest buckets."""
        buckets = []
        tables = self._tables
        for m, piece, spans in _probes(len(folded)):
            table = tables.get((m, piece))
            if table is not None:
                for at, length in spans:
                    bucket = table.get(folded[at : at + length])
                    if bucket is not None:
                        buckets.append(bucket)
        chosen: set[int] = set()
        for bucket in sorted(buckets, key=len):
            chosen.update(bucket[: COMPARED - len(chosen)])
            if len(chosen) >= COMPARED:
                break
        return sorted(chosen)

    def closest(self, folded: str) -> int | None:
        """The place of the most similar close name (the first of equals), or None."""
        if not folded or len(folded) > LONGEST:
            return None
        if folded in self._exact:
            return self._exact[folded]
        places = self.candidates(folded)
        if not places:
            return None
        match = process.extractOne(
            folded, [self.names[p] for p in places], scorer=fuzz.ratio, score_cutoff=SIMILARITY
        )
        return None if match is None else places[match[2]]
