//! The served content, indexed for fast answers.
//!
//! A [`Fixture`] becomes three trees (workspace, DBFS, volumes) and a user table. Every tree is an
//! arena of nodes with a path → node map and, per directory, the list of its children, so a listing
//! costs O(children). Each node's JSON is serialized once at start-up; a listing only concatenates.
//! Parents of every entry exist implicitly. The store is immutable once built.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::fixture::{DbfsEntry, Fixture, ServicePrincipalEntry, UserEntry, VolumeEntry, WorkspaceEntry};

/// What a node is, beyond its served JSON.
#[derive(Debug, Clone, Default)]
pub struct NodeInfo {
    /// Directory-like: listing it lists its children (`DIRECTORY`, `REPO`, DBFS/volume dirs).
    pub is_dir: bool,
    /// The workspace `object_type`, if any.
    pub object_type: Option<Box<str>>,
    /// The notebook language, if any.
    pub language: Option<Box<str>>,
    /// Size in bytes, if known.
    pub size: Option<u64>,
    /// Last modification, ms since the epoch, if known.
    pub modified_ms: Option<i64>,
    /// A notebook's source from the fixture (`content`), if given.
    pub content: Option<Box<str>>,
}

/// One object of a tree.
#[derive(Debug)]
pub struct Node {
    /// Normalized absolute path.
    pub path: Box<str>,
    /// The object as served (one JSON object).
    pub json: Box<str>,
    /// Facts the handlers need.
    pub info: NodeInfo,
    /// Children, sorted by path.
    pub children: Vec<u32>,
}

/// A tree of objects keyed by path.
#[derive(Debug, Default)]
pub struct Tree {
    nodes: Vec<Node>,
    index: HashMap<Box<str>, u32>,
}

/// Normalizes a request path: strips a trailing `/` (except for the root) and collapses `//`.
pub fn normalize(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(seg);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

fn parent_of(path: &str) -> Option<&str> {
    if path == "/" {
        return None;
    }
    match path.rfind('/') {
        Some(0) => Some("/"),
        Some(i) => Some(&path[..i]),
        None => None,
    }
}

/// The last segment of a path.
pub fn name_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A stable 64-bit hash (FNV-1a) used for synthesized ids and content; independent of the process.
pub fn stable_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

impl Tree {
    /// Looks a normalized path up.
    pub fn get(&self, path: &str) -> Option<&Node> {
        self.index.get(path).map(|&i| &self.nodes[i as usize])
    }

    /// The children of a node.
    pub fn children<'a>(&'a self, node: &'a Node) -> impl ExactSizeIterator<Item = &'a Node> + 'a {
        node.children.iter().map(move |&i| &self.nodes[i as usize])
    }

    /// The JSON of a listing of `node`: `{"<key>":[children…]}`, `{}` for an empty directory, or the
    /// node itself for a file. Returns the body and the number of entries.
    pub fn listing(&self, node: &Node, key: &str) -> (String, usize) {
        if !node.info.is_dir {
            let mut s = String::with_capacity(node.json.len() + key.len() + 8);
            s.push_str("{\"");
            s.push_str(key);
            s.push_str("\":[");
            s.push_str(&node.json);
            s.push_str("]}");
            return (s, 1);
        }
        self.page(node, key, 0, usize::MAX)
    }

    /// Like [`Tree::listing`] for a directory, but only children `start..start+len`.
    pub fn page(&self, node: &Node, key: &str, start: usize, len: usize) -> (String, usize) {
        let kids = &node.children[start.min(node.children.len())..];
        let kids = &kids[..len.min(kids.len())];
        if kids.is_empty() {
            return ("{}".to_string(), 0);
        }
        let total: usize = kids.iter().map(|&i| self.nodes[i as usize].json.len() + 1).sum();
        let mut s = String::with_capacity(total + key.len() + 8);
        s.push_str("{\"");
        s.push_str(key);
        s.push_str("\":[");
        for (n, &i) in kids.iter().enumerate() {
            if n > 0 {
                s.push(',');
            }
            s.push_str(&self.nodes[i as usize].json);
        }
        s.push_str("]}");
        (s, kids.len())
    }
}

