"""The one typed schema for notebook parameters.

Every notebook declares a subset of these names in its single ``parameters`` cell; the same name
means the same thing in every notebook. ``python -m helpers reports`` validates the values here
before any kernel starts, and each notebook validates them again in its first code cell, so a
plain ``papermill -p ...`` run gets the same checks and the same messages.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import config

__all__ = ["Params", "ParameterError", "validate", "PARAMETER_NAMES", "describe_parameters"]


class ParameterError(ValueError):
    """A parameter value was refused. The message names the parameter and the reason."""


class Params(BaseModel):
    """Validated notebook parameters (all optional, with the defaults the notebooks use)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # --- corpus -------------------------------------------------------------------------------
    corpus_path: str | None = Field(
        None, description="File or folder of articles (.txt, .csv, .jsonl, .parquet); None: seeds/"
    )
    text_column: str | list[str] | None = Field(
        None, description="Column(s) holding article text (CSV/JSONL/Parquet); several are joined"
    )
    date_column: str | None = Field(None, description="Column holding the publication date")
    title_column: str | None = Field(None, description="Column holding the headline")
    metadata_path: str | None = Field(
        None, description="Sidecar CSV with doc_id,date (and optional title) to date articles"
    )
    start: dt.date | None = Field(None, description="First day analysed (YYYY-MM-DD), inclusive")
    end: dt.date | None = Field(None, description="Last day analysed (YYYY-MM-DD), inclusive")

    # --- events -------------------------------------------------------------------------------
    taxonomy_path: str | None = Field(None, description="Event taxonomy YAML; None: the default")
    events: list[str] | None = Field(None, description="Event ids to show; None: all")
    key_dates_path: str | None = Field(
        None, description="Key-dates YAML drawn as markers; None: the shipped one; '' for none"
    )

    # --- aggregation --------------------------------------------------------------------------
    freq: Literal["D", "W", "M"] = Field("D", description="Calendar period: day, week, month")
    normalize: Literal["share", "per_1000_sentences", "count"] = Field(
        "share", description="share of the period's articles, per 1,000 sentences, or raw count"
    )
    rolling_days: int = Field(1, ge=1, le=3660, description="Rolling window in calendar days")
    min_docs: int = Field(1, ge=1, description="Periods with fewer articles are masked")
    top_n: int = Field(6, ge=1, le=50, description="How many events get their own line")

    # --- sentiment ----------------------------------------------------------------------------
    ci: float = Field(0.95, gt=0, lt=1, description="Confidence level of bootstrap intervals")
    n_boot: int = Field(2000, ge=100, le=100_000, description="Bootstrap resamples")
    seed: int = Field(20220224, ge=0, description="Seed for the bootstrap")
    pos_threshold: float = Field(
        config.POS_THRESHOLD, gt=-1, lt=1, description="compound >= this is positive"
    )
    neg_threshold: float = Field(
        config.NEG_THRESHOLD, gt=-1, lt=1, description="compound <= this is negative"
    )

    # --- compute ------------------------------------------------------------------------------
    # Where helpers.pipeline.analyze runs; results are identical whichever is chosen.
    engine: Literal["local", "dask"] = Field(
        "local", description="Run the analysis here ('local') or on a Dask cluster ('dask')"
    )
    scheduler: str | None = Field(
        None, description="Dask scheduler address (tcp://host:8786); None: the current client"
    )
    workers: int | None = Field(
        None, ge=1, description="Processes for engine='local'; None: every CPU this may use"
    )

    # --- output -------------------------------------------------------------------------------
    output_dir: str | None = Field(
        None, description="Where figures/ and data/ are written; None: show only, save nothing"
    )

    @field_validator("text_column")
    @classmethod
    def _non_empty_columns(cls, value: str | list[str] | None) -> str | list[str] | None:
        if isinstance(value, list):
            if not value or not all(isinstance(v, str) and v for v in value):
                raise ValueError("must be a column name or a non-empty list of column names")
        elif isinstance(value, str) and not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("events")
    @classmethod
    def _event_list(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("must list at least one event id, or be None for all")
        return value

    @field_validator("corpus_path", "taxonomy_path", "metadata_path")
    @classmethod
    def _existing_path(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).expanduser().exists():
            raise ValueError(f"no such file or folder: {value}")
        return value

    @field_validator("key_dates_path")
    @classmethod
    def _key_dates(cls, value: str | None) -> str | None:
        if value and not Path(value).expanduser().exists():
            raise ValueError(f"no such file: {value}")
        return value

    @model_validator(mode="after")
    def _ordering(self) -> Params:
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"start ({self.start}) is after end ({self.end})")
        if self.scheduler is not None and self.engine != "dask":
            raise ValueError(f"scheduler ({self.scheduler!r}) is for engine='dask' only")
        if self.workers is not None and self.engine != "local":
            raise ValueError("workers is for engine='local'; a Dask cluster has its own workers")
        if self.neg_threshold >= self.pos_threshold:
            raise ValueError(
                f"neg_threshold ({self.neg_threshold}) must be below pos_threshold "
                f"({self.pos_threshold})"
            )
        return self

    # --- resolved values ----------------------------------------------------------------------
    @property
    def corpus(self) -> Path:
        """The corpus to load: ``corpus_path`` or the embedded seeds."""
        return Path(self.corpus_path).expanduser() if self.corpus_path else config.SEEDS_DIR

    @property
    def taxonomy(self) -> Path:
        return (
            Path(self.taxonomy_path).expanduser() if self.taxonomy_path else config.DEFAULT_TAXONOMY
        )

    @property
    def key_dates(self) -> Path | None:
        if self.key_dates_path == "":
            return None
        return (
            Path(self.key_dates_path).expanduser()
            if self.key_dates_path
            else config.DEFAULT_KEY_DATES
        )

    @property
    def output(self) -> Path | None:
        return Path(self.output_dir).expanduser() if self.output_dir else None

    def corpus_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`helpers.corpus.load_corpus`."""
        return {
            "text_column": self.text_column,
            "date_column": self.date_column,
            "title_column": self.title_column,
            "metadata_path": self.metadata_path,
        }

    def analyze_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`helpers.pipeline.analyze` (where it runs)."""
        return {"engine": self.engine, "scheduler": self.scheduler, "workers": self.workers}


