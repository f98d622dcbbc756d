// Command go-verifier is Verity's independent-verifier harness: it checks files exported by
// Verity's Rust log (crates/verity-log) with the Go reference implementation of the design,
// golang.org/x/mod/sumdb/{note,tlog}, and produces Go-made logs for the Rust side to verify.
//
// Build with the Debian packages golang-go and golang-golang-x-mod-dev, standard library and
// x/mod only:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o go-verifier .
//
// Usage:
//
//	go-verifier verify <dir>   # exit 0 iff everything verifies
//	go-verifier produce <dir> <size> <old size>
//
// Directory layout (both directions):
//
//	log.vkey          the log's note verifier key (<name>+<hex8>+<base64>)
//	checkpoint        signed checkpoint note (C2SP tlog-checkpoint) at the newest size
//	old-checkpoint    signed checkpoint at an older size
//	tile/<L>/<N>[.p/<W>]          C2SP tlog-tiles hash tiles (height 8)
//	tile/entries/<N>[.p/<W>]      C2SP entry bundles (uint16 big-endian length prefixes)
//	entries.txt       "<index> <base64 entry>" per line: entries whose inclusion to check
//
// produce also writes inclusion.txt ("<index> <base64 hash>,<base64 hash>,...") and
// consistency.txt (one base64 hash per line) for the Rust side.
//
// Go's tile paths carry the tile height (tile/8/L/N, and tile/8/data/N for entries); C2SP
// tlog-tiles drops it and names entry bundles "entries". tilePath/goTilePath map between them.
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: go-verifier verify <dir> | produce <dir> <size> <old size>")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "verify":
		err = verify(os.Args[2])
	case "produce":
		if len(os.Args) != 5 {
			err = errors.New("produce needs <dir> <size> <old size>")
			break
		}
		n, err1 := strconv.ParseInt(os.Args[3], 10, 64)
		m, err2 := strconv.ParseInt(os.Args[4], 10, 64)
		if err1 != nil || err2 != nil || m < 1 || m > n {
			err = errors.New("bad sizes")
			break
		}
		err = produce(os.Args[2], n, m)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
}

// tilePath maps a Go tile (height 8) to its C2SP tlog-tiles path.
func tilePath(t tlog.Tile) string {
	p := t.Path() // tile/8/L/N[.p/W] or tile/8/data/N[.p/W]
	p = strings.Replace(p, "tile/8/", "tile/", 1)
	return strings.Replace(p, "tile/data/", "tile/entries/", 1)
}

// goTilePath maps a C2SP hash-tile path to Go's.
func goTilePath(p string) string {
	return strings.Replace(p, "tile/", "tile/8/", 1)
}

// dirTiles serves tiles from a directory laid out per C2SP tlog-tiles.
type dirTiles struct{ dir string }

func (d dirTiles) Height() int { return height }

func (d dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := os.ReadFile(filepath.Join(d.dir, filepath.FromSlash(tilePath(t))))
		if err != nil {
			return nil, fmt.Errorf("reading tile %s: %v", tilePath(t), err)
		}
		out[i] = b
	}
	return out, nil
}

func (d dirTiles) SaveTiles([]tlog.Tile, [][]byte) {}

// parseCheckpoint parses a C2SP checkpoint body: origin, size, base64 root (no extensions).
func parseCheckpoint(text string) (string, tlog.Tree, error) {
	lines := strings.Split(text, "\n")
	if len(lines) != 4 || lines[3] != "" {
		return "", tlog.Tree{}, fmt.Errorf("checkpoint must have exactly 3 lines, got %q", text)
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != lines[1] {
		return "", tlog.Tree{}, fmt.Errorf("bad tree size %q", lines[1])
	}
	h, err := tlog.ParseHash(lines[2])
	if err != nil {
		return "", tlog.Tree{}, fmt.Errorf("bad root hash %q: %v", lines[2], err)
	}
	return lines[0], tlog.Tree{N: n, Hash: h}, nil
}

func openCheckpoint(path string, v note.Verifier) (tlog.Tree, error) {
	msg, err := os.ReadFile(path)
	if err != nil {
		return tlog.Tree{}, err
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("%s: note.Open: %v", filepath.Base(path), err)
	}
	origin, tree, err := parseCheckpoint(n.Text)
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("%s: %v", filepath.Base(path), err)
	}
	if origin != v.Name() {
		return tlog.Tree{}, fmt.Errorf("%s: origin %q is not the key name %q", filepath.Base(path), origin, v.Name())
	}
	return tree, nil
}

