// go_verify checks a traceledger checkpoint and proofs with Go's reference
// implementations: golang.org/x/mod/sumdb/note (C2SP signed notes) and
// golang.org/x/mod/sumdb/tlog (RFC 6962/9162 Merkle proofs). Input on stdin:
//
//	{"vkey": "...", "note": "...",
//	 "inclusion": [{"index": i, "leaf": "<base64 entry bytes>", "proof": ["<hex>", ...]}],
//	 "consistency": [{"first": m, "first_root": "<hex>", "proof": ["<hex>", ...]}]}
//
// It prints "ok" and exits 0 when everything verifies; otherwise it names the first failure
// and exits 1. Built from Debian's golang-golang-x-mod-dev with GO111MODULE=off.
package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type inclusion struct {
	Index int64    `json:"index"`
	Leaf  string   `json:"leaf"`
	Proof []string `json:"proof"`
}

type consistency struct {
	First     int64    `json:"first"`
	FirstRoot string   `json:"first_root"`
	Proof     []string `json:"proof"`
}

type input struct {
	Vkey        string        `json:"vkey"`
	Note        string        `json:"note"`
	Inclusion   []inclusion   `json:"inclusion"`
	Consistency []consistency `json:"consistency"`
}

func fail(format string, args ...interface{}) {
	fmt.Printf(format+"\n", args...)
	os.Exit(1)
}

func hash(text string) tlog.Hash {
	raw, err := hex.DecodeString(text)
	if err != nil || len(raw) != tlog.HashSize {
		fail("bad hash %q", text)
	}
	var h tlog.Hash
	copy(h[:], raw)
	return h
}

func hashes(texts []string) []tlog.Hash {
	out := make([]tlog.Hash, len(texts))
	for i, t := range texts {
		out[i] = hash(t)
	}
	return out
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail("bad input: %v", err)
	}
	verifier, err := note.NewVerifier(in.Vkey)
	if err != nil {
		fail("bad verifier key: %v", err)
	}
	n, err := note.Open([]byte(in.Note), note.VerifierList(verifier))
	if err != nil {
		fail("note does not verify: %v", err)
	}
	// tlog-checkpoint body: origin, size, base64 root (tlog.ParseTree wants sumdb's origin).
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != verifier.Name() {
		fail("checkpoint body malformed or origin %q is not the key's", lines[0])
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("bad tree size: %v", err)
	}
	rootRaw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootRaw) != tlog.HashSize {
		fail("bad root hash")
	}
	var root tlog.Hash
	copy(root[:], rootRaw)
	for _, inc := range in.Inclusion {
		leaf, err := base64.StdEncoding.DecodeString(inc.Leaf)
		if err != nil {
			fail("bad leaf base64 at %d", inc.Index)
		}
		if err := tlog.CheckRecord(hashes(inc.Proof), size, root, inc.Index, tlog.RecordHash(leaf)); err != nil {
			fail("inclusion of entry %d: %v", inc.Index, err)
		}
	}
	for _, c := range in.Consistency {
		if err := tlog.CheckTree(hashes(c.Proof), size, root, c.First, hash(c.FirstRoot)); err != nil {
			fail("consistency from size %d: %v", c.First, err)
		}
	}
	fmt.Println("ok")
}