PARAMETER_NAMES: tuple[str, ...] = tuple(Params.model_fields)


def describe_parameters() -> str:
    """One line per valid parameter: name, type, default and meaning."""
    lines = []
    for name, field in Params.model_fields.items():
        if get_origin(field.annotation) is Literal:
            annotation = " | ".join(repr(v) for v in get_args(field.annotation))
        else:
            annotation = getattr(field.annotation, "__name__", None) or str(field.annotation)
            annotation = annotation.replace("typing.", "").replace("datetime.", "")
        lines.append(
            f"  {name:<16} {annotation:<30} default {field.default!r:<14} {field.description}"
        )
    return "\n".join(lines)


def validate(**values: Any) -> Params:
    """Validate parameter values and return :class:`Params`.

    Raises
    ------
    ParameterError
        Naming each refused parameter and why, followed by the list of valid parameters.
    """
    try:
        return Params(**values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "parameters"
            if err["type"] == "extra_forbidden":
                problems.append(f"unknown parameter {name!r}")
            else:
                given = err.get("input")
                message = err["msg"].removeprefix("Value error, ")
                if err["loc"]:
                    problems.append(f"parameter {name!r} = {given!r}: {message}")
                else:
                    problems.append(message)
        raise ParameterError(
            "invalid notebook parameters:\n- "
            + "\n- ".join(problems)
            + "\nvalid parameters:\n"
            + describe_parameters()
        ) from None
