// The bridge contract predeployed at 0xbBbB…bBbB in the dev execution genesis: any call carrying
// value emits RequestPegOut(msg.sender, calldata as the Bitcoin address, msg.value) and keeps the
// value (burned from circulation). Hand-assembled runtime code, so the harness needs no compiler:
//   mem[0x00]=0x40 (offset of bytes)  mem[0x20]=callvalue  mem[0x40]=calldatasize  mem[0x60..]=calldata
//   LOG2(0, 0x60 + roundup32(calldatasize), keccak("RequestPegOut(address,bytes,uint256)"), caller)
export const BRIDGE_CONTRACT_ADDRESS = '0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

const REQUEST_PEG_OUT_TOPIC = 'aa1c6070bc915de33c0fbc36ecf77b1e4fc1ebce832b2da62b6fe25f5a7dd5b0';

export const BRIDGE_CONTRACT_CODE =
  '0x' +
  [
    '6040600052', // PUSH1 0x40 PUSH1 0 MSTORE
    '34602052', // CALLVALUE PUSH1 0x20 MSTORE
    '36604052', // CALLDATASIZE PUSH1 0x40 MSTORE
    '3660006060' + '37', // CALLDATACOPY(0x60, 0, CALLDATASIZE)
    '33', // CALLER (topic1)
    '7f' + REQUEST_PEG_OUT_TOPIC, // PUSH32 topic0
    '601f3601', // PUSH1 0x1f CALLDATASIZE ADD
    '60051c60051b', // >> 5 << 5
    '606001', // + 0x60 (size)
    '6000', // offset 0
    'a2', // LOG2
    '00', // STOP
  ].join('');
