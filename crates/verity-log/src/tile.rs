//! C2SP tlog-tiles v0.1.0 (<https://c2sp.org/tlog-tiles@v0.1.0>): the Merkle tree served as
//! static "tiles" of 256 consecutive hashes (tile height 8), and entries as "entry bundles".
//!
//! * Tile `(L, N)` holds the hashes of the complete subtrees of height `8·L` with indexes
//!   `256·N .. 256·N + W`; in stored-hash terms, `stored_hash_index(8·L, 256·N + i)`.
//! * Paths: `tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`, with `N` written in 3-digit
//!   groups, all but the last prefixed with `x` (1234067 → `x001/x234/067`). `.p/<W>` marks a
//!   partial tile of width `W` in 1..=255. Unlike Go's `sumdb/tlog` paths (`tile/8/L/N`), there
//!   is no height element.
//! * Entry bundles: each entry prefixed by its length as a big-endian `u16` (so an entry is at
//!   most 65,535 bytes), at most 256 entries.
//!
//! [`TileHashReader`] lets a client compute proofs from fetched tiles: it verifies every tile
//! against a trusted `(tree size, root)` — right-edge (partial) tiles by recomputing the root,
//! full tiles by their hash in the tile one level up — before answering from it (the design of
//! Go's `tlog.TileHashReader`).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use crate::tree::read_exact;
use crate::{Hash, HashReader, LogError, node_hash, split_stored_hash_index, stored_hash_index};

/// Tile height: each tile spans 8 tree levels.
pub const TILE_HEIGHT: u8 = 8;
/// Hashes (or entries) in a full tile (or bundle).
pub const TILE_WIDTH: u16 = 256;
/// Largest entry an entry bundle can carry (u16 length prefix).
pub const MAX_ENTRY_SIZE: usize = 65_535;
/// Highest tile level whose tiles can be non-empty for a tree size that fits in `u64`
/// (a level-7 tile spans 2^64 leaves).
pub const MAX_TILE_LEVEL: u8 = 7;

/// Errors parsing tile paths and entry bundles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    #[error("tile path {path:?}: element {element} ({field}): {reason}")]
    BadPath {
        path: String,
        element: usize,
        field: &'static str,
        reason: String,
    },
    #[error("entry {entry} is {len} bytes; an entry bundle entry is at most 65535 bytes")]
    EntryTooLarge { entry: usize, len: usize },
    #[error("entry bundle has more than 256 entries ({count})")]
    TooManyEntries { count: usize },
    #[error("entry bundle truncated in the length prefix of entry {entry} at byte {offset}")]
    TruncatedLength { entry: usize, offset: usize },
    #[error(
        "entry bundle truncated in entry {entry} at byte {offset}: length {len}, {available} bytes left"
    )]
    TruncatedEntry {
        entry: usize,
        offset: usize,
        len: usize,
        available: usize,
    },
    #[error("entry bundle has {found} entries at byte {offset}, expected {expected}")]
    WrongEntryCount {
        expected: usize,
        found: usize,
        offset: usize,
    },
    #[error("tile width {width} is outside 1..=256")]
    BadWidth { width: u16 },
}

/// A Merkle tree tile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tile {
    /// Tile level `L` (the tile's hashes are at tree height `8·L`).
    pub level: u8,
    /// Tile index `N` within the level.
    pub index: u64,
    /// Number of hashes, 1..=256; 256 is a full tile.
    pub width: u16,
}

impl Tile {
    /// `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!(
            "tile/{}/{}",
            self.level,
            index_and_width(self.index, self.width)
        )
    }

    /// Parses a tile path (not an entry bundle path); only the canonical form is accepted,
    /// so `parse_path(t.path()) == t` and every tile has exactly one path.
    pub fn parse_path(p: &str) -> Result<Tile, TileError> {
        let elems: Vec<&str> = p.split('/').collect();
        let bad = |element, field, reason: &str| TileError::BadPath {
            path: p.to_string(),
            element,
            field,
            reason: reason.to_string(),
        };
        if elems.first() != Some(&"tile") {
            return Err(bad(0, "prefix", "must start with tile/"));
        }
        let level_text = elems.get(1).ok_or_else(|| bad(1, "level", "missing"))?;
        if *level_text == "entries" {
            return Err(bad(1, "level", "entry bundle path, not a hash tile"));
        }
        let level = crate::checkpoint::parse_decimal(level_text)
            .ok()
            .filter(|l| *l <= 63)
            .ok_or_else(|| bad(1, "level", "must be a decimal 0..=63 without leading zeros"))?;
        let (index, width) = parse_index_and_width(p, &elems, 2)?;
        Ok(Tile {
            level: level as u8,
            index,
            width,
        })
    }

    /// Whether this is a full (256-hash) tile.
    pub fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }
}

