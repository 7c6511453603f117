"""How tantivy's terms aggregation costs for a multi-valued facet, against one value per
combination (a single-valued column whose buckets are split into their values in Python).

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

THEMES = [f"t{i:02d}" for i in range(20)]
LANGUAGES = [f"l{i:03d}" for i in range(180)]


def build(docs: int, folder: str) -> tantivy.Index:
    builder = tantivy.SchemaBuilder()
    for name in ("themes", "theme_set", "languages", "language_set"):
        builder.add_text_field(name, stored=False, fast=True, tokenizer_name="raw")
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


if __name__ == "__main__":
    main()
