// SPDX-License-Identifier: MIT
// The Alys bridge contract, predeployed at 0xbBbB…bBbB: a burn is a call to requestPegOut with the
// Bitcoin address to pay and the value to burn. It reverts, so no value is taken, on what can be
// seen here to be unpayable: a value below the minimum peg-out, a value that is not a whole number
// of satoshis (1 satoshi = 10 gwei), or a destination whose length or prefix cannot be an address
// of the chain's Bitcoin network. What it cannot check (the checksum, the witness program) the node
// checks, and a burn it refuses is recorded with its reason.
//
// Predeployed as runtime code in the genesis, so there is no constructor: the minimum (slot 0) and
// the network (slot 1) are set in the genesis account's storage. The value stays in this contract,
// which has no way to send it out: it leaves circulation.
pragma solidity 0.8.37;

contract Bridge {
    /// Smallest burn, in wei (genesis storage slot 0).
    uint256 public minPegOutWei;
    /// Bitcoin network of the peg (genesis storage slot 1): 0 mainnet, 1 testnet, 2 regtest.
    uint256 public bitcoinNetwork;

    uint256 private constant WEI_PER_SAT = 10 gwei;

    event RequestPegOut(address indexed _evmAddress, bytes _bitcoinAddress, uint256 _value);

    error BelowMinimumPegOut(uint256 value, uint256 minimum);
    error NotWholeSatoshis(uint256 value);
    error BadBitcoinAddress(bytes bitcoinAddress);

    function requestPegOut(bytes calldata _bitcoinAddress) external payable {
        if (msg.value < minPegOutWei) revert BelowMinimumPegOut(msg.value, minPegOutWei);
        if (msg.value % WEI_PER_SAT != 0) revert NotWholeSatoshis(msg.value);
        if (!plausibleAddress(_bitcoinAddress)) revert BadBitcoinAddress(_bitcoinAddress);
        emit RequestPegOut(msg.sender, _bitcoinAddress, msg.value);
    }

    /// Length and prefix of a Bitcoin address of this network: bech32 (segwit) or base58 (legacy).
    function plausibleAddress(bytes calldata a) public view returns (bool) {
        uint256 n = bitcoinNetwork;
        bytes memory hrp = n == 0 ? bytes("bc1") : n == 1 ? bytes("tb1") : bytes("bcrt1");
        if (startsWith(a, hrp)) {
            // hrp, separator, witness version, at least a 2-byte program and the 6-character checksum;
            // at most 90 characters (BIP173).
            return a.length >= hrp.length + 1 + 4 + 6 && a.length <= 90;
        }
        if (a.length < 26 || a.length > 35) return false;
        bytes1 c = a[0];
        if (n == 0) return c == "1" || c == "3";
        return c == "m" || c == "n" || c == "2";
    }

    function startsWith(bytes calldata a, bytes memory prefix) private pure returns (bool) {
        if (a.length < prefix.length) return false;
        for (uint256 i = 0; i < prefix.length; i++) {
            if (a[i] != prefix[i]) return false;
        }
        return true;
    }
}