/// An entry bundle: entries `256·index .. 256·index + width`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryBundle {
    pub index: u64,
    pub width: u16,
}

impl EntryBundle {
    pub fn path(&self) -> String {
        entry_bundle_path(self.index, self.width)
    }

    pub fn parse_path(p: &str) -> Result<EntryBundle, TileError> {
        let (index, width) = parse_entry_bundle_path(p)?;
        Ok(EntryBundle { index, width })
    }

    /// The bundle holding entry `entry` in a tree of `tree_size` entries (width as published
    /// at that size). `None` if the entry is not in the tree.
    pub fn for_entry(entry: u64, tree_size: u64) -> Option<EntryBundle> {
        if entry >= tree_size {
            return None;
        }
        let index = entry / 256;
        let width = (tree_size - index * 256).min(256) as u16;
        Some(EntryBundle { index, width })
    }
}

/// `tile/entries/<N>[.p/<W>]`.
pub fn entry_bundle_path(index: u64, width: u16) -> String {
    format!("tile/entries/{}", index_and_width(index, width))
}

/// Parses `tile/entries/<N>[.p/<W>]` into `(N, W)` (W = 256 for a full bundle).
pub fn parse_entry_bundle_path(p: &str) -> Result<(u64, u16), TileError> {
    let elems: Vec<&str> = p.split('/').collect();
    if elems.first() != Some(&"tile") || elems.get(1) != Some(&"entries") {
        return Err(TileError::BadPath {
            path: p.to_string(),
            element: 0,
            field: "prefix",
            reason: "must start with tile/entries/".into(),
        });
    }
    parse_index_and_width(p, &elems, 2)
}

/// `N` in x-prefixed 3-digit groups, plus `.p/<W>` when partial. Widths outside 1..=255 are
/// written as full (callers construct tiles with valid widths; parsing never yields others).
fn index_and_width(index: u64, width: u16) -> String {
    let mut groups = vec![format!("{:03}", index % 1000)];
    let mut n = index / 1000;
    while n > 0 {
        groups.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    let mut s = groups.join("/");
    if (1..TILE_WIDTH).contains(&width) {
        s.push_str(&format!(".p/{width}"));
    }
    s
}

fn parse_index_and_width(p: &str, elems: &[&str], start: usize) -> Result<(u64, u16), TileError> {
    let bad = |element, field, reason: &str| TileError::BadPath {
        path: p.to_string(),
        element,
        field,
        reason: reason.to_string(),
    };
    let mut groups: Vec<&str> = elems.get(start..).unwrap_or_default().to_vec();
    if groups.is_empty() {
        return Err(bad(start, "index", "missing"));
    }
    // A partial tile ends in "<last group>.p" / "<W>".
    let mut width = TILE_WIDTH;
    if let Some(last) = groups.len().checked_sub(2).map(|i| groups[i])
        && let Some(g) = last.strip_suffix(".p")
    {
        let w_elem = start + groups.len() - 1;
        let w = crate::checkpoint::parse_decimal(groups[groups.len() - 1])
            .ok()
            .filter(|w| (1..256).contains(w))
            .ok_or_else(|| {
                bad(
                    w_elem,
                    "width",
                    "must be a decimal 1..=255 without leading zeros",
                )
            })?;
        width = w as u16;
        groups.pop();
        let n = groups.len();
        groups[n - 1] = g;
    }
    let mut index: u64 = 0;
    let count = groups.len();
    for (i, g) in groups.iter().enumerate() {
        let element = start + i;
        let digits = if i + 1 < count {
            g.strip_prefix('x')
                .ok_or_else(|| bad(element, "index", "all but the last group start with 'x'"))?
        } else {
            g
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(element, "index", "expected exactly 3 decimal digits"));
        }
        // Three ASCII digits always parse.
        let v: u64 = digits.parse().unwrap_or(0);
        if i == 0 && count > 1 && v == 0 {
            return Err(bad(element, "index", "leading zero group"));
        }
        index = index
            .checked_mul(1000)
            .and_then(|x| x.checked_add(v))
            .ok_or_else(|| bad(element, "index", "does not fit in 64 bits"))?;
    }
    Ok((index, width))
}

