//! An objects Parquet file read back (`top`): streamed one record batch at a time, only the
//! columns needed (a projection), each row handed over as a borrowed [`Object`]; memory stays
//! flat however many rows the file holds.
//!
//! The file is untrusted (any Parquet file can be given): one that is not Parquet, or lacks a
//! needed column, or has one of another type, is refused naming the file and the column
//! ([`FatalError`], exit 1, like `diff`'s inputs). Accepted types: the writer's ([`super::parquet`])
//! and what other tools write for the same data (large and view strings, timestamps in any unit
//! and with or without a time zone, read as UTC).

use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray as _;
use arrow_array::types::{
    Int64Type, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{Array, GenericStringArray, Int64Array, PrimitiveArray, RecordBatch, StringViewArray};
use arrow_schema::{DataType, Schema, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;

use super::parquet::COLUMNS;
use crate::error::FatalError;

/// One row of the file, borrowed from its batch. Nulls where the file has them (a null username
/// or location reads as empty).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Object<'a> {
    /// The row's user.
    pub username: &'a str,
    /// `dbfs`, `uploads`, `workspace` or `repos` (anything else is kept as given).
    pub location: &'a str,
    /// The path as the API gave it.
    pub path: Option<&'a str>,
    /// The size in bytes (a negative one is no size).
    pub size: Option<i64>,
    /// The modification time, ms since the epoch, UTC.
    pub modified_ms: Option<i64>,
    /// The workspace (account scans); `None` otherwise, and when the file has no such column.
    pub workspace: Option<&'a str>,
}

/// A needed column: its name and the type it must have.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Int64,
    Timestamp,
}

impl Kind {
    fn accepts(self, t: &DataType) -> bool {
        match self {
            Kind::Text => matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View),
            Kind::Int64 => matches!(t, DataType::Int64),
            Kind::Timestamp => matches!(t, DataType::Timestamp(..)),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Text => "a string",
            Kind::Int64 => "an int64",
            Kind::Timestamp => "a timestamp",
        }
    }
}

/// The columns read: name, type, required.
const NEEDED: [(&str, Kind, bool); 6] = [
    ("username", Kind::Text, true),
    ("location", Kind::Text, true),
    ("path", Kind::Text, true),
    ("size", Kind::Int64, true),
    ("modified", Kind::Timestamp, true),
    ("workspace", Kind::Text, false),
];

/// Rows per record batch read.
const BATCH_ROWS: usize = 8192;

fn bad(path: &Path, what: impl std::fmt::Display) -> anyhow::Error {
    FatalError(format!("{}: {what}", path.display())).into()
}

/// Reads every row of the objects file at `path`, handing each to `each`; the number of rows.
pub fn for_each(path: &Path, mut each: impl FnMut(&Object<'_>) -> anyhow::Result<()>) -> anyhow::Result<u64> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(bad(path, "no such file (give the Parquet file `scan --objects` wrote)"))
        }
        Err(e) => return Err(bad(path, format!("cannot read it ({e})"))),
    };
    if path.is_dir() {
        return Err(bad(path, "is a directory, not a Parquet file"));
    }
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| bad(path, format!("not a Parquet file ({e})")))?;
    let roots = check_schema(path, builder.schema())?;
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| bad(path, format!("cannot read it ({e})")))?;
    let mut rows = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| bad(path, format!("cannot read it after {rows} rows ({e})")))?;
        let cols = Columns::of(path, &batch)?;
        for i in 0..batch.num_rows() {
            each(&cols.row(i))?;
        }
        rows += batch.num_rows() as u64;
    }
    Ok(rows)
}

/// The indices of the needed columns (the file's first of each name), or the refusal naming the
/// first one missing or of the wrong type.
fn check_schema(path: &Path, schema: &Schema) -> anyhow::Result<Vec<usize>> {
    let mut roots = Vec::new();
    for (name, kind, required) in NEEDED {
        match schema.fields().iter().position(|f| f.name() == name) {
            Some(i) if kind.accepts(schema.field(i).data_type()) => roots.push(i),
            Some(i) => {
                return Err(bad(
                    path,
                    format!(
                        "column `{name}` is of type {}, not {}: not an objects file of `scan --objects`",
                        schema.field(i).data_type(),
                        kind.name()
                    ),
                ))
            }
            None if !required => {}
            None => {
                return Err(bad(
                    path,
                    format!(
                        "no column `{name}` ({}): not an objects file of `scan --objects` (its columns: {})",
                        kind.name(),
                        COLUMNS.join(", ")
                    ),
                ))
            }
        }
    }
    roots.sort_unstable();
    Ok(roots)
}

