"""The search engine: an embedded tantivy index that follows the database.

The database is the source of truth. Every change to a listed person's or live organisation's
index entry (index.py computes them in the flush that writes them) is logged in
`search_changes` under a sequence number taken from `search_state.seq` in the same
transaction; the UPDATE of that one row makes writers take their numbers in the order they
commit. An index lives in the instance folder, one per kind (people, organisations) and
database, shared by the processes of one machine; a small state file beside it says which
database (`search_state.epoch`) and up to which sequence number it holds.

Before every search the process reads `search_state` (one primary-key read). When the index is
behind, the process that takes the folder's lock applies the logged changes (re-reading those
entries), commits and writes the new state; the others wait for it and reload. So a search
never answers from an index older than the last change committed before it began: a person
who hides, withdraws or is suspended is out of the next search on every worker of every
machine. A database that is not the one the index was built from (another epoch, a sequence
number that went back, changes already pruned) is read afresh in full.

What an index holds is only what index.py puts in an entry: listed people and live
organisations, never a contact detail.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import tantivy
from flask import Flask, current_app

from ..extensions import db
from . import Query, Result, scripts
from .changes import database_state, search_changes
from .facets import BY_LETTER, ORG, ORG_FACETS, PEOPLE_FACETS, Facet
from .index import entry_fields

logger = logging.getLogger(__name__)

# Bumped when the schema below or the meaning of an entry changes: every index is rebuilt.
# 2: name keys, names in every language, short forms; 3: all, recency; 4: bits; 5: nine
# languages, Persian letters and digits folded (text.normalise)
SCHEMA_VERSION = 5
WRITER_HEAP = 50_000_000
# A few changes at a time: tantivy's smallest heap (allocated at each writer), not the build's.
CHANGES_HEAP = 15_000_000
# Rows read at a time when an index is built afresh.
BUILD_BATCH = 5_000


@dataclass(frozen=True)
class Kind:
    """One kind of record the engine indexes: its table, text fields and facets."""

    name: str
    change: str  # its letter in search_changes
    table: str
    key: str
    fields: tuple[tuple[str, float], ...]  # text field, weight in the ranking
    facets: tuple[Facet, ...]
    sort_name: str  # column of the name order
    updated: str  # column of the "updated" order
    confirmed: str  # column whose most recent value wins a tie
    # The facet every entry has exactly one value of (index.py: a person's role, an
    # organisation's kind): its counts add up to the number of matches.
    single: str

    @property
    def weights(self) -> dict[str, float]:
        return dict(self.fields)

    @property
    def has_keys(self) -> bool:
        return "keys" in self.weights

    @property
    def letters(self) -> tuple[str, ...]:
        """The letters of its facets' tokens (facets.py)."""
        return tuple(facet.letter for facet in self.facets)


PEOPLE = Kind(
    name="people",
    change="p",
    table="profiles",
    key="user_id",
    fields=(
        ("name", 6.0),
        ("keys", 2.0),
        ("org", 3.0),
        ("title", 2.5),
        ("places", 1.5),
        ("bio", 1.0),
    ),
    facets=PEOPLE_FACETS,
    sort_name="search_name",
    updated="updated_at",
    confirmed="last_confirmed_at",
    single="r",
)
ORGANIZATIONS = Kind(
    name="organizations",
    change="o",
    table="organizations",
    key="id",
    fields=(("name", 6.0), ("places", 1.5), ("bio", 1.0)),
    facets=ORG_FACETS,
    sort_name="search_name",
    updated="updated_at",
    confirmed="updated_at",
    single="k",
)
KINDS = {kind.name: kind for kind in (PEOPLE, ORGANIZATIONS)}


def facet_field(letter: str) -> str:
    return "f" + letter


# A multi-valued facet's usual values (Facet.dense) are also written as bits: BITS values to
# a single-valued column, whose terms aggregation reads one number a match (at most 2^BITS
# buckets, split into their values here), where a multi-valued column reads a list: at a
# million people, 2.2 ms against 16 ms for the agenda's 22 situations. Its other values go to
# a multi-valued column of their own, which few entries hold.
BITS = 8


@cache
def bit_fields(letter: str) -> tuple[str, ...]:
    """The bit columns of a facet's usual values (none for a facet without them)."""
    dense = BY_LETTER[letter].dense_tokens()
    return tuple(f"m{letter}{n}" for n in range(0, len(dense), BITS))


def rest_field(letter: str) -> str:
    """The column of a facet's values that are not among its usual ones."""
    return "q" + letter


