/** The HTTP app alone, for tests that need no DICOM side: no printers, a fresh store, loopback control. */
import { type AppDeps, buildApp } from '../../src/http/app.js';
import { tempStore } from './store.js';

export function bareApp(deps: Partial<AppDeps> = {}): ReturnType<typeof buildApp> {
  return buildApp({
    dicomListening: () => true,
    dicomPort: () => 0,
    printers: () => [],
    store: tempStore(),
    control: {},
    ...deps,
  });
}
