//! The guest's `objects` import: each batch of counted files goes to the instance's sink, under
//! the scan's attempt. An instance without a sink (a run without `--objects`) never asks for
//! them; a batch it sends anyway is dropped.

use super::bindings::objects;
use super::state::InstanceState;
use crate::model::Location;
use crate::objects::ObjectRow;

impl objects::Host for InstanceState {
    async fn put(&mut self, batch: Vec<objects::Object>) -> wasmtime::Result<()> {
        self.busy_ticks = 0;
        let Some(sink) = &self.objects else {
            return Ok(());
        };
        let rows: Vec<ObjectRow> = batch.into_iter().map(row_of).collect();
        sink.store
            .put(sink.attempt, &rows)
            .map_err(|e| wasmtime::format_err!("{e:#}"))
    }
}

fn row_of(o: objects::Object) -> ObjectRow {
    ObjectRow {
        location: match o.location {
            objects::Location::Dbfs => Location::Dbfs,
            objects::Location::Uploads => Location::Uploads,
            objects::Location::Workspace => Location::Workspace,
            objects::Location::Repos => Location::Repos,
        },
        path: o.path,
        object_type: o.object_type,
        size: o.size,
        modified_ms: o.modified_ms,
        language: o.language,
    }
}