/// Encodes entries as an entry bundle.
pub fn encode_entry_bundle(entries: &[&[u8]]) -> Result<Vec<u8>, TileError> {
    if entries.len() > TILE_WIDTH as usize {
        return Err(TileError::TooManyEntries {
            count: entries.len(),
        });
    }
    let mut out = Vec::with_capacity(entries.iter().map(|e| e.len() + 2).sum());
    for (i, e) in entries.iter().enumerate() {
        let len = u16::try_from(e.len()).map_err(|_| TileError::EntryTooLarge {
            entry: i,
            len: e.len(),
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Decodes an entry bundle (0..=256 entries).
pub fn decode_entry_bundle(b: &[u8]) -> Result<Vec<Vec<u8>>, TileError> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < b.len() {
        let entry = out.len();
        if entry == TILE_WIDTH as usize {
            return Err(TileError::TooManyEntries { count: entry + 1 });
        }
        let Some(prefix) = b.get(at..at + 2) else {
            return Err(TileError::TruncatedLength { entry, offset: at });
        };
        let len = usize::from(u16::from_be_bytes([prefix[0], prefix[1]]));
        let start = at + 2;
        let Some(data) = b.get(start..start + len) else {
            return Err(TileError::TruncatedEntry {
                entry,
                offset: start,
                len,
                available: b.len() - start,
            });
        };
        out.push(data.to_vec());
        at = start + len;
    }
    Ok(out)
}

/// Decodes an entry bundle that must hold exactly `width` entries.
pub fn decode_entry_bundle_exact(b: &[u8], width: u16) -> Result<Vec<Vec<u8>>, TileError> {
    let entries = decode_entry_bundle(b)?;
    if entries.len() != usize::from(width) {
        return Err(TileError::WrongEntryCount {
            expected: usize::from(width),
            found: entries.len(),
            offset: b.len(),
        });
    }
    Ok(entries)
}

fn check_tile(t: &Tile) -> Result<(), LogError> {
    let reason = if t.width == 0 || t.width > TILE_WIDTH {
        "width outside 1..=256"
    } else if t.level > MAX_TILE_LEVEL {
        "level above 7 cannot hold hashes of a tree whose size fits in 64 bits"
    } else if t.index.checked_mul(256).is_none() {
        "index too large"
    } else {
        return Ok(());
    };
    Err(LogError::BadTile {
        path: t.path(),
        reason: reason.into(),
    })
}

/// Stored-hash indexes of a tile's hashes, in tile order.
fn tile_indexes(t: &Tile) -> Vec<u64> {
    (0..u64::from(t.width))
        .map(|i| stored_hash_index(t.level * TILE_HEIGHT, t.index * 256 + i))
        .collect()
}

/// The bytes of tile `t` (width × 32 bytes, concatenated hashes) read from stored hashes.
pub fn read_tile_data(t: &Tile, r: &(impl HashReader + ?Sized)) -> Result<Vec<u8>, LogError> {
    check_tile(t)?;
    let hashes = read_exact(r, &tile_indexes(t))?;
    Ok(hashes.concat())
}

/// Number of level-`8·level` hashes complete in a tree of `tree_size` leaves.
fn hashes_at(tree_size: u64, level: u8) -> u64 {
    let shift = u32::from(level) * u32::from(TILE_HEIGHT);
    tree_size.checked_shr(shift).unwrap_or(0)
}

/// Width of tile `(level, index)` as published at `tree_size` (0 if the tile is empty).
pub fn tile_width_at(tree_size: u64, level: u8, index: u64) -> u16 {
    let n = hashes_at(tree_size, level);
    let start = index.saturating_mul(256);
    if n <= start {
        0
    } else {
        (n - start).min(256) as u16
    }
}

/// Every tile of a tree of `tree_size` leaves: all full tiles and the partial right edge of each
/// level (what a log publishes at that size), ordered by level then index.
pub fn tiles_for_size(tree_size: u64) -> Vec<Tile> {
    new_tiles(0, tree_size)
}

/// The tiles that appear (new full tiles, and new or wider partial tiles) when a tree grows from
/// `old_size` to `new_size`: what a log must write to publish the new size.
///
/// Per tlog-tiles, only the partial tile of each level *at `new_size`* is listed. (Go's
/// `tlog.NewTiles` also lists every intermediate partial width, which the Go checksum database
/// serves but C2SP does not require.)
pub fn new_tiles(old_size: u64, new_size: u64) -> Vec<Tile> {
    let mut out = Vec::new();
    if new_size <= old_size {
        return out;
    }
    for level in 0..=MAX_TILE_LEVEL {
        let (old_n, new_n) = (hashes_at(old_size, level), hashes_at(new_size, level));
        if new_n == 0 {
            break;
        }
        if new_n == old_n {
            continue;
        }
        for index in old_n / 256..=(new_n - 1) / 256 {
            let w = tile_width_at(new_size, level, index);
            if w > tile_width_at(old_size, level, index) {
                out.push(Tile {
                    level,
                    index,
                    width: w,
                });
            }
        }
    }
    out
}

/// The hash of a complete subtree whose leaves (hashes) are given; `hashes.len()` must be a
/// power of two.
fn complete_root(hashes: &[Hash]) -> Hash {
    let mut level: Vec<Hash> = hashes.to_vec();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|p| {
                if p.len() == 2 {
                    node_hash(&p[0], &p[1])
                } else {
                    p[0]
                }
            })
            .collect();
    }
    level.first().copied().unwrap_or_else(crate::empty_root)
}

fn tile_hashes(data: &[u8]) -> Vec<Hash> {
    data.chunks_exact(32)
        .map(|c| {
            let mut h = [0u8; 32];
            h.copy_from_slice(c);
            h
        })
        .collect()
}

/// A [`HashReader`] answering stored-hash reads from tiles fetched through a callback, after
/// verifying each tile against a trusted tree `(tree_size, root)` (e.g. from a checkpoint whose
/// signature was verified). Verified tiles are cached.
///
/// The callback receives the tiles to fetch (with the widths published at `tree_size`) and
/// returns their bytes in the same order; it is where the caller does its I/O.
pub struct TileHashReader<'a, F: ?Sized> {
    tree_size: u64,
    root: Hash,
    fetch: &'a F,
    verified: RefCell<BTreeMap<(u8, u64), Vec<Hash>>>,
}