def counted_field(letter: str) -> str:
    """The column a facet's values are counted from by their own names: those beyond the
    usual ones where it has bit columns, else all of them."""
    return rest_field(letter) if bit_fields(letter) else facet_field(letter)


def _dense_digest() -> str:
    """What the bit columns mean: another order or value makes another index (_database_key)."""
    described = ";".join(f"{f.letter}:{','.join(f.dense_tokens())}" for f in BY_LETTER.values())
    return hashlib.sha256(described.encode()).hexdigest()[:8]


# Recency folded into the relevance score (`weight_by_field`: score × log2(2 + recency)), so
# that equal scores come out most recently confirmed first without reading every tie: at most
# RECENCY_SPAN relative (0.2%), from the start of RECENCY_FROM to RECENCY_TO; a score's
# 24-bit mantissa tells about 32,000 steps apart (five hours). What one step does not tell
# apart is sorted exactly after reading (`_page`).
RECENCY_SPAN = 2.0**-9
RECENCY_FROM = 1_577_836_800_000_000  # 2020-01-01, in microseconds
RECENCY_TO = 2_208_988_800_000_000  # 2040-01-01


def recency(confirmed_micros: int) -> float:
    """The weight field's value for a confirmation time: log2(2 + it) runs from 1 to
    1 + RECENCY_SPAN, in step with the time."""
    share = (confirmed_micros - RECENCY_FROM) / (RECENCY_TO - RECENCY_FROM)
    return 2.0 ** (1 + RECENCY_SPAN * min(1.0, max(0.0, share))) - 2.0


def build_schema(kind: Kind) -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    for name, _weight in kind.fields:
        builder.add_text_field(name, stored=False, index_option="freq")
    # Every word of every text field, document ids only: what matches, counted and faceted
    # without the ranking's weights (a field matches a word if and only if this one does).
    builder.add_text_field("all", stored=False, index_option="basic")
    builder.add_float_field("recency", stored=False, indexed=False, fast=True)
    for letter in kind.letters:
        builder.add_text_field(facet_field(letter), stored=False, fast=True, tokenizer_name="raw")
        columns = bit_fields(letter)
        for column in columns:
            builder.add_unsigned_field(column, stored=False, indexed=False, fast=True)
        if columns:
            builder.add_text_field(
                rest_field(letter), stored=False, fast=True, tokenizer_name="raw"
            )
    builder.add_text_field("sort_name", stored=False, fast=True, tokenizer_name="raw")
    builder.add_unsigned_field("updated", stored=False, fast=True)
    builder.add_unsigned_field("confirmed", stored=False, fast=True)
    return builder.build()


def _micros(value: Any) -> int:
    """A datetime (or its text, as SQLite returns it in raw rows) as microseconds."""
    if value is None:
        return 0
    if isinstance(value, str):
        from datetime import datetime

        value = datetime.fromisoformat(value)
    return max(0, int(value.timestamp() * 1_000_000))


# --- one index on disk ------------------------------------------------------------------------


def _database_key(app: Flask) -> str:
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    described = f"{SCHEMA_VERSION}:{_dense_digest()}:{url.render_as_string(hide_password=True)}"
    return hashlib.sha256(described.encode()).hexdigest()[:16]


