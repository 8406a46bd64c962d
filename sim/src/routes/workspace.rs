//! The Workspace API: `list`, `get-status` and `export` under `/api/2.0/workspace/`.
//!
//! Quirks kept from the real service: an empty directory lists as `{}`, listing a file returns
//! that one object, a missing path is 404 `Path (<path>) doesn't exist.`, and `REPO` (Git folder)
//! objects list like directories.

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;

use super::{listing_response, path_param};
use crate::auth::Principal;
use crate::error::{api_error, bad_request, json_response, workspace_not_found};
use crate::pipeline::{Entries, Params};
use crate::state::SimState;
use crate::store::{name_of, normalize, stable_hash};
use crate::visibility::{hidden, is_per_user_root};

/// `GET /api/2.0/workspace/list?path=…[&notebooks_modified_after=ms]`.
pub async fn list(
    State(st): State<Arc<SimState>>,
    Extension(who): Extension<Principal>,
    Extension(params): Extension<Params>,
) -> Response {
    let raw = match path_param(&params) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let tree = &st.store.workspace;
    let path = normalize(raw);
    let Some(node) = tree.get(&path).filter(|_| !hidden(&who, &path)) else {
        return workspace_not_found(raw);
    };
    let after = match params.get("notebooks_modified_after") {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(ms) => Some(ms),
            Err(_) => return bad_request(format!("Invalid notebooks_modified_after: {v}")),
        },
    };
    if let (Some(after), true) = (after, node.info.is_dir) {
        // Notebooks modified before `after` are left out; other objects are always listed.
        let kept: Vec<&str> = tree
            .children(node)
            .filter(|c| !hidden(&who, &c.path))
            .filter(|c| {
                c.info.object_type.as_deref() != Some("NOTEBOOK") || c.info.modified_ms.is_none_or(|m| m >= after)
            })
            .map(|c| &*c.json)
            .collect();
        if kept.is_empty() {
            return listing_response("{}".into(), 0);
        }
        let n = kept.len();
        return listing_response(format!("{{\"objects\":[{}]}}", kept.join(",")), n);
    }
    if who.restricted_user().is_some() && is_per_user_root(&path) {
        // A non-admin lists only the folders of /Users and /Repos it can read (its own).
        let kept: Vec<&str> = tree
            .children(node)
            .filter(|c| !hidden(&who, &c.path))
            .map(|c| &*c.json)
            .collect();
        if kept.is_empty() {
            return listing_response("{}".into(), 0);
        }
        let n = kept.len();
        return listing_response(format!("{{\"objects\":[{}]}}", kept.join(",")), n);
    }
    let (body, n) = tree.listing(node, "objects");
    listing_response(body, n)
}

/// `GET /api/2.0/workspace/get-status?path=…`.
pub async fn get_status(
    State(st): State<Arc<SimState>>,
    Extension(who): Extension<Principal>,
    Extension(params): Extension<Params>,
) -> Response {
    let raw = match path_param(&params) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let path = normalize(raw);
    match st.store.workspace.get(&path).filter(|_| !hidden(&who, &path)) {
        Some(node) => listing_response(node.json.to_string(), 1),
        None => workspace_not_found(raw),
    }
}

/// `GET /api/2.0/workspace/export?path=…&format=SOURCE[&direct_download=true]`.
pub async fn export(
    State(st): State<Arc<SimState>>,
    Extension(who): Extension<Principal>,
    Extension(params): Extension<Params>,
) -> Response {
    let raw = match path_param(&params) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let format = params.get("format").unwrap_or("SOURCE").to_ascii_uppercase();
    if !matches!(format.as_str(), "SOURCE" | "AUTO") {
        return bad_request(format!("dbx-sim only exports format SOURCE or AUTO, not {format}."));
    }
    let path = normalize(raw);
    let Some(node) = st.store.workspace.get(&path).filter(|_| !hidden(&who, &path)) else {
        return workspace_not_found(raw);
    };
    let max = st.max_export_bytes;
    let (content, file_type) = match node.info.object_type.as_deref() {
        Some("NOTEBOOK") => {
            let lang = node.info.language.as_deref().unwrap_or("PYTHON");
            let source = match &node.info.content {
                Some(c) => c.as_bytes().to_vec(),
                None => notebook_source(&path, lang).into_bytes(),
            };
            if source.len() as u64 > max {
                return api_error(
                    StatusCode::BAD_REQUEST,
                    "MAX_NOTEBOOK_SIZE_EXCEEDED",
                    format!("The notebook {path} exceeds the export size limit of {max} bytes."),
                );
            }
            (source, extension_for(lang).to_string())
        }
        Some("FILE") => {
            let size = node.info.size.unwrap_or_else(|| 100 + stable_hash(&path) % 4000);
            if size > max {
                return bad_request(format!(
                    "Size exceeds {max} bytes: {path} cannot be exported in SOURCE format."
                ));
            }
            let ext = name_of(&path).rsplit_once('.').map_or("", |(_, e)| e).to_string();
            (file_content(&path, size), ext)
        }
        Some("DIRECTORY") | Some("REPO") => {
            return bad_request(format!(
                "{path} is a directory; export it in DBC format, which dbx-sim does not implement."
            ))
        }
        _ => return bad_request(format!("Cannot export {path}: unsupported object type.")),
    };
    let entries = content.len() / 4096;
    if params.get("direct_download") == Some("true") {
        let mut r = (StatusCode::OK, content).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        r.extensions_mut().insert(Entries(entries));
        return r;
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(&content);
    let mut r = json_response(
        StatusCode::OK,
        json!({"content": b64, "file_type": file_type}).to_string(),
    );
    r.extensions_mut().insert(Entries(entries));
    r
}

fn extension_for(lang: &str) -> &'static str {
    match lang {
        "SQL" => "sql",
        "SCALA" => "scala",
        "R" => "r",
        _ => "py",
    }
}

