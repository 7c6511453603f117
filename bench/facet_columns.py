"""How tantivy's terms aggregation costs for a multi-valued facet, against one value per
combination (a single-valued column whose buckets are split into their values in Python), and
against bits (search/engine.py's way: eight values to a single-valued column, BITS, whose at
most 256 buckets are split into their values; the languages beyond the twelve usual ones in a
multi-valued column of their own, `language_rest`).

A synthetic index of N documents: themes (1 to 3 of 20), languages (1 or 2 of the 12 most used,
and a third of the 180 for 30%), and a word held by a third of them. Prints, for the whole index
and for that word, the best of five aggregations of each column and the Python time to split
the combinations' buckets. Not a target of its own: it chooses how search/engine.py counts.

    .venv/bin/python bench/facet_columns.py --docs 1000000
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections import Counter

import tantivy

BITS = 8  # as search/engine.py

THEMES = [f"t{i:02d}" for i in range(20)]
LANGUAGES = [f"l{i:03d}" for i in range(180)]
USUAL_LANGUAGES = 12
BIT_COLUMNS = {
    **{f"theme_bits{n}": ("theme", n) for n in range(0, len(THEMES), 8)},
    **{f"language_bits{n}": ("language", n) for n in range(0, USUAL_LANGUAGES, 8)},
}


def bits(values: list[str], universe: list[str], start: int) -> int:
    """The bits of the values among universe[start:start + BITS]."""
    chunk = universe[start : start + BITS]
    return sum(1 << chunk.index(value) for value in values if value in chunk)


def build(docs: int, folder: str) -> tantivy.Index:
    builder = tantivy.SchemaBuilder()
    for name in ("themes", "theme_set", "languages", "language_set", "language_rest"):
        builder.add_text_field(name, stored=False, fast=True, tokenizer_name="raw")
    for name in BIT_COLUMNS:
        builder.add_unsigned_field(name, stored=False, fast=True)
    builder.add_text_field("word", stored=False)
    index = tantivy.Index(builder.build(), folder)
    writer = index.writer(heap_size=500_000_000)
    rng = random.Random(1)
    for _n in range(docs):
        themes = sorted(rng.sample(THEMES, rng.randint(1, 3)))
        languages = rng.sample(LANGUAGES[:12], rng.randint(1, 2))
        if rng.random() < 0.3:
            languages.append(rng.choice(LANGUAGES))
        languages = sorted(set(languages))
        doc = tantivy.Document()
        for theme in themes:
            doc.add_text("themes", theme)
        doc.add_text("theme_set", "|".join(themes))
        for language in languages:
            doc.add_text("languages", language)
        doc.add_text("language_set", "|".join(languages))
        for language in languages:
            if LANGUAGES.index(language) >= USUAL_LANGUAGES:
                doc.add_text("language_rest", language)
        for name, (facet, start) in BIT_COLUMNS.items():
            universe = THEMES if facet == "theme" else LANGUAGES
            doc.add_unsigned(name, bits(themes if facet == "theme" else languages, universe, start))
        doc.add_text("word", "women" if rng.random() < 0.33 else "men")
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index


def best_of(runs: int, work) -> tuple[float, object]:
    best, answer = float("inf"), None
    for _run in range(runs):
        started = time.perf_counter()
        answer = work()
        best = min(best, time.perf_counter() - started)
    return best * 1000, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        index = build(args.docs, folder)
        print(f"{args.docs:,} documents indexed in {time.perf_counter() - started:.1f} s")
        searcher = index.searcher()
        queries = {
            "every document": tantivy.Query.all_query(),
            "one word (a third)": index.parse_query("women", ["word"]),
        }
        for label, query in queries.items():
            for field in ("themes", "theme_set", "languages", "language_set"):
                aggregation = {field: {"terms": {"field": field, "size": 100_000}}}
                ms, answer = best_of(5, lambda a=aggregation, q=query: searcher.aggregate(q, a))
                buckets = answer[field]["buckets"]  # type: ignore[index]

                def split(found=buckets) -> Counter:
                    counts: Counter = Counter()
                    for bucket in found:
                        for value in bucket["key"].split("|"):
                            counts[value] += bucket["doc_count"]
                    return counts

                split_ms = best_of(5, split)[0] if field.endswith("_set") else 0.0
                print(
                    f"{label:20} {field:13} aggregation {ms:6.1f} ms, {len(buckets):6,} buckets,"
                    f" split {split_ms:5.1f} ms"
                )
            for facet in ("theme", "language"):
                columns = [name for name, (f, _n) in BIT_COLUMNS.items() if f == facet]
                if facet == "language":
                    columns.append("language_rest")
                aggregation = {c: {"terms": {"field": c, "size": 1 << BITS}} for c in columns}
                ms, answer = best_of(5, lambda a=aggregation, q=query: searcher.aggregate(q, a))
                name = facet + " bits"
                print(f"{label:20} {name:13} aggregation {ms:6.1f} ms ({len(columns)} columns)")


if __name__ == "__main__":
    main()
