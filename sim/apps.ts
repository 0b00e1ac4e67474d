// The apps a scenario can run, by name.
import type { SimApp } from './app.ts';
import { bridgeApp } from './bridge/app.ts';
import { chainApp } from './chain/app.ts';
import { syncApp } from './sync/app.ts';
import { toyApp } from './toy/app.ts';

export const apps: Readonly<Record<string, SimApp<unknown>>> = {
  toy: toyApp as SimApp<unknown>,
  chain: chainApp as SimApp<unknown>,
  sync: syncApp as SimApp<unknown>,
  bridge: bridgeApp as SimApp<unknown>,
};