/// Deterministic bytes of a file: CSV-looking text.
fn file_content(path: &str, size: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(size as usize);
    let mut x = stable_hash(path) | 1;
    out.extend_from_slice(b"id,name,value\n");
    while (out.len() as u64) < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(format!("{},item_{},{}\n", x % 100_000, x % 977, x % 10_000).as_bytes());
    }
    out.truncate(size as usize);
    out
}

/// The source of a notebook: plausible cells in its language, 1–40 KB, fixed by its path.
pub fn notebook_source(path: &str, language: &str) -> String {
    let h = stable_hash(path);
    let target = 1024 + (h % 40_000) as usize;
    let (comment, header, cells): (&str, &str, &[&str]) = match language {
        "SQL" => ("--", "-- Databricks notebook source", SQL_CELLS),
        "SCALA" => ("//", "// Databricks notebook source", SCALA_CELLS),
        "R" => ("#", "# Databricks notebook source", R_CELLS),
        _ => ("#", "# Databricks notebook source", PYTHON_CELLS),
    };
    let mut out = String::with_capacity(target + 512);
    out.push_str(header);
    out.push('\n');
    let mut i = h;
    while out.len() < target {
        out.push_str(&format!("\n{comment} COMMAND ----------\n\n"));
        out.push_str(cells[(i % cells.len() as u64) as usize]);
        out.push('\n');
        i = i.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407) >> 1;
    }
    out
}

const PYTHON_CELLS: &[&str] = &[
    "from pyspark.sql import functions as F\n\ndf = spark.read.table(\"main.sales.orders\")\ndisplay(df.limit(10))",
    "# MAGIC %md\n# MAGIC ## Clean up\n# MAGIC Drop rows without a customer id.",
    "clean = df.filter(F.col(\"customer_id\").isNotNull()).withColumn(\"day\", F.to_date(\"ts\"))\nclean.write.mode(\"overwrite\").saveAsTable(\"main.sales.orders_clean\")",
    "import pandas as pd\n\npdf = clean.groupBy(\"day\").count().toPandas()\npdf.plot(x=\"day\", y=\"count\")",
    "dbutils.widgets.text(\"run_date\", \"2024-01-01\")\nrun_date = dbutils.widgets.get(\"run_date\")\nprint(f\"Running for {run_date}\")",
];
const SQL_CELLS: &[&str] = &[
    "SELECT customer_id, count(*) AS orders\nFROM main.sales.orders\nGROUP BY customer_id\nORDER BY orders DESC\nLIMIT 100",
    "-- MAGIC %md\n-- MAGIC ## Daily totals",
    "CREATE OR REPLACE TABLE main.reports.daily AS\nSELECT to_date(ts) AS day, sum(amount) AS total FROM main.sales.orders GROUP BY 1",
];
const SCALA_CELLS: &[&str] = &[
    "val df = spark.read.table(\"main.sales.orders\")\ndisplay(df.limit(10))",
    "import org.apache.spark.sql.functions._\nval daily = df.groupBy(to_date($\"ts\")).agg(sum($\"amount\"))",
];
const R_CELLS: &[&str] = &[
    "library(SparkR)\ndf <- tableToDF(\"main.sales.orders\")\nhead(df)",
    "summary(collect(limit(df, 1000)))",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notebook_source_is_deterministic_and_sized() {
        let a = notebook_source("/Users/a/nb", "PYTHON");
        assert_eq!(a, notebook_source("/Users/a/nb", "PYTHON"));
        assert!(a.starts_with("# Databricks notebook source\n"));
        assert!(a.len() >= 1024 && a.len() < 42_000, "{}", a.len());
        assert!(notebook_source("/x", "SQL").starts_with("-- Databricks"));
    }

    #[test]
    fn file_content_has_the_size() {
        assert_eq!(file_content("/f.csv", 1234).len(), 1234);
        assert_eq!(file_content("/f.csv", 3).len(), 3);
    }
}
