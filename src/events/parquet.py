"""Events as Parquet, for analysis in pandas, polars or DuckDB."""

import io
import json
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

# Nested actors are stored as a JSON string column: every reader (DuckDB, polars, pandas) takes it as is.
_JSON_COLUMNS = ("actors",)


def to_parquet(frame: pd.DataFrame, out: str | BinaryIO, about: dict | None = None) -> int:
    """Write a Store.query frame as one Parquet file (path or binary stream), with `about` (export.describe: the
    filters used) as JSON in the file's key-value metadata under "border_events"; returns the row count."""
    table = pa.Table.from_pandas(_flat(frame), preserve_index=False)
    if about is not None:
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), b"border_events": json.dumps(about).encode()}
        )
    if isinstance(out, str):
        pq.write_table(table, out, compression="zstd")
    else:
        # Parquet's footer needs a seekable sink; stdout is not one, so build the file in memory first.
        buffer = io.BytesIO()
        pq.write_table(table, buffer, compression="zstd")
        out.write(buffer.getvalue())
    return table.num_rows


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in _JSON_COLUMNS:
        if column in frame:
            frame[column] = frame[column].map(lambda v: json.dumps(v, ensure_ascii=False))
    if "background" in frame:
        frame["background"] = frame["background"].astype(bool)
    return frame