/// Builds a [`Tree`]: explicit entries first, implicit parents on demand.
struct TreeBuilder {
    tree: Tree,
    explicit: Vec<bool>,
    implicit_dir: fn(&str) -> Value,
}

impl TreeBuilder {
    fn new(implicit_dir: fn(&str) -> Value) -> Self {
        let mut b = TreeBuilder {
            tree: Tree::default(),
            explicit: Vec::new(),
            implicit_dir,
        };
        b.ensure_dir("/");
        b
    }

    /// Returns the index of `path`, creating it (and its parents) as an implicit directory.
    fn ensure_dir(&mut self, path: &str) -> u32 {
        if let Some(&i) = self.tree.index.get(path) {
            let node = &mut self.tree.nodes[i as usize];
            if !node.info.is_dir && !node.children.is_empty() {
                node.info.is_dir = true;
            }
            return i;
        }
        let json = (self.implicit_dir)(path).to_string();
        let info = NodeInfo {
            is_dir: true,
            ..NodeInfo::default()
        };
        self.push(path, json, info, false)
    }

    fn push(&mut self, path: &str, json: String, info: NodeInfo, explicit: bool) -> u32 {
        let i = self.tree.nodes.len() as u32;
        self.tree.nodes.push(Node {
            path: path.into(),
            json: json.into_boxed_str(),
            info,
            children: Vec::new(),
        });
        self.explicit.push(explicit);
        self.tree.index.insert(path.into(), i);
        if let Some(parent) = parent_of(path) {
            let p = self.ensure_dir(parent);
            let pnode = &mut self.tree.nodes[p as usize];
            pnode.children.push(i);
            // An explicit non-directory that turns out to have children is listed as a directory.
            pnode.info.is_dir = true;
        }
        i
    }

    fn insert(&mut self, path: &str, json: String, info: NodeInfo) {
        if let Some(&i) = self.tree.index.get(path) {
            let node = &mut self.tree.nodes[i as usize];
            let has_children = !node.children.is_empty();
            node.json = json.into_boxed_str();
            node.info = info;
            node.info.is_dir |= has_children;
            self.explicit[i as usize] = true;
            return;
        }
        self.push(path, json, info, true);
    }

    fn finish(mut self) -> Tree {
        let paths: Vec<Box<str>> = self.tree.nodes.iter().map(|n| n.path.clone()).collect();
        for node in &mut self.tree.nodes {
            node.children
                .sort_by(|a, b| paths[*a as usize].cmp(&paths[*b as usize]));
        }
        self.tree
    }
}

fn to_json_string(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).expect("fixture entries always serialize")
}

fn workspace_dir_json(path: &str) -> Value {
    let id = 1_000_000_000_000_000 + stable_hash(path) % 8_000_000_000_000_000;
    json!({"path": path, "object_type": "DIRECTORY", "object_id": id, "resource_id": id.to_string()})
}

fn dbfs_dir_json(path: &str) -> Value {
    json!({"path": path, "is_dir": true, "file_size": 0, "modification_time": 0})
}

fn volume_dir_json(path: &str) -> Value {
    json!({"path": path, "name": name_of(path), "is_directory": true})
}

fn build_workspace(entries: &[WorkspaceEntry]) -> Tree {
    let mut b = TreeBuilder::new(workspace_dir_json);
    for e in entries {
        let path = normalize(&e.path);
        let mut e2 = e.clone();
        e2.path = path.clone();
        // The source is what export returns, never part of the listed object.
        e2.content = None;
        let ty = e.object_type.as_deref();
        let info = NodeInfo {
            is_dir: matches!(ty, Some("DIRECTORY") | Some("REPO")),
            object_type: e.object_type.as_deref().map(Into::into),
            language: e.language.as_deref().map(Into::into),
            size: e.size,
            modified_ms: e.extra.get("modified_at").and_then(Value::as_i64),
            content: e.content.as_deref().map(Into::into),
        };
        b.insert(&path, to_json_string(&e2), info);
    }
    b.finish()
}

