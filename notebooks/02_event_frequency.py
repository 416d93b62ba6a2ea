# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (helpers)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Event frequency over time
#
# Which kinds of events does the coverage talk about, and how often, period by period? Each
# sentence is matched against an editable taxonomy of conflict events (`taxonomy_path`; the default
# ships in `helpers/data/taxonomy.yml`, with the nearest ACLED and CAMEO categories). The main
# measure is the **share of a period's articles that mention an event at least once**, the
# convention of GDELT and Media Cloud: a raw count would mostly measure how much was published.
# Every count below can be traced to the sentences behind it in the evidence table at the end.

# %% tags=["parameters"]
corpus_path = None  # file or folder of articles; None: the embedded seeds/
text_column = None  # CSV/JSONL/Parquet column(s) holding the text
date_column = None  # column holding the publication date
title_column = None  # column holding the headline
metadata_path = None  # sidecar CSV (doc_id,date[,title]) that dates articles
start = None  # first day analysed, "YYYY-MM-DD"
end = None  # last day analysed, "YYYY-MM-DD"
taxonomy_path = None  # event taxonomy YAML; None: the shipped default
events = None  # list of event ids to show; None: all
freq = "D"  # calendar period: D, W or M
normalize = "share"  # share, per_1000_sentences or count
rolling_days = 1  # rolling window in calendar days (daily series only)
min_docs = 1  # periods with fewer articles are masked, not drawn as 0% or 100%
top_n = 6  # events drawn as lines
key_dates_path = None  # key dates YAML drawn as markers; None: the shipped one; "" for none
engine = "local"  # where the analysis runs: "local" (every CPU here) or "dask" (a cluster)
scheduler = None  # Dask scheduler address, "tcp://host:8786"; None: the current client
workers = None  # processes for the local engine; None: every CPU
output_dir = None  # where figures/ and data/ go; None: show only

# %%
from helpers import config, corpus, overview, pipeline, plotting, timeseries
from helpers import events as ev
from helpers.params import validate

params = validate(
    corpus_path=corpus_path,
    text_column=text_column,
    date_column=date_column,
    title_column=title_column,
    metadata_path=metadata_path,
    start=start,
    end=end,
    taxonomy_path=taxonomy_path,
    events=events,
    freq=freq,
    normalize=normalize,
    rolling_days=rolling_days,
    min_docs=min_docs,
    top_n=top_n,
    key_dates_path=key_dates_path,
    engine=engine,
    scheduler=scheduler,
    workers=workers,
    output_dir=output_dir,
)
taxonomy = ev.load_taxonomy(params.taxonomy)
if params.events:
    taxonomy = taxonomy.subset(params.events)
loaded = corpus.load_corpus(params.corpus, **params.corpus_kwargs())
documents = corpus.select_dates(loaded.documents, params.start, params.end)
analysis = pipeline.analyze(
    documents, taxonomy=taxonomy, cache_dir=config.CACHE_DIR, **params.analyze_kwargs()
)
key_dates = timeseries.load_key_dates(params.key_dates) if params.key_dates else None

# %% [markdown]
# ## Event mix over time

# %%
counts = timeseries.event_counts(
    documents,
    analysis.sentences,
    analysis.events,
    freq=params.freq,
    start=params.start,
    end=params.end,
    events_subset=taxonomy.ids,
)
values = timeseries.normalize_counts(
    counts, how=params.normalize, min_docs=params.min_docs, rolling_days=params.rolling_days
)
method = timeseries.method_note(
    params.normalize,
    params.freq,
    params.rolling_days,
    params.min_docs,
    n_undated=counts.attrs["n_undated"],
)
value_label = timeseries.value_label(params.normalize)
fig = plotting.plot_event_heatmap(
    values, freq=params.freq, labels=taxonomy.labels, value_label=value_label
)
plotting.publish(fig, "event_mix", data=values, output_dir=params.output, caption=method)

# %% [markdown]
# ## The most mentioned events, with key dates
#
# The `top_n` events with the most mentions over the whole period, one line each; the bars
# beneath show how many articles each point rests on.

# %%
top = ev.top_events(analysis.events, taxonomy, n=params.top_n)
lines = values[values["event"].isin(top)]
fig = plotting.plot_event_lines(
    lines, freq=params.freq, labels=taxonomy.labels, value_label=value_label, key_dates=key_dates
)
plotting.publish(fig, "event_lines", data=lines, output_dir=params.output, caption=method)

# %% [markdown]
# ## Which article mentions what
#
# Each row is an article (ordered by date; undated articles last), each column an event type;
# the number is how many of the article's sentences mention it.

# %%
matrix = ev.article_matrix(analysis.events, documents, taxonomy)
row_labels = overview.doc_labels(documents).reindex(matrix.index)
fig = plotting.plot_article_event_matrix(matrix, labels=taxonomy.labels, row_labels=row_labels)
plotting.publish(
    fig,
    "article_event_matrix",
    data=matrix.reset_index(),
    output_dir=params.output,
    caption="Sentences mentioning each event type, per article (all articles, dated or not).",
)

# %% [markdown]
# ## Evidence behind the counts
#
# Every hit in context: the matched words and the text around them, so a reader can check what
# was counted. Text from the corpus is shown as text, never rendered as HTML.

# %%
evidence = ev.evidence(analysis.sentences, analysis.events, documents)
plotting.save_table(evidence, "event_evidence", output_dir=params.output)
plotting.show_table(evidence.groupby("event", sort=False).head(5))