/// A string column of any of the string layouts.
enum Text<'a> {
    Utf8(&'a GenericStringArray<i32>),
    Large(&'a GenericStringArray<i64>),
    View(&'a StringViewArray),
    Absent,
}

impl<'a> Text<'a> {
    fn of(a: &'a dyn Array) -> Text<'a> {
        match a.data_type() {
            DataType::Utf8 => Text::Utf8(a.as_string::<i32>()),
            DataType::LargeUtf8 => Text::Large(a.as_string::<i64>()),
            DataType::Utf8View => Text::View(a.as_string_view()),
            _ => Text::Absent,
        }
    }

    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Text::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Text::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Text::View(a) => a.is_valid(i).then(|| a.value(i)),
            Text::Absent => None,
        }
    }
}

/// A timestamp column of any unit, read as ms (sub-ms parts rounded down; seconds past what ms
/// can hold saturate).
enum Times<'a> {
    Second(&'a PrimitiveArray<TimestampSecondType>),
    Milli(&'a PrimitiveArray<TimestampMillisecondType>),
    Micro(&'a PrimitiveArray<TimestampMicrosecondType>),
    Nano(&'a PrimitiveArray<TimestampNanosecondType>),
}

impl<'a> Times<'a> {
    fn of(a: &'a dyn Array) -> Option<Times<'a>> {
        Some(match a.data_type() {
            DataType::Timestamp(TimeUnit::Second, _) => Times::Second(a.as_primitive()),
            DataType::Timestamp(TimeUnit::Millisecond, _) => Times::Milli(a.as_primitive()),
            DataType::Timestamp(TimeUnit::Microsecond, _) => Times::Micro(a.as_primitive()),
            DataType::Timestamp(TimeUnit::Nanosecond, _) => Times::Nano(a.as_primitive()),
            _ => return None,
        })
    }

    fn get(&self, i: usize) -> Option<i64> {
        match self {
            Times::Second(a) => a.is_valid(i).then(|| a.value(i).saturating_mul(1000)),
            Times::Milli(a) => a.is_valid(i).then(|| a.value(i)),
            Times::Micro(a) => a.is_valid(i).then(|| a.value(i).div_euclid(1000)),
            Times::Nano(a) => a.is_valid(i).then(|| a.value(i).div_euclid(1_000_000)),
        }
    }
}

/// One batch's columns.
struct Columns<'a> {
    username: Text<'a>,
    location: Text<'a>,
    path: Text<'a>,
    size: &'a Int64Array,
    modified: Times<'a>,
    workspace: Text<'a>,
}

impl<'a> Columns<'a> {
    fn of(path: &Path, batch: &'a RecordBatch) -> anyhow::Result<Columns<'a>> {
        let col = |name: &str| batch.column_by_name(name).map(|c| c.as_ref());
        let missing = |name: &str| bad(path, format!("no column `{name}` in a record batch"));
        let text = |name: &str| col(name).map(Text::of).ok_or_else(|| missing(name));
        Ok(Columns {
            username: text("username")?,
            location: text("location")?,
            path: text("path")?,
            size: col("size")
                .and_then(|c| c.as_primitive_opt::<Int64Type>())
                .ok_or_else(|| missing("size"))?,
            modified: col("modified").and_then(Times::of).ok_or_else(|| missing("modified"))?,
            workspace: col("workspace").map_or(Text::Absent, Text::of),
        })
    }

    fn row(&self, i: usize) -> Object<'a> {
        Object {
            username: self.username.get(i).unwrap_or(""),
            location: self.location.get(i).unwrap_or(""),
            path: self.path.get(i),
            size: self.size.is_valid(i).then(|| self.size.value(i)),
            modified_ms: self.modified.get(i),
            workspace: self.workspace.get(i),
        }
    }
}