fn build_dbfs(entries: &[DbfsEntry]) -> Tree {
    let mut b = TreeBuilder::new(dbfs_dir_json);
    for e in entries {
        let path = normalize(e.path.strip_prefix("dbfs:").unwrap_or(&e.path));
        let mut e2 = e.clone();
        e2.path = path.clone();
        let info = NodeInfo {
            is_dir: e.is_dir,
            size: e.file_size,
            modified_ms: e.extra.get("modification_time").and_then(Value::as_i64),
            ..NodeInfo::default()
        };
        b.insert(&path, to_json_string(&e2), info);
    }
    b.finish()
}

fn build_volumes(entries: &[VolumeEntry]) -> Tree {
    let mut b = TreeBuilder::new(volume_dir_json);
    for e in entries {
        let path = normalize(&e.path);
        let mut v = serde_json::to_value(e).expect("entries serialize");
        let obj = v.as_object_mut().expect("an entry is an object");
        obj.insert("path".into(), Value::String(path.clone()));
        if !obj.contains_key("name") {
            obj.insert("name".into(), Value::String(name_of(&path).to_string()));
        }
        let info = NodeInfo {
            is_dir: e.is_directory,
            size: e.file_size,
            modified_ms: e.extra.get("last_modified").and_then(Value::as_i64),
            ..NodeInfo::default()
        };
        b.insert(&path, v.to_string(), info);
    }
    b.finish()
}

/// A SCIM resource table (users, service principals).
#[derive(Debug, Default)]
pub struct Resources {
    /// Resources as served (full objects), in fixture order.
    pub list: Vec<Map<String, Value>>,
    by_id: HashMap<String, usize>,
}

/// The SCIM schema of a service principal resource.
pub const SERVICE_PRINCIPAL_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal";

fn service_principal_resource(sp: &ServicePrincipalEntry) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("schemas".into(), json!([SERVICE_PRINCIPAL_SCHEMA]));
    m.insert(
        "id".into(),
        Value::String(user_id_for(&format!("sp:{}", sp.application_id))),
    );
    m.insert("applicationId".into(), Value::String(sp.application_id.clone()));
    if let Some(d) = &sp.display_name {
        m.insert("displayName".into(), Value::String(d.clone()));
    }
    if let Some(a) = sp.active {
        m.insert("active".into(), Value::Bool(a));
    }
    for (k, v) in &sp.extra {
        m.insert(k.clone(), v.clone());
    }
    m
}

/// The SCIM schema of a user resource.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// A stable SCIM id for a user name (16 digits, like Databricks ids).
pub fn user_id_for(user_name: &str) -> String {
    (1_000_000_000_000_000 + stable_hash(user_name) % 8_000_000_000_000_000).to_string()
}

fn user_resource(u: &UserEntry) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("schemas".into(), json!([USER_SCHEMA]));
    m.insert("id".into(), Value::String(user_id_for(&u.user_name)));
    m.insert("userName".into(), Value::String(u.user_name.clone()));
    if let Some(d) = &u.display_name {
        m.insert("displayName".into(), Value::String(d.clone()));
    }
    if let Some(a) = u.active {
        m.insert("active".into(), Value::Bool(a));
    }
    if u.user_name.contains('@') {
        m.insert(
            "emails".into(),
            json!([{"value": u.user_name, "type": "work", "primary": true}]),
        );
    }
    for (k, v) in &u.extra {
        m.insert(k.clone(), v.clone());
    }
    m
}

impl Resources {
    fn build(list: Vec<Map<String, Value>>) -> Resources {
        let by_id = list
            .iter()
            .enumerate()
            .filter_map(|(i, u)| Some((u.get("id")?.as_str()?.to_string(), i)))
            .collect();
        Resources { list, by_id }
    }

