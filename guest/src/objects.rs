//! The object-level inventory (`scan-options.objects`): every file the walk counts, handed to the
//! host's `objects` import exactly once per scan.
//!
//! The walk builds a file's [`Object`] where it counts the file and gathers them in an [`Outbox`]:
//! the files one listing counted go in one `put` once that listing is counted; a notebook waiting
//! for its export (`notebook-sizes`) goes instead with the notebooks of its batch of exports, once
//! their answers are counted, with its measured size. Nothing is kept past that `put`, so memory
//! stays flat however many files a home holds. Without `objects` nothing is built and the import
//! is never called.

use crate::listing::Entry;
use crate::types::{Api, Object, Tree};

/// The type of every DBFS file (DBFS listings carry no types).
pub const DBFS_TYPE: &str = "FILE";
/// The type of a notebook handed over after its export.
pub const NOTEBOOK_TYPE: &str = "NOTEBOOK";

/// Takes batches of counted files. In the component this is the imported `objects.put`
/// ([`Host`]); tests collect the batches in memory.
pub trait Objects {
    fn put(&mut self, batch: Vec<Object>);
}

impl<O: Objects + ?Sized> Objects for &mut O {
    fn put(&mut self, batch: Vec<Object>) {
        (**self).put(batch)
    }
}

/// The imported `dbx:inventory/objects.put` (on a native target its stub panics).
pub struct Host;

impl Objects for Host {
    fn put(&mut self, batch: Vec<Object>) {
        crate::dbx::inventory::objects::put(&batch)
    }
}

/// The object of a file counted from its listing `e` in `tree`, with the walk's trimmed `path`,
/// valid `size` and valid time: `FILE` in DBFS; in the Workspace its `object_type` as given, ""
/// when it had none, and its `language`.
pub fn listed(tree: Tree, e: &Entry<'_>, path: Option<&str>, size: Option<u64>, modified: Option<i64>) -> Object {
    let object_type = match tree.api() {
        Api::Dbfs => DBFS_TYPE,
        Api::Workspace => e.object_type.as_deref().unwrap_or(""),
    };
    Object {
        location: tree.location(),
        path: path.map(str::to_string),
        object_type: object_type.to_string(),
        size,
        modified_ms: modified,
        language: match tree.api() {
            Api::Dbfs => None,
            Api::Workspace => e.language.as_deref().map(str::to_string),
        },
    }
}

/// The object of a notebook once its export is counted: `size` is its decoded length, none when
/// the export failed, was unusable or never came.
pub fn exported(tree: Tree, path: String, size: Option<u64>, modified: Option<i64>, language: Option<String>) -> Object {
    Object {
        location: tree.location(),
        path: Some(path),
        object_type: NOTEBOOK_TYPE.to_string(),
        size,
        modified_ms: modified,
        language,
    }
}

/// The objects of the listing or export batch being counted, until they are sent in one `put`.
/// Off (the scan asked for no objects), it builds and sends nothing.
pub struct Outbox {
    on: bool,
    batch: Vec<Object>,
}

impl Outbox {
    pub fn new(on: bool) -> Outbox {
        Outbox { on, batch: Vec::new() }
    }

    /// Whether the scan hands its files over.
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// Adds objects (already built only when [`Outbox::is_on`]).
    pub fn extend(&mut self, objects: impl IntoIterator<Item = Object>) {
        if self.on {
            self.batch.extend(objects);
        }
    }

    /// Adds one object, built only when the outbox is on.
    pub fn add(&mut self, object: impl FnOnce() -> Object) {
        if self.on {
            self.batch.push(object());
        }
    }

    /// How many objects wait for the next [`Outbox::send`].
    pub fn len(&self) -> usize {
        self.batch.len()
    }

    pub fn is_empty(&self) -> bool {
        self.batch.is_empty()
    }

    /// Hands what was added since the last send in one `put`; no call when nothing was.
    pub fn send<O: Objects + ?Sized>(&mut self, sink: &mut O) {
        if !self.batch.is_empty() {
            sink.put(std::mem::take(&mut self.batch));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::Kind;
    use crate::types::Location;
    use std::borrow::Cow;

    struct Puts(Vec<Vec<Object>>);
    impl Objects for Puts {
        fn put(&mut self, batch: Vec<Object>) {
            self.0.push(batch);
        }
    }

    fn entry<'a>(object_type: Option<&'a str>, language: Option<&'a str>) -> Entry<'a> {
        Entry {
            path: Some(Cow::Borrowed("/Users/a/x/")),
            kind: Kind::File {
                size: Some(3),
                notebook: false,
            },
            modified: Some(5),
            object_type: object_type.map(Cow::Borrowed),
            language: language.map(Cow::Borrowed),
        }
    }

    #[test]
    fn dbfs_files_are_file_and_workspace_objects_keep_their_type_and_language() {
        let e = entry(Some("NOTEBOOK"), Some("SQL"));
        let w = listed(Tree::Repos, &e, Some("/Repos/a/x"), None, Some(5));
        assert_eq!(
            w,
            Object {
                location: Location::Repos,
                path: Some("/Repos/a/x".into()),
                object_type: "NOTEBOOK".into(),
                size: None,
                modified_ms: Some(5),
                language: Some("SQL".into()),
            }
        );
        let d = listed(Tree::Uploads, &e, None, Some(3), None);
        assert_eq!(
            (d.location, d.path, d.object_type.as_str(), d.size, d.language),
            (Location::Uploads, None, "FILE", Some(3), None)
        );
        assert_eq!(listed(Tree::Workspace, &entry(None, None), None, None, None).object_type, "");
        let n = exported(Tree::Workspace, "/Users/a/nb".into(), Some(9), None, Some("R".into()));
        assert_eq!((n.object_type.as_str(), n.size, n.language.as_deref()), ("NOTEBOOK", Some(9), Some("R")));
    }

    #[test]
    fn an_outbox_sends_one_put_per_send_and_none_when_empty_or_off() {
        let o = || exported(Tree::Workspace, "/Users/a/nb".into(), None, None, None);
        let mut sink = Puts(Vec::new());
        let mut on = Outbox::new(true);
        on.send(&mut sink);
        on.add(o);
        on.extend([o(), o()]);
        assert_eq!(on.len(), 3);
        on.send(&mut sink);
        on.send(&mut sink);
        assert_eq!(sink.0.iter().map(Vec::len).collect::<Vec<_>>(), [3]);
        let mut off = Outbox::new(false);
        off.add(|| unreachable!("built while off"));
        off.extend([o()]);
        assert!(off.is_empty());
        off.send(&mut sink);
        assert_eq!(sink.0.len(), 1);
    }
}
