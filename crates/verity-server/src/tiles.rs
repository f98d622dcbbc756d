//! The C2SP tlog-tiles v0.1.0 read API under `/log/`, plus the log key at `/log/key`.
//!
//! * `/log/checkpoint`: the latest checkpoint note, signed by the log key, with the witness
//!   cosignatures the node has collected appended (C2SP tlog-cosignature); `text/plain`,
//!   cacheable for a few seconds only (it changes with every batch).
//! * `/log/tile/<L>/<N>[.p/<W>]`: `W` (256 when full) hashes of level `8·L`, 32 bytes each,
//!   concatenated (tlog-tiles §Merkle Tree).
//! * `/log/tile/entries/<N>[.p/<W>]`: entries `256·N ..`, each a big-endian uint16 length and
//!   the exact entry bytes (tlog-tiles §Log Entries).
//!
//! Full tiles never change, so they are served `immutable` for a year (tlog-tiles §Merkle
//! Tree: "full tiles ... MUST NOT change"). A partial tile of width `W` also never changes once
//! it exists, but the spec lets logs drop partial tiles once the full one exists, so they get a
//! short cache lifetime. A tile or bundle beyond the latest published checkpoint is 404.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use verity_log::tile::{Tile, encode_entry_bundle, parse_entry_bundle_path, read_tile_data};
use verity_store::StoreHashReader;

use crate::api::read;
use crate::error::ApiError;
use crate::state::AppState;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const PARTIAL: &str = "public, max-age=60";
const CHECKPOINT: &str = "public, max-age=1";

fn with_headers(
    body: impl IntoResponse,
    content_type: &'static str,
    cache: &'static str,
) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    resp
}

/// `GET /log/checkpoint`
pub async fn checkpoint(State(st): State<AppState>) -> Response {
    let p = st.core.published();
    with_headers(p.served_note(), "text/plain; charset=utf-8", CHECKPOINT)
}

/// `GET /log/key`: the log's C2SP verifier key, one line.
pub async fn key(State(st): State<AppState>) -> Response {
    with_headers(
        format!("{}\n", st.core.log_verifier.to_vkey()),
        "text/plain; charset=utf-8",
        IMMUTABLE,
    )
}

/// `GET /log/tile/{*path}`: hash tiles and entry bundles.
pub async fn tile(
    State(st): State<AppState>,
    Path(rest): Path<String>,
) -> Result<Response, ApiError> {
    let path = format!("tile/{rest}");
    let size = st.core.published().size;
    if rest.starts_with("entries/") {
        let (index, width) = parse_entry_bundle_path(&path)
            .map_err(|e| ApiError::not_found(format!("not a tile path: {e}")))?;
        let start = index
            .checked_mul(256)
            .ok_or_else(|| ApiError::not_found(format!("{path}: beyond the tree")))?;
        let end = start + u64::from(width);
        if end > size {
            return Err(ApiError::not_found(format!(
                "{path}: entries {start}..{end} are beyond the tree (size {size})"
            )));
        }
        let bundle = read(&st.core, move |s| {
            let entries = s.entries(start, end).map_err(ApiError::store)?;
            let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
            encode_entry_bundle(&refs).map_err(ApiError::store)
        })
        .await?;
        let cache = if width == 256 { IMMUTABLE } else { PARTIAL };
        return Ok(with_headers(bundle, "application/octet-stream", cache));
    }
    let tile = Tile::parse_path(&path)
        .map_err(|e| ApiError::not_found(format!("not a tile path: {e}")))?;
    // The tile's last hash is the node covering leaves up to (index·256 + width)·256^level.
    let end = (u128::from(tile.index) * 256 + u128::from(tile.width))
        .checked_shl(8 * u32::from(tile.level))
        .filter(|e| *e <= u128::from(u64::MAX));
    match end {
        Some(end) if end <= u128::from(size) => {}
        _ => {
            return Err(ApiError::not_found(format!(
                "{path} is beyond the tree (size {size})"
            )));
        }
    }
    let data = read(&st.core, move |s| {
        read_tile_data(&tile, &StoreHashReader(s)).map_err(ApiError::store)
    })
    .await?;
    let cache = if tile.is_full() { IMMUTABLE } else { PARTIAL };
    Ok(with_headers(data, "application/octet-stream", cache))
}