class Engine:
    """The index of one kind in this machine's instance folder, as this process sees it."""

    def __init__(self, app: Flask, kind: Kind) -> None:
        self.kind = kind
        self.folder = Path(app.instance_path) / "search" / f"{kind.name}-{_database_key(app)}"
        self.schema = build_schema(kind)
        self._index: tantivy.Index | None = None
        self._seen: tuple[str, int] | None = None  # the state this process's reader holds
        self._lock = threading.Lock()

    # state file: which database and up to which change the index holds

    @property
    def _state_path(self) -> Path:
        return self.folder / "state.json"

    def _read_state(self) -> tuple[str, int] | None:
        try:
            data = json.loads(self._state_path.read_text())
            return str(data["epoch"]), int(data["seq"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write_state(self, epoch: str, seq: int) -> None:
        temporary = self._state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"epoch": epoch, "seq": seq}))
        os.replace(temporary, self._state_path)

    @contextmanager
    def _folder_lock(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.folder / "lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _open(self) -> tantivy.Index:
        if self._index is None:
            self._index = tantivy.Index(self.schema, path=str(self.folder / "index"), reuse=True)
        return self._index

    # following the database

    def searcher(self) -> tantivy.Searcher:
        """A searcher over every change committed before this call."""
        wanted = database_state()
        with self._lock:
            if self._seen != wanted:
                self._follow(wanted)
            return self._open().searcher()

    def _follow(self, wanted: tuple[str, int]) -> None:
        if self._read_state() != wanted:
            with self._folder_lock():
                # Decided under the lock from what the index and the database hold now:
                # another process may have caught up meanwhile, even past `wanted`.
                held = self._read_state()
                wanted = database_state()
                if held is None or held[0] != wanted[0] or held[1] > wanted[1]:
                    self._rebuild(wanted)  # another database, or one that went back
                elif held[1] < wanted[1]:
                    self._apply(held[1], wanted)
        self._open().reload()
        self._seen = wanted

    @property
    def seen(self) -> tuple[str, int]:
        """The database state (epoch, seq) the last searcher was brought to."""
        return self._seen or ("", 0)

    def rebuild(self) -> int:
        """Build this index afresh from the database (`ngowg reindex`); the entries read."""
        with self._lock, self._folder_lock():
            wanted = database_state()
            count = self._rebuild(wanted)
        self._open().reload()
        self._seen = wanted
        return count

    def _rebuild(self, wanted: tuple[str, int]) -> int:
        started = time.monotonic()
        (self.folder / "index").mkdir(parents=True, exist_ok=True, mode=0o700)
        index = self._open()
        writer = index.writer(heap_size=WRITER_HEAP, num_threads=1)
        writer.delete_all_documents()
        count = 0
        for row in self._rows(None):
            writer.add_document(self._document(row))
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        self._write_state(*wanted)
        logger.info(
            "search index of %s built: %d entries in %.1f s",
            self.kind.name,
            count,
            time.monotonic() - started,
        )
        return count

    def _apply(self, after: int, wanted: tuple[str, int]) -> None:
        rows = db.session.execute(
            sa.select(search_changes.c.seq, search_changes.c.kind, search_changes.c.record_id)
            .where(search_changes.c.seq > after, search_changes.c.seq <= wanted[1])
            .order_by(search_changes.c.seq)
        ).all()
        if (rows and rows[0][0] != after + 1) or (not rows and wanted[1] > after):
            self._rebuild(wanted)  # the log was pruned past what this index holds
            return
        if any(kind == "*" for _seq, kind, _id in rows):
            self._rebuild(wanted)
            return
        ids = sorted({record_id for _seq, kind, record_id in rows if kind == self.kind.change})
        if ids:
            writer = self._open().writer(heap_size=CHANGES_HEAP, num_threads=1)
            for start in range(0, len(ids), 500):
                batch = ids[start : start + 500]
                # (by query: a u64 term given to delete_documents_by_term matches nothing)
                writer.delete_documents_by_query(
                    tantivy.Query.term_set_query(self.schema, "id", batch)
                )
                for row in self._rows(batch):
                    writer.add_document(self._document(row))
            writer.commit()
            writer.wait_merging_threads()
        self._write_state(*wanted)

    def _rows(self, ids: list[int] | None) -> Iterator[sa.Row]:
        kind = self.kind
        table = sa.table(
            kind.table,
            sa.column(kind.key),
            sa.column("search_text"),
            sa.column("search_filters"),
            sa.column("search_name"),
            sa.column(kind.updated),
            sa.column(kind.confirmed),
        )
        columns = table.c
        statement = sa.select(
            columns[kind.key],
            columns.search_text,
            columns.search_filters,
            columns.search_name,
            columns[kind.updated],
            columns[kind.confirmed],
        ).where(columns.search_text.is_not(None))
        if ids is not None:
            statement = statement.where(columns[kind.key].in_(ids))
        result = db.session.execute(statement.execution_options(yield_per=BUILD_BATCH))
        for partition in result.partitions(BUILD_BATCH):
            yield from partition

    def _document(self, row: sa.Row) -> tantivy.Document:
        record_id, text, filters, name, updated, confirmed = row
        document = tantivy.Document()
        document.add_unsigned("id", int(record_id))
        fields = entry_fields(text, name)
        for field_name, _weight in self.kind.fields:
            value = fields.get(field_name)
            if value:
                document.add_text(field_name, value)
                if field_name != "keys":
                    document.add_text("all", value)
        bits: dict[str, int] = {}
        for tok in (filters or "").split():
            letter = tok[1:2]
            if letter in self.kind.letters:
                document.add_text(facet_field(letter), tok)
                position = _bit_positions(letter).get(tok)
                if position is not None:
                    bits[letter] = bits.get(letter, 0) | 1 << position
                elif bit_fields(letter):
                    document.add_text(rest_field(letter), tok)
        for letter in self.kind.letters:  # every entry a value in each (0: none), as is fastest
            mask = bits.get(letter, 0)
            for n, column in enumerate(bit_fields(letter)):
                document.add_unsigned(column, mask >> (n * BITS) & ((1 << BITS) - 1))
        document.add_text("sort_name", name or "")
        document.add_unsigned("updated", _micros(updated))
        document.add_unsigned("confirmed", _micros(confirmed))
        document.add_float("recency", recency(_micros(confirmed)))
        return document


@cache
def _bit_positions(letter: str) -> dict[str, int]:
    return {tok: n for n, tok in enumerate(BY_LETTER[letter].dense_tokens())}


def engine(kind: str) -> Engine:
    """This app's engine for a kind of record (one per process and app)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's object
    engines = app.extensions.setdefault("search_engines", {})
    found = engines.get(kind)
    if found is None:
        found = engines[kind] = Engine(app, KINDS[kind])
    return found


# --- queries ----------------------------------------------------------------------------------


def typos(word: str) -> int:
    """Typos a query word may hold (as Meilisearch counts them): one from 5 letters, two from 9."""
    if word.isdigit():
        return 0
    return 2 if len(word) >= 9 else 1 if len(word) >= 5 else 0


def word_query(schema: tantivy.Schema, kind: Kind, word: str, *, last: bool) -> tantivy.Query:
    """What one query word matches: in any field, exactly (ranked first), as a prefix, or
    with its typos; the last word also as a prefix with one typo from 4 letters (as typed)."""
    query = tantivy.Query
    should = []
    distance = typos(word)
    for field_name, weight in kind.fields:
        if field_name == "keys":
            continue
        should.append(query.boost_query(query.term_query(schema, field_name, word), weight * 4))
        if len(word) >= 2:
            prefix = query.fuzzy_term_query(schema, field_name, word, 0, True, True)
            should.append(query.boost_query(prefix, weight * 2))
        if distance:
            fuzzy = query.fuzzy_term_query(schema, field_name, word, distance, True, False)
            should.append(query.boost_query(fuzzy, weight))
        if last and len(word) >= 4 and not word.isdigit():
            fuzzy_prefix = query.fuzzy_term_query(schema, field_name, word, 1, True, True)
            should.append(query.boost_query(fuzzy_prefix, weight * 0.5))
    # The same name in another script or spelling (Fatima, فاطمة): its consonant key.
    name_key = scripts.key(word) if kind.has_keys else ""
    if len(name_key) >= 2:
        weight = kind.weights["keys"]
        should.append(query.boost_query(query.term_query(schema, "keys", name_key), weight))
    return query.boolean_query([(tantivy.Occur.Should, sub) for sub in should])


def word_match(schema: tantivy.Schema, kind: Kind, word: str, *, last: bool) -> tantivy.Query:
    """What one query word matches, as `word_query` does, without its weights: the same
    documents through one field (`all`) in two or three automata instead of one per field."""
    query = tantivy.Query
    distance = typos(word)
    should = []
    if len(word) >= 2:
        prefix_typos = 1 if last and len(word) >= 4 and not word.isdigit() else 0
        should.append(query.fuzzy_term_query(schema, "all", word, prefix_typos, True, True))
    else:
        should.append(query.term_query(schema, "all", word))
    if distance:
        should.append(query.fuzzy_term_query(schema, "all", word, distance, True, False))
    name_key = scripts.key(word) if kind.has_keys else ""
    if len(name_key) >= 2:
        should.append(query.term_query(schema, "keys", name_key))
    return query.boolean_query([(tantivy.Occur.Should, sub) for sub in should])


def matching(
    schema: tantivy.Schema, kind: Kind, words: list[str], tokens: Iterable[str]
) -> tantivy.Query:
    """The documents `combined` finds, unscored: for counting them and their facets."""
    must = [
        (tantivy.Occur.Must, word_match(schema, kind, word, last=n == len(words) - 1))
        for n, word in enumerate(words)
    ]
    must += [(tantivy.Occur.Must, sub) for sub in filter_query(schema, tokens)]
    if not must:
        return tantivy.Query.all_query()
    return tantivy.Query.boolean_query(must)


def filter_query(schema: tantivy.Schema, tokens: Iterable[str]) -> list[tantivy.Query]:
    return [tantivy.Query.term_query(schema, facet_field(tok[1]), tok) for tok in tokens]


def combined(
    schema: tantivy.Schema, kind: Kind, words: list[str], tokens: Iterable[str]
) -> tantivy.Query:
    must: list[tuple[tantivy.Occur, tantivy.Query]] = [
        (tantivy.Occur.Must, word_query(schema, kind, word, last=n == len(words) - 1))
        for n, word in enumerate(words)
    ]
    must += [
        (tantivy.Occur.Must, tantivy.Query.const_score_query(sub, 0.0))
        for sub in filter_query(schema, tokens)
    ]
    if not must:
        return tantivy.Query.all_query()
    return tantivy.Query.boolean_query(must)


def count_facets(
    searcher: tantivy.Searcher, kind: Kind, query: tantivy.Query, letters: Iterable[str]
) -> Counter:
    """Matches per filter token of the given facets (the organisation facet's top ones)."""
    from .base import ORG_FACET_SIZE

    aggregations: dict[str, dict] = {}
    for letter in letters:
        for column in bit_fields(letter):
            aggregations[column] = {"terms": {"field": column, "size": 1 << BITS}}
        field = counted_field(letter)
        size = ORG_FACET_SIZE if letter == ORG.letter else 1000
        aggregations[field] = {"terms": {"field": field, "size": size}}
    if not aggregations:
        return Counter()
    answer = searcher.aggregate(query, aggregations)
    counter: Counter = Counter()
    for letter in letters:
        dense = BY_LETTER[letter].dense_tokens()
        for n, column in enumerate(bit_fields(letter)):
            for bucket in answer.get(column, {}).get("buckets", []):
                mask, count = int(bucket["key"]), int(bucket["doc_count"])
                position = n * BITS
                while mask:
                    if mask & 1:
                        counter[dense[position]] += count
                    mask >>= 1
                    position += 1
        for bucket in answer.get(counted_field(letter), {}).get("buckets", []):
            counter[bucket["key"]] = int(bucket["doc_count"])
    return counter


# Two threads per process count the facets of searches (a search waits for its own counts),
# from PARALLEL_FROM entries: below it counting takes a few milliseconds, and handing it to
# threads costs a busy server more than it saves one search.
COUNTING_THREADS = 2
PARALLEL_FROM = 200_000
_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


class _Inline:
    """Runs each task at once on this thread, as a pool's `submit` would answer it."""

    @staticmethod
    def submit(function: Any, *args: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(function(*args))
        except Exception as exc:  # handed to whoever reads the result, as a pool does
            future.set_exception(exc)
        return future


def _counting_pool() -> ThreadPoolExecutor:
    """This process's counting threads: a pool made before a fork (gunicorn's preloading
    master) has no threads in the child, so each process makes its own."""
    pid = os.getpid()
    pool = _pools.get(pid)
    if pool is None:
        with _pools_lock:
            pool = _pools.get(pid)
            if pool is None:
                pool = ThreadPoolExecutor(COUNTING_THREADS, thread_name_prefix="search-facets")
                _pools.clear()  # the parent's, whose threads are not in this process
                _pools[pid] = pool
    return pool


def search(kind_name: str, query: Query) -> Result:
    """The page of ids, the total and the facets of a query: the facets stay open (each facet
    with a value picked is counted without its own filter, as Algolia and Meilisearch do)."""
    from .base import facets_from, trim_orgs, with_org_slugs

    kind = KINDS[kind_name]
    found = engine(kind_name)
    searcher = found.searcher()
    schema = found.schema
    words = query.words
    tokens = query.tokens
    # Matched and counted unscored, through one field; ranked with the fields' weights. The
    # facets are counted on the counting threads (tantivy lets go of the GIL) while this one
    # ranks the page: those with no value picked in one aggregation (one pass over the
    # matches: counted by bits, splitting them over two threads cost more than it saved),
    # each facet with a value picked apart, without its own filter.
    match = matching(schema, kind, words, tokens)
    picked = {tok[1] for tok in tokens}
    unpicked = [letter for letter in kind.letters if letter not in picked]
    pool = _counting_pool() if searcher.num_docs >= PARALLEL_FROM else _Inline()
    counting = [pool.submit(count_facets, searcher, kind, match, unpicked)] if unpicked else []
    for letter in sorted(picked & set(kind.letters)):
        others = [tok for tok in tokens if tok[1] != letter]
        own = matching(schema, kind, words, others)
        counting.append(pool.submit(count_facets, searcher, kind, own, [letter]))
    # The page first, while the threads count: it does not wait for the total.
    ranked = combined(schema, kind, words, tokens) if words and query.sort == "relevance" else match
    ids = _page(searcher, ranked, query, bool(words))
    if not words and not tokens:
        total = searcher.num_docs
    elif kind.single not in picked:  # every match has one value of it: the counts add up
        single = "x" + kind.single
        counted = counting[0].result()
        total = sum(n for tok, n in counted.items() if tok.startswith(single))
    else:
        total = _count(searcher.search(match, 1, count=True))
    counter: Counter = Counter()
    for part in counting:
        counter.update(part.result())
    for tok in tokens:  # a value picked counts the matches themselves (none: not a count)
        if total:
            counter[tok] = total
        else:
            counter.pop(tok, None)
    keep = frozenset(tok[2:] for tok in tokens if tok[1] == ORG.letter)
    facets = trim_orgs(facets_from(counter), keep)
    suggestion = suggest(searcher, schema, kind, words, tokens) if not total and words else None
    result = Result(ids=ids, total=total, facets=facets, suggestion=suggestion)
    return with_org_slugs(result, found.seen)


# Fields whose words a "did you mean" may offer (not the free texts: a bio's words are not
# what people look for by name).
SUGGESTION_FIELDS = ("name", "org", "title", "places")
SUGGESTION_TERMS = 20_000


def suggest(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    kind: Kind,
    words: list[str],
    tokens: list[str],
) -> str | None:
    """When nothing matches: the query with each word replaced by the closest indexed word
    (at most two edits away, the same first letter), if that finds someone."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    fields = [name for name, _weight in kind.fields if name in SUGGESTION_FIELDS]
    # Only the words of entries there are now: a term dictionary keeps the words of deleted
    # entries (a person who hid, an old name) until its segments merge, and counted without
    # a filter they would be offered.
    live = tantivy.Query.all_query()
    corrected = []
    for word in words:
        terms: set[str] = set()
        for field_name in fields:
            found = searcher.terms_with_prefix(
                field_name, word[:1], filter_query=live, limit=SUGGESTION_TERMS
            )
            terms.update(term for term, count in found if count > 0)
        if word in terms or word.isdigit():
            corrected.append(word)
            continue
        best = process.extractOne(word, terms, scorer=Levenshtein.distance, score_cutoff=2)
        corrected.append(best[0] if best else word)
    if corrected == words:
        return None
    if not _count(searcher.search(combined(schema, kind, corrected, tokens), 1, count=True)):
        return None
    return " ".join(corrected)


def _page(
    searcher: tantivy.Searcher, ranked: tantivy.Query, query: Query, has_words: bool
) -> list[int]:
    """The page's ids. Ties (the same score, name or time) are broken as the database would:
    the most recently confirmed first for relevance (mostly within the score already:
    `recency`), then the smaller id; a tie may reach past the page, so reading goes on until
    the key after the page differs from the page's last one."""
    sort = query.sort if has_words or query.sort != "relevance" else "name"
    options: dict[str, Any] = {}
    if sort == "name":
        options = {"order_by_field": "sort_name", "order": tantivy.Order.Asc}
    elif sort == "updated":
        options = {"order_by_field": "updated"}
    else:
        options = {"weight_by_field": "recency"}
    end = query.offset + query.per_page  # a page past the last one reads fewer hits than this
    limit = end + 20
    while True:
        hits = searcher.search(ranked, limit, count=False, **options).hits
        if len(hits) <= end or len(hits) < limit or hits[end - 1][0] != hits[-1][0]:
            break
        limit *= 2
    addresses = [address for _key, address in hits]
    ids = [int(value or 0) for value in searcher.fast_field_values("id", addresses)] if hits else []
    keys: list[tuple[Any, ...]]
    if sort == "relevance":
        confirmed = searcher.fast_field_values("confirmed", addresses)
        keys = [
            (-score, -(when or 0), id_)
            for (score, _a), when, id_ in zip(hits, confirmed, ids, strict=True)
        ]
    elif sort == "updated":
        keys = [(-when, id_) for (when, _a), id_ in zip(hits, ids, strict=True)]
    else:
        keys = [(name, id_) for (name, _a), id_ in zip(hits, ids, strict=True)]
    ranked_ids = sorted(zip(keys, ids, strict=True))
    return [id_ for _key, id_ in ranked_ids[query.offset : end]]


def _count(found: tantivy.SearchResult) -> int:
    return int(found.count or 0)  # type: ignore[attr-defined]  # the stub lacks `count`
