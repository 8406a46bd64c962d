//! The Parquet file of a run's objects: the spool read once, in order, keeping the frames of the
//! rows' attempts; written in row groups as it goes (memory stays flat), zstd-compressed.
//!
//! The columns (their names are a contract: tools outside the project read them): `username`,
//! `location`, `path`, `object_type`, `size` (int64), `modified` (timestamp, ms, UTC), `language`,
//! `workspace` (null outside account scans). A size past `i64::MAX` (no real file) is null.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use arrow_array::builder::{Int64Builder, StringBuilder, TimestampMillisecondBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::spool::Reader;
use super::ObjectRow;
use crate::output::AtomicFile;

/// The columns, in order.
pub const COLUMNS: [&str; 8] = [
    "username",
    "location",
    "path",
    "object_type",
    "size",
    "modified",
    "language",
    "workspace",
];

/// Rows per row group: DuckDB and Spark read row groups in parallel, and a group is held
/// (encoded) in memory until it is written.
pub const ROW_GROUP_ROWS: usize = 128 * 1024;
/// Bytes a data (or dictionary) page is cut at.
const PAGE_BYTES: usize = 256 * 1024;
/// Rows per Arrow batch handed to the writer.
const BATCH_ROWS: usize = 8192;

/// The file's schema.
pub fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new(COLUMNS[0], DataType::Utf8, false),
        Field::new(COLUMNS[1], DataType::Utf8, false),
        Field::new(COLUMNS[2], DataType::Utf8, true),
        Field::new(COLUMNS[3], DataType::Utf8, false),
        Field::new(COLUMNS[4], DataType::Int64, true),
        Field::new(
            COLUMNS[5],
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            true,
        ),
        Field::new(COLUMNS[6], DataType::Utf8, true),
        Field::new(COLUMNS[7], DataType::Utf8, true),
    ]))
}

/// Who an attempt's objects belong to (borrowed from its row).
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    /// The row's username.
    pub username: &'a str,
    /// The workspace (account scans); `None` otherwise.
    pub workspace: Option<&'a str>,
}

/// What [`write`] wrote.
#[derive(Debug, Default)]
pub struct Written {
    /// Rows in the file.
    pub rows: u64,
    /// Rows per owner (by the index `owner_of` gave).
    pub per_owner: Vec<u64>,
    /// The file's size in bytes.
    pub bytes: u64,
}

struct Columns {
    username: StringBuilder,
    location: StringBuilder,
    path: StringBuilder,
    object_type: StringBuilder,
    size: Int64Builder,
    modified: TimestampMillisecondBuilder,
    language: StringBuilder,
    workspace: StringBuilder,
    len: usize,
}

impl Columns {
    fn new() -> Columns {
        Columns {
            username: StringBuilder::new(),
            location: StringBuilder::new(),
            path: StringBuilder::new(),
            object_type: StringBuilder::new(),
            size: Int64Builder::new(),
            modified: TimestampMillisecondBuilder::new().with_timezone("UTC"),
            language: StringBuilder::new(),
            workspace: StringBuilder::new(),
            len: 0,
        }
    }

    fn push(&mut self, owner: Owner<'_>, o: &ObjectRow) {
        self.username.append_value(owner.username);
        self.location.append_value(o.location.name());
        self.path.append_option(o.path.as_deref());
        self.object_type.append_value(&o.object_type);
        self.size.append_option(o.size.and_then(|s| i64::try_from(s).ok()));
        self.modified.append_option(o.modified_ms);
        self.language.append_option(o.language.as_deref());
        self.workspace.append_option(owner.workspace);
        self.len += 1;
    }

    fn take(&mut self) -> anyhow::Result<RecordBatch> {
        let cols: Vec<ArrayRef> = vec![
            Arc::new(self.username.finish()),
            Arc::new(self.location.finish()),
            Arc::new(self.path.finish()),
            Arc::new(self.object_type.finish()),
            Arc::new(self.size.finish()),
            Arc::new(self.modified.finish()),
            Arc::new(self.language.finish()),
            Arc::new(self.workspace.finish()),
        ];
        self.len = 0;
        Ok(RecordBatch::try_new(schema(), cols)?)
    }
}

