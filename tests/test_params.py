"""The one parameter schema: defaults, coercion, and messages that name the parameter."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import config
from helpers.params import PARAMETER_NAMES, ParameterError, validate


def test_defaults_resolve_to_the_embedded_seeds_and_shipped_data():
    params = validate()
    assert params.corpus == config.SEEDS_DIR
    assert params.taxonomy == config.DEFAULT_TAXONOMY
    assert params.key_dates == config.DEFAULT_KEY_DATES
    assert params.output is None


def test_strings_from_papermill_are_coerced_to_typed_values():
    params = validate(start="2022-02-25", end="2022-02-27", min_docs="3", ci="0.9")
    assert params.start == dt.date(2022, 2, 25)
    assert params.min_docs == 3
    assert params.ci == pytest.approx(0.9)


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        ({"corpus_pth": "x"}, "unknown parameter 'corpus_pth'"),
        ({"freq": "Y"}, "parameter 'freq' = 'Y'"),
        ({"min_docs": 0}, "parameter 'min_docs' = 0"),
        ({"start": "2022-02-30"}, "parameter 'start' = '2022-02-30'"),
        ({"corpus_path": "/no/such/corpus"}, "no such file or folder: /no/such/corpus"),
        ({"taxonomy_path": "/no/such.yml"}, "parameter 'taxonomy_path'"),
        ({"start": "2022-03-01", "end": "2022-02-01"}, "is after end"),
        ({"pos_threshold": -0.5}, "must be below pos_threshold"),
        ({"events": []}, "parameter 'events'"),
        ({"text_column": ["body", ""]}, "parameter 'text_column'"),
        ({"engine": "spark"}, "parameter 'engine' = 'spark'"),
        ({"scheduler": "tcp://h:8786"}, "is for engine='dask' only"),
        ({"engine": "dask", "workers": 4}, "workers is for engine='local'"),
        ({"workers": 0}, "parameter 'workers' = 0"),
    ],
)
def test_refusals_name_the_parameter_and_list_the_valid_ones(values, needle):
    with pytest.raises(ParameterError) as info:
        validate(**values)
    message = str(info.value)
    assert needle in message
    assert "valid parameters:" in message
    for name in PARAMETER_NAMES:
        assert name in message


def test_empty_key_dates_path_means_no_markers():
    assert validate(key_dates_path="").key_dates is None


def test_several_text_columns_are_kept_in_order():
    params = validate(text_column=["headline", "body"])
    assert params.corpus_kwargs()["text_column"] == ["headline", "body"]


def test_compute_parameters_reach_analyze():
    assert validate().analyze_kwargs() == {"engine": "local", "scheduler": None, "workers": None}
    params = validate(engine="dask", scheduler="tcp://127.0.0.1:8786")
    assert params.analyze_kwargs()["scheduler"] == "tcp://127.0.0.1:8786"
    assert validate(workers="2").analyze_kwargs()["workers"] == 2