    /// Finds a resource by SCIM id.
    pub fn by_id(&self, id: &str) -> Option<&Map<String, Value>> {
        self.by_id.get(id).map(|&i| &self.list[i])
    }
}

/// Everything the simulator serves.
#[derive(Debug, Default)]
pub struct Store {
    /// `/api/2.0/workspace/*`.
    pub workspace: Tree,
    /// `/api/2.0/dbfs/*`.
    pub dbfs: Tree,
    /// `/api/2.0/fs/*`.
    pub volumes: Tree,
    /// `/api/2.0/preview/scim/v2/Users`.
    pub users: Resources,
    /// `/api/2.0/preview/scim/v2/ServicePrincipals`.
    pub service_principals: Resources,
}

impl Store {
    /// Indexes a fixture.
    pub fn build(fixture: &Fixture) -> Store {
        Store {
            workspace: build_workspace(&fixture.workspace),
            dbfs: build_dbfs(&fixture.dbfs),
            volumes: build_volumes(&fixture.volumes),
            users: Resources::build(fixture.users.iter().map(user_resource).collect()),
            service_principals: Resources::build(
                fixture
                    .service_principals
                    .iter()
                    .map(service_principal_resource)
                    .collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Fixture {
        Fixture::from_json(
            r#"{"workspace":[
                {"path":"/Users/a@x.com/nb","object_type":"NOTEBOOK","language":"PYTHON"},
                {"path":"/Users/a@x.com/d/f.csv","object_type":"FILE","size":123},
                {"path":"/Users/a@x.com/empty","object_type":"DIRECTORY","object_id":5},
                {"path":"/Users/a@x.com/exp","object_id":9}],
              "dbfs":[{"path":"dbfs:/Users/a@x.com/x.bin","is_dir":false,"file_size":10}],
              "volumes":[{"path":"/Volumes/c/s/v/f.txt","is_directory":false,"file_size":5}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn parents_exist_implicitly_and_children_are_sorted() {
        let s = Store::build(&fixture());
        let home = s.workspace.get("/Users/a@x.com").unwrap();
        assert!(home.info.is_dir);
        let kids: Vec<_> = s.workspace.children(home).map(|n| &*n.path).collect();
        assert_eq!(
            kids,
            [
                "/Users/a@x.com/d",
                "/Users/a@x.com/empty",
                "/Users/a@x.com/exp",
                "/Users/a@x.com/nb"
            ]
        );
        let root = s.workspace.get("/").unwrap();
        assert_eq!(s.workspace.children(root).count(), 1);
        assert!(s.dbfs.get("/Users/a@x.com").unwrap().info.is_dir);
        assert!(s.volumes.get("/Volumes/c/s/v").unwrap().info.is_dir);
    }

    #[test]
    fn empty_directory_lists_as_empty_object_and_file_lists_itself() {
        let s = Store::build(&fixture());
        let empty = s.workspace.get("/Users/a@x.com/empty").unwrap();
        assert_eq!(s.workspace.listing(empty, "objects"), ("{}".to_string(), 0));
        let f = s.workspace.get("/Users/a@x.com/d/f.csv").unwrap();
        let (body, n) = s.workspace.listing(f, "objects");
        assert_eq!(n, 1);
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["objects"][0]["size"], 123);
    }

    #[test]
    fn entries_without_object_type_are_served_verbatim() {
        let s = Store::build(&fixture());
        let n = s.workspace.get("/Users/a@x.com/exp").unwrap();
        let v: Value = serde_json::from_str(&n.json).unwrap();
        assert_eq!(v, json!({"path": "/Users/a@x.com/exp", "object_id": 9}));
    }

    #[test]
    fn normalize_strips_trailing_and_double_slashes() {
        assert_eq!(normalize("/a//b/"), "/a/b");
        assert_eq!(normalize("/"), "/");
        assert_eq!(normalize(""), "/");
    }
}
