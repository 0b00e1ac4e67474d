//go:build tools

// The real components the tests and the devnet run, pinned by go.mod: Geth (the execution client),
// btcd (a Bitcoin node in regtest) and toxiproxy-server (the fault-injecting TCP proxy the nemesis
// puts on every link). harness/build.ts builds them into harness/bin.
package tools

import (
	_ "github.com/btcsuite/btcd"
	_ "github.com/btcsuite/btcd/cmd/btcctl"
	_ "github.com/ethereum/go-ethereum/cmd/geth"
	_ "github.com/Shopify/toxiproxy/v2/cmd/server"
)