impl<'a, F> TileHashReader<'a, F>
where
    F: Fn(&[Tile]) -> Result<Vec<Vec<u8>>, LogError> + ?Sized,
{
    pub fn new(tree_size: u64, root: Hash, fetch: &'a F) -> Self {
        TileHashReader {
            tree_size,
            root,
            fetch,
            verified: RefCell::new(BTreeMap::new()),
        }
    }

    pub fn tree_size(&self) -> u64 {
        self.tree_size
    }

    fn tile(&self, level: u8, index: u64) -> Tile {
        Tile {
            level,
            index,
            width: tile_width_at(self.tree_size, level, index),
        }
    }

    /// The partial tile of every level that has one: together they determine the root.
    fn right_edge(&self) -> Vec<Tile> {
        (0..=MAX_TILE_LEVEL)
            .filter_map(|l| {
                let n = hashes_at(self.tree_size, l);
                (!n.is_multiple_of(256)).then(|| self.tile(l, n / 256))
            })
            .collect()
    }

    /// Fetches and verifies the tiles in `need` (and what verifying them requires).
    fn ensure(&self, need: &BTreeSet<(u8, u64)>) -> Result<(), LogError> {
        let mut want: BTreeSet<(u8, u64)> = BTreeSet::new();
        {
            let cache = self.verified.borrow();
            let mut stack: Vec<(u8, u64)> = need.iter().copied().collect();
            while let Some((l, k)) = stack.pop() {
                if cache.contains_key(&(l, k)) || !want.insert((l, k)) {
                    continue;
                }
                // A full tile is verified by its hash in the parent tile; a partial tile is on
                // the right edge and verified through the root.
                if self.tile(l, k).is_full() {
                    stack.push((l + 1, k / 256));
                }
            }
            if want.iter().any(|&(l, k)| !self.tile(l, k).is_full()) {
                for t in self.right_edge() {
                    if !cache.contains_key(&(t.level, t.index)) {
                        want.insert((t.level, t.index));
                    }
                }
            }
        }
        if want.is_empty() {
            return Ok(());
        }
        let tiles: Vec<Tile> = want.iter().map(|&(l, k)| self.tile(l, k)).collect();
        let data = (self.fetch)(&tiles)?;
        if data.len() != tiles.len() {
            return Err(LogError::FetchCount {
                requested: tiles.len(),
                returned: data.len(),
            });
        }
        let mut fetched: BTreeMap<(u8, u64), Vec<Hash>> = BTreeMap::new();
        for (t, d) in tiles.iter().zip(&data) {
            if d.len() != usize::from(t.width) * 32 {
                return Err(LogError::BadTile {
                    path: t.path(),
                    reason: format!("{} bytes, expected {}", d.len(), usize::from(t.width) * 32),
                });
            }
            fetched.insert((t.level, t.index), tile_hashes(d));
        }
        let mut cache = self.verified.borrow_mut();
        // Right edge first: recompute the root from the partial tiles.
        let edge = self.right_edge();
        if edge
            .iter()
            .any(|t| fetched.contains_key(&(t.level, t.index)))
        {
            let mut subtrees: Vec<Hash> = Vec::new();
            for t in edge.iter().rev() {
                let hashes = fetched
                    .get(&(t.level, t.index))
                    .or_else(|| cache.get(&(t.level, t.index)))
                    .ok_or_else(|| LogError::BadTile {
                        path: t.path(),
                        reason: "right-edge tile missing".into(),
                    })?;
                // The partial tile's width, read high bit to low, splits it into the complete
                // subtrees of the tree's binary decomposition at these levels.
                let mut at = 0usize;
                for b in (0..8).rev() {
                    if t.width & (1 << b) != 0 {
                        subtrees.push(complete_root(&hashes[at..at + (1 << b)]));
                        at += 1 << b;
                    }
                }
            }
            let mut iter = subtrees.iter().rev();
            let root = match iter.next() {
                Some(last) => iter.fold(*last, |acc, left| node_hash(left, &acc)),
                None => crate::empty_root(),
            };
            if root != self.root {
                return Err(LogError::TileMismatch {
                    path: edge.iter().map(Tile::path).collect::<Vec<_>>().join(", "),
                    tree_size: self.tree_size,
                });
            }
            for t in &edge {
                if let Some(h) = fetched.remove(&(t.level, t.index)) {
                    cache.insert((t.level, t.index), h);
                }
            }
        }
        // Then full tiles, top level down, each against its (already verified) parent.
        let mut rest: Vec<((u8, u64), Vec<Hash>)> = fetched.into_iter().collect();
        rest.sort_by_key(|e| std::cmp::Reverse(e.0.0));
        for ((l, k), hashes) in rest {
            let t = self.tile(l, k);
            let parent = cache
                .get(&(l + 1, k / 256))
                .ok_or_else(|| LogError::BadTile {
                    path: t.path(),
                    reason: "parent tile not verified".into(),
                })?;
            let slot = (k % 256) as usize;
            if parent.get(slot) != Some(&complete_root(&hashes)) {
                return Err(LogError::TileMismatch {
                    path: t.path(),
                    tree_size: self.tree_size,
                });
            }
            cache.insert((l, k), hashes);
        }
        Ok(())
    }
}

