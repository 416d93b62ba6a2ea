"""Throughput, memory and cache timings of ``helpers.pipeline.analyze`` against a naive NLTK loop.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_pipeline.py --n 2000 20000
    .venv/bin/python benchmarks/bench_pipeline.py --n 200000 --no-uncached --naive-sample 0

For each N, a fresh child process generates N synthetic articles (``corpus_gen.make_corpus``:
seed sentences made unique, so no cache or de-duplication helps), then runs ``analyze`` three
times: without cache, cold with a cache folder (includes hashing and writing Parquet), and again
(reading the cache). The child reports wall and CPU time, articles/s, MB/s (UTF-8 text),
sentences/s and peak memory: ``ru_maxrss`` of itself and of its largest child (pool workers) and
the peak of the summed RSS of its whole process tree, sampled every 0.1 s with psutil (with the
file-backed part of that peak, and the tree's RSS just before the runs: interpreter, libraries and
the corpus itself).

The naive loop is what a researcher would write with NLTK alone, one process, per article:
``PunktSentenceTokenizer()`` (untrained: the trained ``punkt_tab`` is a download),
``TreebankWordTokenizer().tokenize`` per sentence, and NLTK's VADER
``nltk.sentiment.vader.SentimentIntensityAnalyzer().polarity_scores`` per sentence, whose lexicon
is a download too, so it is given vaderSentiment's own ``vader_lexicon.txt`` (same file). It runs
on the first ``--naive-sample`` articles of the same corpus in the same child, so both see the
same machine load. The pipeline's scores are checked equal to vaderSentiment's on that sample.

``--dup`` adds the syndication scenario: N articles of which only N / copies texts are distinct.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


# ----------------------------------------------------------------------------------------------
# Child: one scenario, fresh process so peak memory is this scenario's alone


class _TreeRss:
    """Peaks of the summed RSS and PSS of this process and its descendants, sampled in a thread.

    RSS counts a page shared by several processes (the libraries and modules the pool workers
    inherit from the forkserver) once in each of them; PSS (proportional set size, from
    /proc/PID/smaps_rollup) divides it between them, so the tree's PSS is the memory it really
    occupies. Both count the pages of memory-mapped result files that are resident.
    """

    def __init__(self, interval: float = 0.1) -> None:
        import psutil

        self._proc = psutil.Process()
        self._interval = interval
        self.peak = 0
        self.peak_pss = 0
        self.peak_file = 0  # of the peak RSS, the file-backed pages (libraries, mapped results)
        self.start = self._sample()[0]  # before the runs: the interpreter, libraries and corpus
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> tuple[int, int, int]:
        rss = pss = shared = 0
        for p in [self._proc, *self._proc.children(recursive=True)]:
            try:
                info = p.memory_full_info()
            except Exception:  # a worker that just exited
                continue
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
            shared += getattr(info, "shared", 0)
        return rss, pss, shared

    def _run(self) -> None:
        while not self._stop.is_set():
            rss, pss, shared = self._sample()
            if rss > self.peak:
                self.peak, self.peak_file = rss, shared
            self.peak_pss = max(self.peak_pss, pss)
            time.sleep(self._interval)

    def __enter__(self) -> _TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _naive(texts: list[str]) -> dict:
    import nltk
    import vaderSentiment
    from nltk.sentiment.vader import SentimentIntensityAnalyzer
    from nltk.tokenize import TreebankWordTokenizer
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    lexicon_dir = Path(vaderSentiment.__file__).parent
    # NLTK only opens resources found on its data path; the package folder holds the lexicon.
    nltk.data.path.insert(0, str(lexicon_dir))
    start = time.perf_counter()
    analyzer = SentimentIntensityAnalyzer(lexicon_file="vader_lexicon.txt")
    punkt = PunktSentenceTokenizer()
    treebank = TreebankWordTokenizer()
    n_sentences = 0
    for doc in texts:
        for sentence in punkt.tokenize(doc):
            treebank.tokenize(sentence)
            analyzer.polarity_scores(sentence)
            n_sentences += 1
    wall = time.perf_counter() - start
    return {
        "articles": len(texts),
        "sentences": n_sentences,
        "wall_s": wall,
        "articles_per_s": len(texts) / wall,
        "lexicon": str(lexicon_dir / "vader_lexicon.txt"),
    }


def _timed(func) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def child(args: argparse.Namespace) -> dict:
    sys.path.insert(0, str(HERE))
    import pyarrow as pa
    import pyarrow.compute as pc
    from corpus_gen import make_corpus

    from helpers import events, pipeline

    taxonomy = events.load_taxonomy()
    documents = make_corpus(args.n, seed=args.seed, copies=args.copies)
    # Bytes counted by Arrow, distinct texts by digest a slice at a time: Series.nunique (2.5 GB
    # at 200,000 articles) and Arrow's count_distinct (a copy of every distinct text) left that
    # memory in the process during the runs, where it counted as the pipeline's.
    mb = pc.sum(pc.binary_length(pa.array(documents["text"]))).as_py() / 1e6
    distinct = len(
        {
            hashlib.blake2b(t.encode(), digest_size=16).digest()
            for a in range(0, len(documents), 10_000)
            for t in documents["text"].iloc[a : a + 10_000].tolist()
        }
    )
    out: dict = {
        "n": args.n,
        "copies": args.copies,
        "distinct_texts": int(distinct),
        "text_mb": mb,
        "workers": args.workers or pipeline._default_workers(),
        "rss_after_corpus_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    run = {"workers": args.workers, "chunk_size": args.chunk_size, "progress": False}

    with _TreeRss() as tree:
        if args.uncached:
            analysis, wall, cpu = _timed(
                lambda: pipeline.analyze(documents, **run, taxonomy=taxonomy)
            )
            out["uncached"] = {"wall_s": wall, "parent_cpu_s": cpu}
            del analysis
        with tempfile.TemporaryDirectory(dir=args.cache_root) as cache:
            analysis, wall, cpu = _timed(
                lambda: pipeline.analyze(documents, **run, taxonomy=taxonomy, cache_dir=cache)
            )
            out["cold_cached"] = {"wall_s": wall, "parent_cpu_s": cpu}
            n_sent, n_hits = len(analysis.sentences), len(analysis.events)
            if args.naive_sample:
                # Sentences follow document order: the sample's rows are at the head (an isin
                # over all 5 M doc_ids would itself take hundreds of MB inside the window).
                sample = documents["doc_id"].iloc[: args.naive_sample]
                head = analysis.sentences.iloc[: 100 * args.naive_sample]
                scored = head[head["doc_id"].isin(sample)].copy()
                del head
            del analysis
            again, wall, cpu = _timed(
                lambda: pipeline.analyze(documents, **run, taxonomy=taxonomy, cache_dir=cache)
            )
            out["cache_hit"] = {"wall_s": wall, "parent_cpu_s": cpu}
            del again
    out["sentences"], out["event_rows"] = n_sent, n_hits
    out["peak_tree_rss_mb"] = tree.peak / 1e6
    out["peak_tree_pss_mb"] = tree.peak_pss / 1e6
    out["peak_tree_file_backed_mb"] = tree.peak_file / 1e6
    out["tree_rss_before_mb"] = tree.start / 1e6
    out["maxrss_self_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["maxrss_largest_child_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    base = out["uncached"]["wall_s"] if args.uncached else out["cold_cached"]["wall_s"]
    out["articles_per_s"] = args.n / base
    out["mb_per_s"] = mb / base
    out["sentences_per_s"] = n_sent / base
    out["cache_hit_share_of_cold"] = out["cache_hit"]["wall_s"] / out["cold_cached"]["wall_s"]

    if args.naive_sample:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        reference = SentimentIntensityAnalyzer()
        equal = all(
            reference.polarity_scores(t) == {"neg": ng, "neu": nu, "pos": ps, "compound": c}
            for t, c, ps, nu, ng in scored[["text", "compound", "pos", "neu", "neg"]].itertuples(
                index=False
            )
        )
        naive = _naive(documents["text"].iloc[: args.naive_sample].tolist())
        naive["pipeline_scores_equal_vaderSentiment"] = bool(equal)
        naive["sentences_checked"] = len(scored)
        out["naive"] = naive
        out["speedup_vs_naive"] = out["articles_per_s"] / naive["articles_per_s"]
    return out


# ----------------------------------------------------------------------------------------------
# Parent: run scenarios, print a table


def _run_child(n: int, copies: int, args: argparse.Namespace, naive_sample: int) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "--n",
        str(n),
        "--copies",
        str(copies),
        "--seed",
        str(args.seed),
        "--chunk-size",
        str(args.chunk_size),
        "--naive-sample",
        str(naive_sample),
    ]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    if not args.uncached:
        cmd.append("--no-uncached")
    if args.cache_root:
        cmd += ["--cache-root", args.cache_root]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _line(r: dict) -> str:
    naive = r.get("naive")
    return (
        f"N={r['n']:>7} copies={r['copies']:>3} distinct={r['distinct_texts']:>7} "
        f"text={r['text_mb']:7.1f} MB | {r['articles_per_s']:7.0f} art/s "
        f"{r['mb_per_s']:5.2f} MB/s {r['sentences_per_s']:8.0f} sent/s | "
        f"cold+cache {r['cold_cached']['wall_s']:7.1f} s, hit {r['cache_hit']['wall_s']:6.2f} s "
        f"({100 * r['cache_hit_share_of_cold']:.1f} %) | peak tree RSS "
        f"{r['peak_tree_rss_mb']:6.0f} MB (file-backed {r['peak_tree_file_backed_mb']:.0f}, "
        f"before the runs {r['tree_rss_before_mb']:.0f}), PSS {r['peak_tree_pss_mb']:6.0f} MB"
        + (
            f" | naive {naive['articles_per_s']:.1f} art/s -> x{r['speedup_vs_naive']:.1f}"
            f", scores == vaderSentiment: {naive['pipeline_scores_equal_vaderSentiment']}"
            if naive
            else ""
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--copies", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument(
        "--dup",
        type=int,
        default=0,
        metavar="COPIES",
        help="also run each N with every text repeated COPIES times",
    )
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--chunk-size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--naive-sample", type=int, default=300)
    parser.add_argument(
        "--no-uncached",
        dest="uncached",
        action="store_false",
        help="skip the run without cache (saves time for large N)",
    )
    parser.add_argument("--cache-root", default=None, help="where the temporary cache goes")
    parser.add_argument("--json", default=None, help="also write all results to this file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        args.n = args.n[0]
        print(json.dumps(child(args)))
        return 0

    import vaderSentiment  # noqa: F401

    import helpers
    from helpers import sentiment

    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')} | {platform.processor() or platform.machine()} | "
        f"{os.cpu_count()} CPUs | Python {platform.python_version()} | helpers "
        f"{helpers.__version__} | vaderSentiment {sentiment.vader_version()}"
    )
    print(
        "# naive loop: NLTK Punkt (untrained) + Treebank + NLTK VADER with vaderSentiment's "
        "own vader_lexicon.txt (the NLTK lexicon is a download)"
    )
    results = []
    for n in args.n:
        scenarios = [(n, 1, args.naive_sample)]
        if args.dup:
            scenarios.append((n, args.dup, 0))
        for size, copies, sample in scenarios:
            result = _run_child(size, copies, args, sample)
            results.append(result)
            print(_line(result), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
