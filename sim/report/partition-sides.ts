// Which side of the network's cuts each node is on: nodes that can reach each other both ways share
// a side. Side 0 is the side of the first node listed, so an uncut network is all side 0.

export function partitionSides(ids: readonly string[], isCut: (from: string, to: string) => boolean): number[] {
  const parent = ids.map((_, i) => i);
  const root = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r] as number;
    return r;
  };
  for (let a = 0; a < ids.length; a++) {
    for (let b = a + 1; b < ids.length; b++) {
      const x = ids[a] as string;
      const y = ids[b] as string;
      if (!isCut(x, y) && !isCut(y, x)) parent[root(b)] = root(a);
    }
  }
  const sideOfRoot = new Map<number, number>();
  return ids.map((_, i) => {
    const r = root(i);
    let side = sideOfRoot.get(r);
    if (side === undefined) {
      side = sideOfRoot.size;
      sideOfRoot.set(r, side);
    }
    return side;
  });
}
