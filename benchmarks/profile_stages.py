"""CPU time per article of each stage: the naive NLTK loop's and the pipeline's, on one core.

Usage (from the repository root)::

    .venv/bin/python benchmarks/profile_stages.py --n 1000

Where the time goes, before and after optimising: for the naive loop, NLTK Punkt sentence
splitting, the Treebank word tokenizer and NLTK's VADER, each timed alone over the same
articles; for the pipeline, :func:`helpers.text.split_sentences`,
:func:`helpers.sentiment.score_sentences` and :func:`helpers.events.detect_events` on those
articles' sentences, then ``analyze(..., workers=1)`` as a whole (all three plus the tables).
Every stage runs on a corpus it has not seen (a new seed), so no word, stem or score cache of an
earlier stage helps it. Times are ``time.process_time`` of this process, best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _cpu(func, arg) -> float:
    start = time.process_time()
    func(arg)
    return time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="articles per stage")
    parser.add_argument("--repeat", type=int, default=3, help="runs per stage (best is kept)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(HERE))
    import nltk
    import vaderSentiment
    from corpus_gen import make_corpus
    from nltk.sentiment.vader import SentimentIntensityAnalyzer
    from nltk.tokenize import TreebankWordTokenizer
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    from helpers import events, pipeline, sentiment, text

    taxonomy = events.load_taxonomy()
    # NLTK opens only files on its data path; vaderSentiment's folder holds the same lexicon.
    nltk.data.path.insert(0, str(Path(vaderSentiment.__file__).parent))
    nltk_vader = SentimentIntensityAnalyzer(lexicon_file="vader_lexicon.txt")
    punkt, treebank = PunktSentenceTokenizer(), TreebankWordTokenizer()

    seeds = iter(range(100, 10_000))

    def corpus():
        return make_corpus(args.n, seed=next(seeds))

    def texts():
        return corpus()["text"].tolist()

    def sentences():
        return [s for doc in texts() for s in punkt.tokenize(doc)]

    def fresh(make, use):
        """Time ``use`` on a fresh input from ``make`` each run (inputs are built untimed)."""
        return min(_cpu(use, make()) for _ in range(args.repeat))

    def analyze(docs):
        return pipeline.analyze(docs, taxonomy=taxonomy, workers=1, progress=False)

    def split_corpus():
        return text.split_sentences(corpus())

    rows = [
        ("naive", "NLTK Punkt (untrained) per article",
         fresh(texts, lambda ts: [punkt.tokenize(t) for t in ts])),
        ("naive", "NLTK Treebank word tokenizer per sentence",
         fresh(sentences, lambda ss: [treebank.tokenize(s) for s in ss])),
        ("naive", "NLTK VADER per sentence",
         fresh(sentences, lambda ss: [nltk_vader.polarity_scores(s) for s in ss])),
        ("pipeline", "text.split_sentences", fresh(corpus, text.split_sentences)),
        ("pipeline", "sentiment.score_sentences",
         fresh(split_corpus, lambda s: sentiment.score_sentences(s["text"]))),
        ("pipeline", "events.detect_events",
         fresh(split_corpus, lambda s: events.detect_events(s, taxonomy))),
        ("pipeline", "pipeline.analyze(workers=1), all stages",
         fresh(corpus, analyze)),
    ]  # fmt: skip

    print(f"# CPU ms per article, {args.n} generated articles per stage, best of {args.repeat}")
    print("| loop | stage | ms / article |")
    print("|---|---|---:|")
    for loop, stage, seconds in rows:
        print(f"| {loop} | {stage} | {1000 * seconds / args.n:.2f} |")
    naive = sum(s for loop, _, s in rows if loop == "naive")
    print(f"| naive | total | {1000 * naive / args.n:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