/// The writer's settings (every objects file is written alike).
fn properties() -> anyhow::Result<WriterProperties> {
    Ok(WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        // Each column holds a page while it fills: 8 columns of 1 MB pages (the default) were
        // most of the writer's memory; 256 KiB pages read as fast.
        .set_data_page_size_limit(PAGE_BYTES)
        .set_dictionary_page_size_limit(PAGE_BYTES)
        // Paths are all different: a dictionary would be built, then dropped, for each group.
        .set_column_dictionary_enabled(parquet::schema::types::ColumnPath::from(COLUMNS[2]), false)
        .set_created_by(format!("dbx-inventory {}", env!("CARGO_PKG_VERSION")))
        .build())
}

/// An account run's objects file: the objects files of its workspaces (`(file, deployment
/// name)`), each row under its workspace's name; commits `file` and returns the rows written.
pub fn concat(parts: &[(&Path, &str)], mut file: AtomicFile) -> anyhow::Result<u64> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let sink = file.file().try_clone().context("opening the Parquet file")?;
    let mut writer = ArrowWriter::try_new(sink, schema(), Some(properties()?))?;
    let mut rows = 0u64;
    for (path, workspace) in parts {
        let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(f)
            .and_then(|b| b.with_batch_size(BATCH_ROWS).build())
            .with_context(|| format!("cannot read {}", path.display()))?;
        for batch in reader {
            let batch = batch.with_context(|| format!("cannot read {}", path.display()))?;
            let n = batch.num_rows();
            let mut cols: Vec<ArrayRef> = batch.columns().iter().take(COLUMNS.len() - 1).cloned().collect();
            cols.push(Arc::new(arrow_array::StringArray::from(vec![Some(*workspace); n])));
            let batch = RecordBatch::try_new(schema(), cols)
                .with_context(|| format!("{} is not an objects file of this version", path.display()))?;
            writer.write(&batch)?;
            rows += n as u64;
        }
    }
    writer.close().context("writing the objects file")?;
    file.commit()?;
    Ok(rows)
}

/// Writes the objects the spool at `spool` holds for the attempts `owner_of` knows (it gives the
/// owner and its index below `owners`; frames of other attempts are skipped) into `file`, and
/// commits it once `verify` accepts what was written.
pub fn write<'a>(
    spool: &Path,
    owners: usize,
    owner_of: impl Fn(u64) -> Option<(usize, Owner<'a>)>,
    mut file: AtomicFile,
    verify: impl FnOnce(&Written) -> anyhow::Result<()>,
) -> anyhow::Result<Written> {
    let props = properties()?;
    let sink = file.file().try_clone().context("opening the Parquet file")?;
    let mut writer = ArrowWriter::try_new(sink, schema(), Some(props))?;
    let mut written = Written {
        per_owner: vec![0; owners],
        ..Written::default()
    };
    let mut cols = Columns::new();
    if spool.exists() {
        let mut reader = Reader::open(spool)?;
        while let Some(batch) = reader.next_batch()? {
            let Some((k, owner)) = owner_of(batch.attempt) else {
                continue;
            };
            written.per_owner[k] = written.per_owner[k].saturating_add(batch.objects.len() as u64);
            for o in &batch.objects {
                cols.push(owner, o);
                if cols.len >= BATCH_ROWS {
                    written.rows += cols.len as u64;
                    writer.write(&cols.take()?)?;
                }
            }
        }
    }
    written.rows += cols.len as u64;
    writer.write(&cols.take()?)?;
    writer.close().context("writing the objects file")?;
    written.bytes = file.file().metadata()?.len();
    verify(&written)?;
    file.commit()?;
    Ok(written)
}
