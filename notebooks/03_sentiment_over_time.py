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
# # Tone of coverage over time
#
# In what tone does the coverage speak, how does it change, and how does the tone around each kind
# of event differ? Every sentence is scored with VADER (the `vaderSentiment` package, its authors'
# own implementation; compound score from -1, most negative, to +1). VADER is built for sentences,
# and its compound score saturates on long text, so articles are scored as the **mean of their
# sentences**, and a period's tone is the mean (and median) of its articles, with a bootstrap
# interval that resamples articles. A sentence is negative when compound <= `neg_threshold` and
# positive when compound >= `pos_threshold` (the authors' convention: -0.05 and 0.05).
#
# VADER was built on social-media text; on news it reads the vocabulary of violence as negative
# whoever is speaking. Read the numbers as the tone of the words, not as a stance.

# %% tags=["parameters"]
corpus_path = None  # file or folder of articles; None: the embedded seeds/
text_column = None  # CSV/JSONL/Parquet column(s) holding the text
date_column = None  # column holding the publication date
title_column = None  # column holding the headline
metadata_path = None  # sidecar CSV (doc_id,date[,title]) that dates articles
start = None  # first day analysed, "YYYY-MM-DD"
end = None  # last day analysed, "YYYY-MM-DD"
taxonomy_path = None  # event taxonomy YAML; None: the shipped default
freq = "D"  # calendar period: D, W or M
rolling_days = 1  # rolling window in calendar days (daily series only)
min_docs = 1  # periods with fewer articles are masked
key_dates_path = None  # key dates YAML drawn as markers; None: the shipped one; "" for none
ci = 0.95  # confidence level of the bootstrap intervals
n_boot = 2000  # bootstrap resamples
seed = 20220224  # bootstrap seed
pos_threshold = 0.05  # a sentence scoring at least this is positive
neg_threshold = -0.05  # a sentence scoring at most this is negative
engine = "local"  # where the analysis runs: "local" (every CPU here) or "dask" (a cluster)
scheduler = None  # Dask scheduler address, "tcp://host:8786"; None: the current client
workers = None  # processes for the local engine; None: every CPU
output_dir = None  # where figures/ and data/ go; None: show only

# %%
from helpers import config, corpus, overview, pipeline, plotting, sentiment, timeseries
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
    freq=freq,
    rolling_days=rolling_days,
    min_docs=min_docs,
    key_dates_path=key_dates_path,
    ci=ci,
    n_boot=n_boot,
    seed=seed,
    pos_threshold=pos_threshold,
    neg_threshold=neg_threshold,
    engine=engine,
    scheduler=scheduler,
    workers=workers,
    output_dir=output_dir,
)
taxonomy = ev.load_taxonomy(params.taxonomy)
loaded = corpus.load_corpus(params.corpus, **params.corpus_kwargs())
documents = corpus.select_dates(loaded.documents, params.start, params.end)
analysis = pipeline.analyze(
    documents, taxonomy=taxonomy, cache_dir=config.CACHE_DIR, **params.analyze_kwargs()
)
key_dates = timeseries.load_key_dates(params.key_dates) if params.key_dates else None
thresholds = {"pos_threshold": params.pos_threshold, "neg_threshold": params.neg_threshold}
boot = {"ci": params.ci, "n_boot": params.n_boot, "seed": params.seed}

# %% [markdown]
# ## Tone over time

# %%
tone = timeseries.tone_by_period(
    analysis.sentences,
    documents=documents,
    freq=params.freq,
    start=params.start,
    end=params.end,
    min_docs=params.min_docs,
    rolling_days=params.rolling_days,
    **boot,
    **thresholds,
)
method = timeseries.method_note(
    "tone",
    params.freq,
    params.rolling_days,
    params.min_docs,
    n_undated=tone.attrs["n_undated"],
    ci=params.ci,
    n_boot=params.n_boot,
)
fig = plotting.plot_tone(tone, freq=params.freq, ci=params.ci, key_dates=key_dates)
plotting.publish(fig, "tone_over_time", data=tone, output_dir=params.output, caption=method)

# %% [markdown]
# ## How sentence scores are spread in each period

# %%
dated = analysis.sentences.dropna(subset=["date"]).assign(
    period=lambda frame: timeseries.period_start(frame["date"], params.freq)
)
fig = plotting.plot_score_distribution(dated, freq=params.freq)
plotting.publish(
    fig,
    "sentence_score_distribution",
    data=dated[["doc_id", "sent_idx", "period", "compound"]],
    output_dir=params.output,
    caption="VADER compound score of every sentence of dated articles, per period "
    "(boxes: quartiles; whiskers: 5th to 95th percentile).",
)

# %% [markdown]
# ## Tone by event type
#
# The tone of the sentences that mention each kind of event (a sentence that mentions two events
# counts for both).

# %%
by_event = sentiment.tone_by_event(analysis.sentences, analysis.events, **thresholds)
fig = plotting.plot_tone_by_event(by_event, labels=taxonomy.labels)
plotting.publish(
    fig,
    "tone_by_event",
    data=by_event,
    output_dir=params.output,
    caption="Mean VADER compound of the sentences mentioning each event type (all articles).",
)
by_event

# %% [markdown]
# ## Tone by event type over time
#
# The same, period by period, for the six events mentioned in the most articles; each point rests
# only on the articles of that period that mention the event, so intervals are wide.

# %%
top = ev.top_events(analysis.events, taxonomy, n=6)
event_tone = timeseries.event_tone_by_period(
    analysis.sentences,
    analysis.events,
    documents=documents,
    freq=params.freq,
    start=params.start,
    end=params.end,
    events_subset=top,
    min_docs=params.min_docs,
    rolling_days=params.rolling_days,
    neg_threshold=params.neg_threshold,
    **boot,
)
method = timeseries.method_note(
    "event_tone",
    params.freq,
    params.rolling_days,
    params.min_docs,
    n_undated=event_tone.attrs["n_undated"],
    ci=params.ci,
    n_boot=params.n_boot,
)
fig = plotting.plot_event_tone(
    event_tone, freq=params.freq, labels=taxonomy.labels, ci=params.ci, key_dates=key_dates
)
plotting.publish(
    fig, "event_tone_over_time", data=event_tone, output_dir=params.output, caption=method
)

# %% [markdown]
# ## Tone within each article
#
# With a handful of articles, the honest picture is sentence by sentence: where in the story the
# tone turns. Drawn for up to 12 articles.

# %%
titles = overview.doc_labels(documents, width=90).to_dict()
fig = plotting.plot_tone_trajectories(analysis.sentences, titles=titles)
plotting.publish(
    fig,
    "tone_within_articles",
    data=analysis.sentences[["doc_id", "sent_idx", "compound"]],
    output_dir=params.output,
    caption="VADER compound of each sentence in order (bars) and a centred 5-sentence mean (line).",
)

# %% [markdown]
# ## The most negative and most positive sentences

# %%
plotting.show_table(sentiment.extremes(analysis.sentences, analysis.events, n=5))
