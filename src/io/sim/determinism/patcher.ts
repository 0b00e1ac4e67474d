// Replaces properties and remembers the originals so that uninstall restores everything exactly,
// including the named ESM exports of builtin modules (synced from their CommonJS objects).
import { syncBuiltinESMExports } from 'node:module';

interface Saved {
  readonly target: object;
  readonly key: PropertyKey;
  readonly descriptor: PropertyDescriptor | undefined;
}

export class Patcher {
  private readonly saved: Saved[] = [];

  /** Returns false for a property that cannot be replaced (non-configurable and read-only). */
  replace(target: object, key: PropertyKey, value: unknown): boolean {
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    if (descriptor !== undefined && descriptor.configurable === false) {
      if (descriptor.writable !== true) return false;
      (target as Record<PropertyKey, unknown>)[key] = value;
      this.saved.push({ target, key, descriptor });
      return true;
    }
    this.saved.push({ target, key, descriptor });
    Object.defineProperty(target, key, { value, configurable: true, writable: true, enumerable: descriptor?.enumerable ?? false });
    return true;
  }

  /** The value currently at target[key] before patching (for wrapping). */
  original<T>(target: object, key: PropertyKey): T {
    return (target as Record<PropertyKey, T>)[key] as T;
  }

  sync(): void {
    syncBuiltinESMExports();
  }

  restore(): void {
    for (let i = this.saved.length - 1; i >= 0; i--) {
      const s = this.saved[i] as Saved;
      if (s.descriptor === undefined) delete (s.target as Record<PropertyKey, unknown>)[s.key];
      else if (s.descriptor.configurable === false) (s.target as Record<PropertyKey, unknown>)[s.key] = s.descriptor.value;
      else Object.defineProperty(s.target, s.key, s.descriptor);
    }
    this.saved.length = 0;
    syncBuiltinESMExports();
  }
}
