// Go peer for bench/log/run.sh: the same workloads as crates/verity-log/examples/log_bench.rs,
// with golang.org/x/mod/sumdb/tlog (the reference implementation of the stored-hash/tile
// design) and crypto/ed25519. Prints "metric<TAB>ops_per_second" lines.
package main

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

type mem []tlog.Hash

func (m mem) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = m[x]
	}
	return out, nil
}

func report(metric string, ops int64, start time.Time) {
	fmt.Printf("%s\t%.0f\n", metric, float64(ops)/time.Since(start).Seconds())
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	n := int64(1_000_000)
	if len(os.Args) > 1 {
		v, err := strconv.ParseInt(os.Args[1], 10, 64)
		must(err)
		n = v
	}

	start := time.Now()
	var h tlog.Hash
	for i := 0; i < 2_000_000; i++ {
		h = tlog.NodeHash(h, h)
	}
	_ = h
	report("node_hash", 2_000_000, start)

	start = time.Now()
	stored := make(mem, 0, 2*n)
	for i := int64(0); i < n; i++ {
		hs, err := tlog.StoredHashes(i, []byte(fmt.Sprintf("entry-%d", i)), stored)
		must(err)
		stored = append(stored, hs...)
	}
	report("append", n, start)
	root, err := tlog.TreeHash(n, stored)
	must(err)

	const proofs = 100_000
	index := func(k uint64) int64 { return int64((k * 0x9E3779B97F4A7C15) % uint64(n)) }
	start = time.Now()
	ps := make([]tlog.RecordProof, proofs)
	for k := range ps {
		ps[k], err = tlog.ProveRecord(n, index(uint64(k)), stored)
		must(err)
	}
	report("prove_inclusion", proofs, start)
	start = time.Now()
	for k, p := range ps {
		i := index(uint64(k))
		must(tlog.CheckRecord(p, n, root, i, stored[tlog.StoredHashIndex(0, i)]))
	}
	report("verify_inclusion", proofs, start)

	const sigs = 20_000
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(i + 1)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	body := []byte(fmt.Sprintf("bench.example/log\n%d\n%x\n", n, root[:]))
	start = time.Now()
	ss := make([][]byte, sigs)
	for i := range ss {
		ss[i] = ed25519.Sign(priv, body)
	}
	report("ed25519_sign", sigs, start)
	start = time.Now()
	for _, s := range ss {
		if !ed25519.Verify(pub, body, s) {
			must(fmt.Errorf("verify failed"))
		}
	}
	report("ed25519_verify", sigs, start)
}
