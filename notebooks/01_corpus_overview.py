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
# # Corpus overview
#
# What the corpus holds before any analysis: how many articles were read, which were loaded,
# flagged or rejected and why, where each article's date comes from, how much page furniture was
# cleaned out, how long the articles are and which terms dominate. These are the numbers a methods
# section reports.

# %% tags=["parameters"]
corpus_path = None  # file or folder of articles; None: the embedded seeds/
text_column = None  # CSV/JSONL/Parquet column(s) holding the text
date_column = None  # column holding the publication date
title_column = None  # column holding the headline
metadata_path = None  # sidecar CSV (doc_id,date[,title]) that dates articles
start = None  # first day analysed, "YYYY-MM-DD"
end = None  # last day analysed, "YYYY-MM-DD"
freq = "D"  # calendar period: D, W or M
output_dir = None  # where figures/ and data/ go; None: show only

# %%
from IPython.display import display

from helpers import corpus, overview, plotting, text, timeseries
from helpers.params import validate

params = validate(
    corpus_path=corpus_path,
    text_column=text_column,
    date_column=date_column,
    title_column=title_column,
    metadata_path=metadata_path,
    start=start,
    end=end,
    freq=freq,
    output_dir=output_dir,
)
loaded = corpus.load_corpus(params.corpus, **params.corpus_kwargs())
documents = corpus.select_dates(loaded.documents, params.start, params.end)

# %% [markdown]
# ## Every input record, accounted for
#
# Each file (or table row) read is *loaded*, *flagged* (kept, with a reason: no date, an encoding
# fallback, a repaired character) or *rejected* (with the file, line and reason). Exact duplicates
# are flagged and left out of the analysis.

# %%
summary = loaded.summary().reset_index()
plotting.save_table(summary, "corpus_summary", output_dir=params.output)
plotting.save_table(loaded.ledger, "corpus_ledger", output_dir=params.output)
display(summary)
plotting.show_table(loaded.ledger)

# %% [markdown]
# ## Where the dates come from
#
# Undated articles stay in the corpus totals but cannot be placed on a time line.

# %%
display(overview.date_provenance(documents))

# %% [markdown]
# ## Articles over time

# %%
per_period = timeseries.articles_per_period(
    documents, freq=params.freq, start=params.start, end=params.end
)
fig = plotting.plot_articles_per_period(per_period, freq=params.freq, title="Dated articles")
period = {"D": "day", "W": "week (Monday to Sunday)", "M": "month"}[params.freq]
caption = (
    f"Dated articles per {period}, zero-filled; "
    f"{per_period.attrs['n_undated']} undated article(s) not shown."
)
plotting.publish(
    fig, "articles_per_period", data=per_period, output_dir=params.output, caption=caption
)

# %% [markdown]
# ## Cleaning audit
#
# Page furniture removed from the analysed text, rule by rule (the original text is kept in
# `raw_text`). A rule that removes much more than expected is a reason to read that article.

# %%
audit = overview.audit_summary(loaded.audit, documents)
plotting.save_table(audit, "cleaning_audit", output_dir=params.output)
display(audit)
display(loaded.audit)

# %% [markdown]
# ## Article length

# %%
lengths = overview.lengths(documents)
fig = plotting.plot_length_distribution(lengths)
plotting.publish(
    fig,
    "article_length",
    data=lengths,
    output_dir=params.output,
    caption="Words per article after cleaning (NLTK word tokens, punctuation excluded).",
)

# %% [markdown]
# ## Most frequent terms
#
# Terms are grouped by their stem (Snowball) and shown in their most frequent spelling; stop words
# and numbers are left out.

# %%
terms = text.top_terms(documents, n=25)
fig = plotting.plot_top_terms(terms)
plotting.publish(
    fig,
    "top_terms",
    data=terms,
    output_dir=params.output,
    caption="The 25 most frequent terms in the cleaned text, by stem; stop words excluded.",
)
