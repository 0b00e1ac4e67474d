//go:build tools

// The real components the tests and the devnet run, pinned by go.mod: Geth (the execution client)
// and btcd (a Bitcoin node in regtest). harness/build.mjs builds them into harness/bin.
package tools

import (
	_ "github.com/btcsuite/btcd"
	_ "github.com/btcsuite/btcd/cmd/btcctl"
	_ "github.com/ethereum/go-ethereum/cmd/geth"
)