func decodeBundle(b []byte) ([][]byte, error) {
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, errors.New("truncated length prefix")
		}
		l := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+l {
			return nil, errors.New("truncated entry")
		}
		out = append(out, b[2:2+l])
		b = b[2+l:]
	}
	return out, nil
}

func verify(dir string) error {
	vkey, err := os.ReadFile(filepath.Join(dir, "log.vkey"))
	if err != nil {
		return err
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		return fmt.Errorf("log.vkey: %v", err)
	}
	tree, err := openCheckpoint(filepath.Join(dir, "checkpoint"), v)
	if err != nil {
		return err
	}
	old, err := openCheckpoint(filepath.Join(dir, "old-checkpoint"), v)
	if err != nil {
		return err
	}
	thr := tlog.TileHashReader(tree, dirTiles{dir})

	// The tree hash recomputed from verified tiles must be the signed root.
	th, err := tlog.TreeHash(tree.N, thr)
	if err != nil {
		return fmt.Errorf("TreeHash: %v", err)
	}
	if th != tree.Hash {
		return fmt.Errorf("tree hash %v != checkpoint root %v", th, tree.Hash)
	}

	// Every published hash tile (including older, narrower partial tiles) must hold exactly
	// the hashes ReadTileData derives from the verified tree.
	ntiles := 0
	err = filepath.Walk(filepath.Join(dir, "tile"), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, dir+string(filepath.Separator)))
		if strings.HasPrefix(rel, "tile/entries/") {
			return nil
		}
		t, err := tlog.ParseTilePath(goTilePath(rel))
		if err != nil {
			return fmt.Errorf("ParseTilePath(%s): %v", rel, err)
		}
		if tilePath(t) != rel {
			return fmt.Errorf("tile path %s does not round-trip (%s)", rel, tilePath(t))
		}
		want, err := tlog.ReadTileData(t, thr)
		if err != nil {
			return fmt.Errorf("ReadTileData(%s): %v", rel, err)
		}
		got, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("tile %s does not match the verified tree", rel)
		}
		ntiles++
		return nil
	})
	if err != nil {
		return err
	}

	// Every entry in the bundles at the checkpoint size is in the tree: its record hash equals
	// the verified leaf hash, and ProveRecord/CheckRecord agree.
	for start := int64(0); start < tree.N; start += 1 << height {
		w := tree.N - start
		if w > 1<<height {
			w = 1 << height
		}
		bt := tlog.Tile{H: height, L: -1, N: start >> height, W: int(w)}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(tilePath(bt))))
		if err != nil {
			return fmt.Errorf("entry bundle: %v", err)
		}
		entries, err := decodeBundle(b)
		if err != nil {
			return fmt.Errorf("entry bundle %s: %v", tilePath(bt), err)
		}
		if int64(len(entries)) != w {
			return fmt.Errorf("entry bundle %s has %d entries, want %d", tilePath(bt), len(entries), w)
		}
		for i, e := range entries {
			if err := checkEntry(thr, tree, start+int64(i), e); err != nil {
				return err
			}
		}
	}

	// The explicit entry list, if present.
	listed := 0
	if f, err := os.Open(filepath.Join(dir, "entries.txt")); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			idx, b64, ok := strings.Cut(sc.Text(), " ")
			i, err1 := strconv.ParseInt(idx, 10, 64)
			e, err2 := base64.StdEncoding.DecodeString(b64)
			if !ok || err1 != nil || err2 != nil {
				return fmt.Errorf("entries.txt: bad line %q", sc.Text())
			}
			if err := checkEntry(thr, tree, i, e); err != nil {
				return err
			}
			listed++
		}
		if err := sc.Err(); err != nil {
			return err
		}
	}

	// The older checkpoint is a prefix of the newer one.
	proof, err := tlog.ProveTree(tree.N, old.N, thr)
	if err != nil {
		return fmt.Errorf("ProveTree(%d, %d): %v", tree.N, old.N, err)
	}
	if err := tlog.CheckTree(proof, tree.N, tree.Hash, old.N, old.Hash); err != nil {
		return fmt.Errorf("CheckTree(%d -> %d): %v", old.N, tree.N, err)
	}

	fmt.Printf("OK: %s size %d root %v; %d tiles match; %d entries in bundles and %d listed are included; consistent with size %d\n",
		v.Name(), tree.N, tree.Hash, ntiles, tree.N, listed, old.N)
	return nil
}