impl<F> HashReader for TileHashReader<'_, F>
where
    F: Fn(&[Tile]) -> Result<Vec<Vec<u8>>, LogError> + ?Sized,
{
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LogError> {
        // (tile level, tile index, offset in tile, count of tile hashes to fold)
        let mut plan = Vec::with_capacity(indexes.len());
        let mut need = BTreeSet::new();
        for &index in indexes {
            let (level, n) = split_stored_hash_index(index);
            let end = (u128::from(n) + 1) << level;
            if end > u128::from(self.tree_size) {
                return Err(LogError::HashBeyondTree {
                    index,
                    level,
                    n,
                    tree_size: self.tree_size,
                });
            }
            let tl = level / TILE_HEIGHT;
            let sub = level % TILE_HEIGHT;
            let first = n << sub;
            let k = first / 256;
            need.insert((tl, k));
            plan.push((tl, k, (first % 256) as usize, 1usize << sub));
        }
        self.ensure(&need)?;
        let cache = self.verified.borrow();
        plan.into_iter()
            .map(|(tl, k, off, count)| {
                let hashes = cache.get(&(tl, k)).ok_or_else(|| LogError::BadTile {
                    path: self.tile(tl, k).path(),
                    reason: "tile not verified".into(),
                })?;
                hashes
                    .get(off..off + count)
                    .map(complete_root)
                    .ok_or_else(|| LogError::BadTile {
                        path: self.tile(tl, k).path(),
                        reason: "hash outside the tile".into(),
                    })
            })
            .collect()
    }
}