func checkEntry(thr tlog.HashReader, tree tlog.Tree, i int64, e []byte) error {
	if i < 0 || i >= tree.N {
		return fmt.Errorf("entry %d is outside the tree of size %d", i, tree.N)
	}
	hs, err := thr.ReadHashes([]int64{tlog.StoredHashIndex(0, i)})
	if err != nil {
		return fmt.Errorf("leaf hash %d: %v", i, err)
	}
	rh := tlog.RecordHash(e)
	if hs[0] != rh {
		return fmt.Errorf("entry %d does not hash to the leaf hash in the tiles", i)
	}
	p, err := tlog.ProveRecord(tree.N, i, thr)
	if err != nil {
		return fmt.Errorf("ProveRecord(%d, %d): %v", tree.N, i, err)
	}
	if err := tlog.CheckRecord(p, tree.N, tree.Hash, i, rh); err != nil {
		return fmt.Errorf("CheckRecord(%d): %v", i, err)
	}
	return nil
}

// memHashes is an in-memory stored-hash array for produce.
type memHashes []tlog.Hash

func (m memHashes) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x < 0 || x >= int64(len(m)) {
			return nil, fmt.Errorf("hash %d not stored", x)
		}
		out[i] = m[x]
	}
	return out, nil
}

func b64(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }

func produce(dir string, n, m int64) error {
	const name = "go.example/interop-log"
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return err
	}
	var stored memHashes
	var entries [][]byte
	for i := int64(0); i < n; i++ {
		e := []byte(fmt.Sprintf("go entry %d %s", i, strings.Repeat("x", int(i%37))))
		entries = append(entries, e)
		hs, err := tlog.StoredHashes(i, e, stored)
		if err != nil {
			return err
		}
		stored = append(stored, hs...)
	}
	write := func(rel string, data []byte) error {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, data, 0o644)
	}
	if err := write("log.vkey", []byte(vkey+"\n")); err != nil {
		return err
	}
	for _, c := range []struct {
		file string
		size int64
	}{{"checkpoint", n}, {"old-checkpoint", m}} {
		th, err := tlog.TreeHash(c.size, stored)
		if err != nil {
			return err
		}
		text := fmt.Sprintf("%s\n%d\n%s\n", name, c.size, b64(th))
		msg, err := note.Sign(&note.Note{Text: text}, signer)
		if err != nil {
			return err
		}
		if err := write(c.file, msg); err != nil {
			return err
		}
		// Tiles as published at this size (older partial tiles stay published). Go's NewTiles
		// lists every intermediate partial width; C2SP tlog-tiles only requires the partial
		// tile at the checkpoint size, so publish just full tiles and that width.
		for _, t := range tlog.NewTiles(height, 0, c.size) {
			if t.W != 1<<height && int64(t.W) != c.size>>(uint(height*t.L))-t.N<<height {
				continue
			}
			data, err := tlog.ReadTileData(t, stored)
			if err != nil {
				return err
			}
			if err := write(tilePath(t), data); err != nil {
				return err
			}
		}
		for start := int64(0); start < c.size; start += 1 << height {
			end := start + 1<<height
			if end > c.size {
				end = c.size
			}
			var bundle []byte
			for _, e := range entries[start:end] {
				bundle = binary.BigEndian.AppendUint16(bundle, uint16(len(e)))
				bundle = append(bundle, e...)
			}
			bt := tlog.Tile{H: height, L: -1, N: start >> height, W: int(end - start)}
			if err := write(tilePath(bt), bundle); err != nil {
				return err
			}
		}
	}
	var el, il bytes.Buffer
	for i := int64(0); i < n; i++ {
		fmt.Fprintf(&el, "%d %s\n", i, base64.StdEncoding.EncodeToString(entries[i]))
		p, err := tlog.ProveRecord(n, i, stored)
		if err != nil {
			return err
		}
		parts := make([]string, len(p))
		for j, h := range p {
			parts[j] = b64(h)
		}
		fmt.Fprintf(&il, "%d %s\n", i, strings.Join(parts, ","))
	}
	tp, err := tlog.ProveTree(n, m, stored)
	if err != nil {
		return err
	}
	var cl bytes.Buffer
	for _, h := range tp {
		fmt.Fprintln(&cl, b64(h))
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{"entries.txt", el.Bytes()}, {"inclusion.txt", il.Bytes()}, {"consistency.txt", cl.Bytes()}} {
		if err := write(f.name, f.data); err != nil {
			return err
		}
	}
	fmt.Printf("OK: produced %s size %d (old %d)\n", name, n, m)
	return nil
}
